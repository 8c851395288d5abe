// App tokens: the operator's own apps and partners, registered in the config with an Ed25519 public
// key, trade a short assertion signed with their private key (POST /__edgeward/app/token) for a
// short-lived token bound to the client's User-Agent and network, and send it on each call in the
// `edgeward-app-token` header. Takes the assertion or token, the registered apps, the keys and `now`;
// returns what was proven or why not. Never throws on input; reads no clock.
//
// What it costs an attacker: a mobile app's key can be pulled out of the app, so a token proves
// "this app's code, or someone who took its key" — never a person. It lifts only what a library
// User-Agent is blamed for (declared-tool rules, the model alone); every counter rule, and a
// per-token request bound, still hold, and a token works only for the User-Agent and network it was
// minted for: a shared or stolen token must be re-minted per network, one signed assertion each.
import { decodeJwt, importJWK, jwtVerify, type JWK } from 'jose'
import * as v from 'valibot'
import { err, ok, type Result } from '../util/result'
import type { BindingHashes } from './binding'
import { BindingClaimSchema, epochSeconds, signTypedToken, TOKEN_SKEW_S, verifyTypedToken, type TokenProblem } from './challengeToken'
import type { CookieKeys, LoadedKeys } from './cookieKeys'

export const APP_TOKEN_HEADER = 'edgeward-app-token'
export const APP_TOKEN_PATH = '/__edgeward/app/token'
export const APP_TOKEN_TYP = 'edgeward-app+jwt'
/** An app token lives this long: a phone that changes network mints another. */
export const APP_TOKEN_TTL_S = 15 * 60
export const APP_TOKEN_MAX_CHARS = 2048
/** An assertion (the app's own signed JWT) is good for at most this long after it was signed. */
export const APP_ASSERTION_MAX_AGE_S = 300
export const APP_ASSERTION_AUDIENCE = 'edgeward-app-token'
export const APP_ASSERTION_MAX_CHARS = 2048
export const APP_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/
export const APP_TOKEN_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

/** An app as the config registers it. */
export interface RegisteredApp {
  readonly id: string
  /** Ed25519 public key as a JWK (`kty: OKP`, `crv: Ed25519`, `x`). */
  readonly public_key: { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string }
}

export const AppTokenClaimsSchema = v.strictObject({
  v: v.literal(1),
  app: v.pipe(v.string(), v.regex(APP_ID_PATTERN)),
  /** The token's id: its own counters key (one client of the app), never reused. */
  jti: v.pipe(v.string(), v.regex(APP_TOKEN_ID_PATTERN)),
  b: BindingClaimSchema,
  iat: epochSeconds,
  exp: epochSeconds,
})
export type AppTokenClaims = v.InferOutput<typeof AppTokenClaimsSchema>

export type AppTokenProblem = TokenProblem | 'ua_mismatch' | 'ip_mismatch' | 'unknown_app'

export type AppTokenState =
  | { readonly kind: 'valid'; readonly app: string; readonly id: string; readonly expiresAt: number }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly reason: AppTokenProblem }

export interface IssueAppTokenInput extends BindingHashes {
  readonly app: string
  readonly id: string
  /** Epoch milliseconds. */
  readonly now: number
}

export async function issueAppToken(input: IssueAppTokenInput, keys: CookieKeys): Promise<string> {
  const iat = Math.floor(input.now / 1000)
  const claims: AppTokenClaims = { v: 1, app: input.app, jti: input.id, b: { u: input.uaHash, n: input.ipPrefixHash }, iat, exp: iat + APP_TOKEN_TTL_S }
  if (!v.is(AppTokenClaimsSchema, claims)) throw new TypeError('app token claims out of range')
  return signTypedToken(claims, APP_TOKEN_TYP, keys)
}

/**
 * The app token a request carries: signed by our keys, unexpired, for this User-Agent and network,
 * and for an app the config still registers (removing an app revokes its tokens at once).
 */
