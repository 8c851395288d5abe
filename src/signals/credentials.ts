// Username from a login/signup body: takes the body bytes, its Content-Type and the
// configured field names, returns the first non-empty username-like value (capped),
// or null. Must not return or keep the password, and must not throw on any input.

const MAX_USERNAME = 256
const decoder = new TextDecoder()

export function extractUsername(body: Uint8Array, contentType: string | null, fields: readonly string[]): string | null {
  if (body.byteLength === 0) return null
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  const text = decoder.decode(body)
  const values = type === 'application/json' || type.endsWith('+json') ? fromJson(text) : type === 'application/x-www-form-urlencoded' ? fromForm(text) : null
  if (values === null) return null
  for (const field of fields) {
    const v = values.get(field)
    if (v !== undefined && v.trim() !== '') return v.slice(0, MAX_USERNAME)
  }
  return null
}

function fromForm(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of new URLSearchParams(text)) {
    const key = k.toLowerCase()
    if (!out.has(key)) out.set(key, v)
  }
  return out
}

function fromJson(text: string): Map<string, string> | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return null
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === 'string' && !out.has(k.toLowerCase())) out.set(k.toLowerCase(), v)
  }
  return out
}
