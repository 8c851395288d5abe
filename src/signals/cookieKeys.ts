// Cookie keys: parses and imports the EDGEWARD_COOKIE_KEYS JWK set once per isolate (cached by
// the secret string). Returns a Result; never falls back to a built-in key, never throws.
import { importJWK } from 'jose'
import * as v from 'valibot'
import { base64urlBytes } from '../util/base64url'
import { err, ok, type Result } from '../util/result'

/** The one signing algorithm. Every token header must name exactly this. */
export const DEVICE_TOKEN_ALG = 'ES256' as const
/** A key id: short, URL-safe, so it can never smuggle a path or a query. */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/
const MAX_KEYS = 8

export interface CookieKeys {
  /** The newest key — by definition the FIRST key of the set — signs. */
  readonly signer: { readonly kid: string; readonly key: CryptoKey }
  /** Every listed key verifies (public part only). */
  readonly verifiers: ReadonlyMap<string, CryptoKey>
  /**
   * HMAC keys for what only this Worker signs and checks, one set per use: each listed key with a
   * private part gives one, derived from it (HKDF-SHA-256, the use in its info), under its kid; the
   * newest signs. `BENCH_ONLY=tokens` in workerd: a nonce 31.2 → 9.3 µs, a cookie issued 32.2 → 16.6,
   * a never-seen cookie verified 75.7 → 37.7 (docs/performance.md). A key listed without its private part has none: what it MAC-signed
   * no longer verifies — keep an old key's `d` as long as its tokens live (docs/config.md).
   */
  readonly deviceMacs: MacKeys
  readonly nonceMacs: MacKeys
}

export interface MacKeys {
  readonly signer: { readonly kid: string; readonly key: CryptoKey }
  readonly verifiers: ReadonlyMap<string, CryptoKey>
}

/** What a derived HMAC key is for: a key derived for one use is useless for another. */
export const MAC_INFO = { device: 'edgeward device cookie hs256 v1', nonce: 'edgeward sdk nonce hs256 v1' } as const

export const KEY_PROBLEMS = ['missing', 'not_json', 'bad_keyset', 'import_failed'] as const
export type KeyProblem = (typeof KEY_PROBLEMS)[number]
export type LoadedKeys = Result<CookieKeys, KeyProblem>

const b64Coord = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/))
const JwkSchema = v.object({
  kty: v.literal('EC'),
  crv: v.literal('P-256'),
  x: b64Coord,
  y: b64Coord,
  d: v.optional(b64Coord),
  kid: v.pipe(v.string(), v.regex(KID_PATTERN)),
  alg: v.optional(v.literal(DEVICE_TOKEN_ALG)),
  use: v.optional(v.literal('sig')),
})
const KeySetSchema = v.object({
  keys: v.pipe(v.array(JwkSchema), v.minLength(1), v.maxLength(MAX_KEYS)),
})
type Jwk = v.InferOutput<typeof JwkSchema>

async function importKeys(keys: readonly Jwk[]): Promise<LoadedKeys> {
  const first = keys[0]
  if (first?.d === undefined) return err('bad_keyset', 'the first (newest) key has no private part')
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) return err('bad_keyset', 'duplicate kid')
  try {
    const verifiers = new Map<string, CryptoKey>()
    for (const k of keys) {
      const pub = { kty: k.kty, crv: k.crv, x: k.x, y: k.y }
      verifiers.set(k.kid, (await importJWK(pub, DEVICE_TOKEN_ALG)) as CryptoKey)
    }
    const priv = { kty: first.kty, crv: first.crv, x: first.x, y: first.y, d: first.d }
    const signer = { kid: first.kid, key: (await importJWK(priv, DEVICE_TOKEN_ALG)) as CryptoKey }
    return ok({ signer, verifiers, deviceMacs: await macKeys(keys, MAC_INFO.device), nonceMacs: await macKeys(keys, MAC_INFO.nonce) })
  } catch (e) {
    return err('import_failed', e instanceof Error ? e.message.slice(0, 120) : undefined)
  }
}

/** An HMAC-SHA-256 key derived from a private key's scalar `d` (base64url) for one use (`info`). */
async function macKey(d: string, info: string): Promise<CryptoKey> {
  const bytes = base64urlBytes(d)
  if (bytes === null) throw new TypeError('d is not base64url') // the schema admits only base64url: unreachable
  const base = await crypto.subtle.importKey('raw', bytes, 'HKDF', false, ['deriveKey'])
  const derive = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(info) }
  return crypto.subtle.deriveKey(derive, base, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign', 'verify'])
}

/** One use's MAC keys: every key with a private part verifies, the first (which has one) signs. */
async function macKeys(keys: readonly Jwk[], info: string): Promise<MacKeys> {
  const verifiers = new Map<string, CryptoKey>()
  for (const k of keys) if (k.d !== undefined) verifiers.set(k.kid, await macKey(k.d, info))
  const first = keys[0]!
  return { signer: { kid: first.kid, key: verifiers.get(first.kid)! }, verifiers }
}

/** Parses a JWK set JSON string. Exposed for tests and the dev-key tool. */
export async function parseCookieKeys(secret: string | undefined): Promise<LoadedKeys> {
  if (secret === undefined || secret.trim() === '') return err('missing')
  let json: unknown
  try {
    json = JSON.parse(secret)
  } catch {
    return err('not_json')
  }
  const parsed = v.safeParse(KeySetSchema, json)
  if (!parsed.success) return err('bad_keyset', parsed.issues[0]?.message.slice(0, 120))
  return importKeys(parsed.output.keys)
}

let cached: { readonly secret: string | undefined; readonly keys: Promise<LoadedKeys> } | undefined

/** Cached per isolate by the secret string: parsed and imported once, not per request. */
export function loadCookieKeys(secret: string | undefined): Promise<LoadedKeys> {
  if (cached === undefined || cached.secret !== secret) cached = { secret, keys: parseCookieKeys(secret) }
  return cached.keys
}