export async function verifyAppToken(
  token: string | null,
  keys: LoadedKeys,
  ctx: BindingHashes & { readonly now: number; readonly apps: readonly RegisteredApp[] },
): Promise<AppTokenState> {
  if (token === null || token === '') return { kind: 'missing' }
  const typed = await verifyTypedToken(token, keys, { typ: APP_TOKEN_TYP, now: ctx.now, maxChars: APP_TOKEN_MAX_CHARS })
  if (!typed.ok) return { kind: 'invalid', reason: typed.reason }
  const parsed = v.safeParse(AppTokenClaimsSchema, typed.value.payload)
  if (!parsed.success || parsed.output.exp - parsed.output.iat > APP_TOKEN_TTL_S) return { kind: 'invalid', reason: 'bad_claims' }
  const c = parsed.output
  if (c.iat > Math.floor(ctx.now / 1000) + TOKEN_SKEW_S) return { kind: 'invalid', reason: 'not_yet_valid' }
  if (c.b.u !== ctx.uaHash) return { kind: 'invalid', reason: 'ua_mismatch' }
  if (c.b.n !== ctx.ipPrefixHash) return { kind: 'invalid', reason: 'ip_mismatch' }
  if (!ctx.apps.some((a) => a.id === c.app)) return { kind: 'invalid', reason: 'unknown_app' }
  return { kind: 'valid', app: c.app, id: c.jti, expiresAt: c.exp * 1000 }
}

export type AssertionProblem = 'missing' | 'too_large' | 'malformed' | 'unknown_app' | 'bad_key' | 'bad_signature' | 'expired' | 'too_old' | 'bad_claims'

export interface VerifiedAssertion {
  readonly app: string
  /** The assertion's own id: spent once (the caller's store), so a captured assertion mints nothing. */
  readonly jti: string
  /** Epoch milliseconds after which the assertion is dead anyway (the store may forget it then). */
  readonly expiresAt: number
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/**
 * An app's assertion: a JWT signed with EdDSA by a registered app's key, `iss` the app's id, `aud`
 * APP_ASSERTION_AUDIENCE, with `iat`, `exp` (at most APP_ASSERTION_MAX_AGE_S after `iat`) and a `jti`.
 */
export async function verifyAppAssertion(assertion: unknown, apps: readonly RegisteredApp[], now: number): Promise<Result<VerifiedAssertion, AssertionProblem>> {
  if (typeof assertion !== 'string' || assertion === '') return err('missing')
  if (assertion.length > APP_ASSERTION_MAX_CHARS) return err('too_large')
  if (!COMPACT_JWS.test(assertion)) return err('malformed')
  let iss: unknown
  try {
    iss = decodeJwt(assertion).iss
  } catch {
    return err('malformed')
  }
  const app = apps.find((a) => a.id === iss)
  if (app === undefined) return err('unknown_app')
  let key: CryptoKey | Uint8Array
  try {
    key = await importJWK(app.public_key as JWK, 'EdDSA')
  } catch {
    return err('bad_key')
  }
  try {
    const { payload } = await jwtVerify(assertion, key, {
      algorithms: ['EdDSA'],
      issuer: app.id,
      audience: APP_ASSERTION_AUDIENCE,
      currentDate: new Date(now),
      clockTolerance: TOKEN_SKEW_S,
      maxTokenAge: APP_ASSERTION_MAX_AGE_S,
      requiredClaims: ['iat', 'exp', 'jti'],
    })
    const { jti, iat, exp } = payload
    if (typeof jti !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(jti) || typeof iat !== 'number' || typeof exp !== 'number') return err('bad_claims')
    if (exp - iat > APP_ASSERTION_MAX_AGE_S) return err('too_old')
    return ok({ app: app.id, jti, expiresAt: exp * 1000 })
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code === 'ERR_JWT_EXPIRED') return err('expired')
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return err((e as { claim?: unknown }).claim === 'iat' ? 'too_old' : 'bad_claims')
    return err('bad_signature')
  }
}
