// The agent's key directory (HTTP Message Signatures Directory draft): takes the Signature-Agent URL
// or the directory's JSON, returns where to fetch it, the agent's identity, and its Ed25519 keys by
// JWK thumbprint (RFC 7638) — or null / an empty map for anything else. Pure but for WebCrypto's digest.

export const DIRECTORY_PATH = '/.well-known/http-message-signatures-directory'
export const DIRECTORY_MEDIA_TYPE = 'application/http-message-signatures-directory+json'
/** A directory is read up to this many keys (a rotation holds two or three). */
export const MAX_DIRECTORY_KEYS = 32
/** An agent URL is refused past this length (it goes on the log line; config keys have the same bound). */
export const MAX_AGENT_URL = 512

export interface AgentLocation {
  /** How the log line and the config name the agent: the URL's origin, or the whole URL when it has a path. */
  readonly identity: string
  /** Where its keys are: the well-known path on an origin-only URL, else the URL itself. */
  readonly directoryUrl: string
}

/**
 * An agent URL edgeward will fetch keys from: https, or — only when `allowLoopbackHttp` (local dev) —
 * http on 127.x.y.z. No credentials, no fragment, no query. Anything else: null (never fetched).
 */
export function locateAgent(raw: string, allowLoopbackHttp: boolean): AgentLocation | null {
  if (raw.length > MAX_AGENT_URL) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return null
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || raw.includes('#') || raw.includes('?')) return null
  const https = url.protocol === 'https:'
  const loopback = allowLoopbackHttp && url.protocol === 'http:' && /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname)
  if (!https && !loopback) return null
  if (url.pathname === '/' || url.pathname === '') return { identity: url.origin, directoryUrl: url.origin + DIRECTORY_PATH }
  return { identity: url.href, directoryUrl: url.href }
}

/** Config keys name agents as their URL; compared in the same form as `identity` (null: not an agent URL). */
export function agentIdentity(raw: string): string | null {
  return locateAgent(raw, true)?.identity ?? null
}

/** Ed25519 public keys (`x`, base64url) by their RFC 7638 thumbprint; keys of other types are skipped. */
export async function directoryKeys(json: unknown): Promise<Map<string, string> | null> {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { keys?: unknown }).keys)) return null
  const out = new Map<string, string>()
  for (const key of ((json as { keys: unknown[] }).keys).slice(0, MAX_DIRECTORY_KEYS)) {
    if (typeof key !== 'object' || key === null) continue
    const { kty, crv, x } = key as Record<string, unknown>
    if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(x)) continue
    out.set(await jwkThumbprint(x), x)
  }
  return out
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace; base64url. */
export async function jwkThumbprint(x: string): Promise<string> {
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${x}"}`
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)))
  let bin = ''
  for (const b of digest) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Seconds to keep a directory: its Cache-Control max-age, within [min, max]; `fallback` without one. */
export function directoryTtlS(cacheControl: string | null, bounds: { min: number; max: number; fallback: number }): number {
  const m = cacheControl === null ? null : /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(cacheControl)
  if (cacheControl !== null && /(?:^|,)\s*no-store\s*(?:,|$)/i.test(cacheControl)) return bounds.min
  const s = m === null ? bounds.fallback : Number(m[1])
  return Math.min(bounds.max, Math.max(bounds.min, s))
}
