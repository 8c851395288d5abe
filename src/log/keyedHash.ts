// Keyed hashes for privacy: takes a secret key and a value, returns a hex HMAC-SHA-256
// prefix (128 bits). Usernames and (by config) IPs are only ever logged or stored this
// way. Must not be used with an empty key.

const encoder = new TextEncoder()
// Resolved keys only, never a pending import: a request that awaits another request's promise runs
// on in that request's context, and its own body is then I/O "on behalf of a different request".
const keyCache = new Map<string, CryptoKey>()
export const KEY_CACHE_SIZE = 9

/** Imported HMAC keys cached (tests assert it stays within KEY_CACHE_SIZE). */
export const keyCacheSize = (): number => keyCache.size

/** The HMAC-SHA-256 key of a secret, imported once per isolate (a few secrets at most are live). */
export async function hmacKey(secret: string): Promise<CryptoKey> {
  const cached = keyCache.get(secret)
  if (cached !== undefined) return cached
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
  if (keyCache.size >= KEY_CACHE_SIZE) keyCache.clear()
  keyCache.set(secret, key)
  return key
}

export async function keyedHash(secret: string, value: string): Promise<string> {
  if (secret === '') throw new TypeError('keyedHash needs a non-empty key')
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(value))
  const bytes = new Uint8Array(mac, 0, 16)
  let hex = ''
  for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  return hex
}

/** Canonical form of a username before hashing: NFKC, trimmed, lower-cased. */
export function canonicalUsername(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase()
}
