// SDK nonce: the short-lived signed token the Worker puts into every page it injects the SDK
// into, which the SDK hands back with its telemetry. Takes ids, times, binding hashes and the
// cookie keys; returns a compact JWS, or a Result saying why a presented nonce does not count.
// No clock (`now` is an argument), no randomness (the id comes in), no storage (single use is
// the caller's: worker/sdk/nonce.ts).
import { errors, jwtVerify } from 'jose'
import * as v from 'valibot'
import { err, ok, type Result } from '../util/result'
import type { BindingHashes } from './binding'
import { KID_PATTERN, type CookieKeys, type LoadedKeys } from './cookieKeys'
import { MAC_JWS_ALG, signMacJws } from './macJws'

export const SDK_NONCE_TYP = 'edgeward-sdk-nonce+jwt'
/**
 * Only this Worker signs a nonce and only this Worker checks one, so a MAC does what a public-key
 * signature did, at a fraction of the CPU of every page view that carries one (docs/performance.md).
 * Its key is derived from the cookie keys' private part (src/signals/cookieKeys.ts: `nonceMacs`).
 */
export const SDK_NONCE_ALG = MAC_JWS_ALG
/** Long enough for a person to read a login page and type; short enough that a stock goes stale. */
export const SDK_NONCE_TTL_S = 30 * 60
export const SDK_NONCE_SKEW_S = 60
/** A nonce is ~300 characters; anything much longer is not ours. */
export const SDK_NONCE_MAX_CHARS = 1024
export const SDK_NONCE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

const hash16 = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16}$/))
const seconds = v.pipe(v.number(), v.integer(), v.minValue(1_500_000_000), v.maxValue(9_999_999_999))

export const SdkNonceClaimsSchema = v.strictObject({
  v: v.literal(1),
  jti: v.pipe(v.string(), v.regex(SDK_NONCE_ID_PATTERN)),
  iat: seconds,
  exp: seconds,
  b: v.strictObject({ u: hash16, n: hash16 }),
})
export type SdkNonceClaims = v.InferOutput<typeof SdkNonceClaimsSchema>

export const SDK_NONCE_PROBLEMS = [
  'absent', 'malformed', 'bad_header', 'unknown_kid', 'no_keys', 'bad_signature', 'expired', 'not_yet_valid',
  'bad_claims', 'wrong_client', 'replayed', 'store_unavailable',
] as const
/** Why a collect's telemetry is unproven (a log detail and, through the cookie, a rule variable). */
export type SdkNonceProblem = (typeof SDK_NONCE_PROBLEMS)[number]

export interface SdkNonceInput extends BindingHashes {
  /** 16 random bytes, base64url (the caller draws them). */
  readonly id: string
  /** Epoch milliseconds. */
  readonly now: number
}

/** Signed by hand (src/signals/macJws.ts: jose's builder cost more than the MAC); jose verifies it. */
export async function issueSdkNonce(input: SdkNonceInput, keys: CookieKeys): Promise<string> {
  if (!SDK_NONCE_ID_PATTERN.test(input.id)) throw new TypeError('sdk nonce id must be 22 base64url characters')
  const iat = Math.floor(input.now / 1000)
  const claims: SdkNonceClaims = { v: 1, jti: input.id, iat, exp: iat + SDK_NONCE_TTL_S, b: { u: input.uaHash, n: input.ipPrefixHash } }
  return signMacJws(claims, keys.nonceMacs.signer, SDK_NONCE_TYP)
}

export interface VerifiedSdkNonce {
  readonly id: string
  /** Epoch milliseconds: the single-use record must be kept until then. */
  readonly expiresAt: number
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

function headerKid(token: string): string | 'malformed' | 'bad_header' {
  let header: unknown
  try {
    header = JSON.parse(atob(token.slice(0, token.indexOf('.')).replace(/-/g, '+').replace(/_/g, '/')))
  } catch {
    return 'malformed'
  }
  if (typeof header !== 'object' || header === null) return 'malformed'
  const h = header as Record<string, unknown>
  if (h.alg !== SDK_NONCE_ALG || h.typ !== SDK_NONCE_TYP || Object.keys(h).length !== 3) return 'bad_header'
  return typeof h.kid === 'string' && KID_PATTERN.test(h.kid) ? h.kid : 'bad_header'
}

/**
 * Signature, lifetime and binding (same User-Agent and IP prefix as the page view) of a nonce
 * presented at collect. Single use is NOT checked here. Never throws.
 */
export async function verifySdkNonce(
  token: string | undefined,
  keys: LoadedKeys,
  ctx: BindingHashes & { readonly now: number },
): Promise<Result<VerifiedSdkNonce, SdkNonceProblem>> {
  if (token === undefined || token === '') return err('absent')
  if (token.length > SDK_NONCE_MAX_CHARS || !COMPACT_JWS.test(token)) return err('malformed')
  if (!keys.ok) return err('no_keys')
  const kid = headerKid(token)
  if (kid === 'malformed' || kid === 'bad_header') return err(kid)
  // A key listed without its private part has no MAC key: its nonces (30 min at most) read as unknown.
  const key = keys.value.nonceMacs.verifiers.get(kid)
  if (key === undefined) return err('unknown_kid')
  let payload: unknown
  try {
    payload = (await jwtVerify(token, key, { algorithms: [SDK_NONCE_ALG], typ: SDK_NONCE_TYP, currentDate: new Date(ctx.now), clockTolerance: SDK_NONCE_SKEW_S })).payload
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed) return err('bad_signature')
    if (e instanceof errors.JWTExpired) return err('expired')
    if (e instanceof errors.JWTClaimValidationFailed) return err(e.claim === 'iat' || e.claim === 'nbf' ? 'not_yet_valid' : 'bad_claims')
    return err('malformed')
  }
  const parsed = v.safeParse(SdkNonceClaimsSchema, payload)
  if (!parsed.success) return err('bad_claims')
  const c = parsed.output
  if (c.exp <= c.iat || c.exp - c.iat > SDK_NONCE_TTL_S) return err('bad_claims')
  const nowS = Math.floor(ctx.now / 1000)
  if (c.iat > nowS + SDK_NONCE_SKEW_S) return err('not_yet_valid')
  if (c.exp + SDK_NONCE_SKEW_S <= nowS) return err('expired')
  // Fetched by one client, spent by another: a harvested nonce does not travel.
  if (c.b.u !== ctx.uaHash || c.b.n !== ctx.ipPrefixHash) return err('wrong_client')
  return ok({ id: c.jti, expiresAt: (c.exp + SDK_NONCE_SKEW_S) * 1000 })
}
