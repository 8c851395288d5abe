// Takes a request; returns its form-urlencoded, multipart or JSON body as a flat field record.
// Must not read more than the cap, throw on bad input, or let a field name touch a prototype.
import { readCappedBody } from '../body'

/** Largest body the demo origin reads; anything bigger is answered 413. */
export const MAX_BODY_BYTES = 64 * 1024

export type Fields = Readonly<Record<string, unknown>>

export const BODY_PROBLEMS = ['too_large', 'malformed', 'unsupported_type'] as const
export type BodyProblem = (typeof BODY_PROBLEMS)[number]

export type BodyResult =
  | { readonly ok: true; readonly fields: Fields }
  | { readonly ok: false; readonly reason: BodyProblem }

/** The HTTP status that answers each body problem. */
export const BODY_PROBLEM_STATUS = {
  too_large: 413,
  malformed: 400,
  unsupported_type: 415,
} as const satisfies Record<BodyProblem, number>

/** The media type of a request without parameters, lower-cased ('' when absent). */
export function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

export function isJsonType(type: string): boolean {
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

async function readCapped(request: Request): Promise<Uint8Array | 'too_large' | 'malformed'> {
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > MAX_BODY_BYTES) return 'too_large'
  try {
    return await readCappedBody(request.body, MAX_BODY_BYTES)
  } catch {
    return 'malformed'
  }
}

function record(entries: Iterable<[string, unknown]>): Fields {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const [key, value] of entries) if (!(key in out)) out[key] = value // first value wins
  return out
}

async function parse(type: string, bytes: Uint8Array, contentType: string): Promise<BodyResult> {
  if (type === 'multipart/form-data') {
    const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData()
    const strings = [...form.entries()].filter((e): e is [string, string] => typeof e[1] === 'string')
    return { ok: true, fields: record(strings) }
  }
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  if (isJsonType(type)) {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, reason: 'malformed' }
    }
    return { ok: true, fields: record(Object.entries(value)) }
  }
  return { ok: true, fields: record(new URLSearchParams(text)) }
}

const SUPPORTED = ['', 'application/x-www-form-urlencoded', 'multipart/form-data'] as const

/** Reads and parses the body; a missing Content-Type is read as form-urlencoded (like curl -d). */
export async function readFields(request: Request): Promise<BodyResult> {
  const type = mediaType(request)
  if (!isJsonType(type) && !(SUPPORTED as readonly string[]).includes(type)) {
    return { ok: false, reason: 'unsupported_type' }
  }
  const bytes = await readCapped(request)
  if (bytes === 'too_large' || bytes === 'malformed') return { ok: false, reason: bytes }
  try {
    return await parse(type, bytes, request.headers.get('content-type') ?? '')
  } catch {
    return { ok: false, reason: 'malformed' }
  }
}
