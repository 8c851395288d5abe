// Challenge tokens, and the strict typed-token core the clearance token shares: takes claims and
// the cookie keys (ES256, EDGEWARD_COOKIE_KEYS) to sign, or a token, the keys, `now` and the
// binding to verify; returns a Result with a tagged reason. Never throws on input, no clock.
import { errors, jwtVerify, SignJWT } from 'jose'
import * as v from 'valibot'
import { isPowDifficulty, POW_MAX_DIFFICULTY } from '../action/pow'
import { MAX_RETURN_CHARS } from '../action/respond'
import { err, ok, type Result } from '../util/result'
import type { BindingHashes } from './binding'
import { DEVICE_TOKEN_ALG, KID_PATTERN, type CookieKeys, type LoadedKeys } from './cookieKeys'

export const TOKEN_PROBLEMS = [
  'missing', 'too_large', 'malformed', 'bad_header', 'wrong_type', 'unknown_kid', 'no_keys',
  'bad_signature', 'expired', 'not_yet_valid', 'bad_claims',
] as const
export type TokenProblem = (typeof TOKEN_PROBLEMS)[number]

/** Clock skew tolerated on `iat`. */
export const TOKEN_SKEW_S = 60
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** The exact protected header we issue for a token type; any other header text is refused. */
export const typedHeader = (kid: string, typ: string): string => JSON.stringify({ alg: DEVICE_TOKEN_ALG, kid, typ })

export const hash16 = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16}$/))
export const epochSeconds = v.pipe(v.number(), v.integer(), v.minValue(1_500_000_000), v.maxValue(9_999_999_999))
export const BindingClaimSchema = v.strictObject({ u: hash16, n: hash16 })

function decodeSegment(segment: string): string | null {
  if (segment.length % 4 === 1) return null
  try {
    const bin = atob(segment.replace(/-/g, '+').replace(/_/g, '/'))
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))
  } catch {
    return null
  }
}

function checkHeader(token: string, typ: string): { kid: string } | TokenProblem {
  const text = decodeSegment(token.slice(0, token.indexOf('.')))
  if (text === null) return 'malformed'
  let h: unknown
  try {
    h = JSON.parse(text)
  } catch {
    return 'malformed'
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return 'malformed'
  const header = h as Record<string, unknown>
  if (header.alg !== DEVICE_TOKEN_ALG) return 'bad_header'
  if (header.typ !== typ) return 'wrong_type'
  if (typeof header.kid !== 'string' || !KID_PATTERN.test(header.kid)) return 'unknown_kid'
  return text === typedHeader(header.kid, typ) ? { kid: header.kid } : 'bad_header'
}

function joseReason(e: unknown): TokenProblem {
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature'
  if (e instanceof errors.JWTExpired) return 'expired'
  if (e instanceof errors.JWTClaimValidationFailed) return e.claim === 'nbf' ? 'not_yet_valid' : 'bad_claims'
  return e instanceof errors.JWTInvalid ? 'bad_claims' : 'malformed'
}

export async function signTypedToken(claims: Readonly<Record<string, unknown>>, typ: string, keys: CookieKeys): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: DEVICE_TOKEN_ALG, kid: keys.signer.kid, typ }).sign(keys.signer.key)
}

/** Size, shape, exact header, signature, exp/iat by jose at `now`; the caller checks the claims schema. */
export async function verifyTypedToken(
  token: string | undefined,
  keys: LoadedKeys,
  opts: { readonly typ: string; readonly now: number; readonly maxChars: number },
): Promise<Result<{ readonly kid: string; readonly payload: unknown }, TokenProblem>> {
  if (token === undefined || token === '') return err('missing')
  if (token.length > opts.maxChars) return err('too_large')
  if (!COMPACT_JWS.test(token)) return err('malformed')
  if (!keys.ok) return err('no_keys')
  const header = checkHeader(token, opts.typ)
  if (typeof header === 'string') return err(header)
  const key = keys.value.verifiers.get(header.kid)
  if (key === undefined) return err('unknown_kid')
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [DEVICE_TOKEN_ALG],
      typ: opts.typ,
      currentDate: new Date(opts.now),
      requiredClaims: ['iat', 'exp'],
    })
    return ok({ kid: header.kid, payload })
  } catch (e) {
    return err(joseReason(e))
  }
}

// ---- the challenge token ----------------------------------------------------------------

export const CHALLENGE_TOKEN_TYP = 'edgeward-challenge+jwt'
export const CHALLENGE_TTL_S = 300
export const CHALLENGE_MAX_CHARS = 4096
export const CHALLENGE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/
export const CHALLENGE_METHODS = ['pow', 'turnstile'] as const
export type ChallengeMethod = (typeof CHALLENGE_METHODS)[number]
/**
 * The risk tier of the decision that issued a challenge (src/policy/challengeTier.ts), signed into its
 * ticket: `low` and `medium` may be passed without JavaScript by waiting (docs/challenge.md), `high`
 * may not. A token without one is `high`: nothing unsigned ever offers the wait.
 */
export const CHALLENGE_TIERS = ['low', 'medium', 'high'] as const
export type ChallengeTier = (typeof CHALLENGE_TIERS)[number]

export const ChallengeClaimsSchema = v.strictObject({
  v: v.literal(1),
  /** The challenge (nonce) id: single use. */
  jti: v.pipe(v.string(), v.regex(CHALLENGE_ID_PATTERN)),
  m: v.picklist(CHALLENGE_METHODS),
  /** Leading zero bits the proof of work needs (0 for Turnstile). */
  d: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(POW_MAX_DIFFICULTY)),
  /** The same-origin return path, validated when issued. */
  r: v.pipe(v.string(), v.startsWith('/'), v.maxLength(MAX_RETURN_CHARS)),
  b: BindingClaimSchema,
  /** The issuing decision's risk tier; absent = `high` (tokens signed before tiers existed). */
  t: v.optional(v.picklist(CHALLENGE_TIERS)),
  iat: epochSeconds,
  exp: epochSeconds,
})
export type ChallengeClaims = v.InferOutput<typeof ChallengeClaimsSchema>

export type ChallengeProblem = TokenProblem | 'ua_mismatch' | 'ip_mismatch'

export interface IssueChallengeInput extends BindingHashes {
  readonly id: string
  readonly method: ChallengeMethod
  readonly difficulty: number
  readonly returnPath: string
  /** The decision's risk tier (omitted: `high`, no wait offered). */
  readonly tier?: ChallengeTier
  /** Epoch milliseconds. */
  readonly now: number
}

export async function issueChallengeToken(input: IssueChallengeInput, keys: CookieKeys): Promise<string> {
  const iat = Math.floor(input.now / 1000)
  const claims: ChallengeClaims = {
    v: 1,
    jti: input.id,
    m: input.method,
    d: input.method === 'pow' ? input.difficulty : 0,
    r: input.returnPath,
    b: { u: input.uaHash, n: input.ipPrefixHash },
    ...(input.tier === undefined || input.tier === 'high' ? {} : { t: input.tier }),
    iat,
    exp: iat + CHALLENGE_TTL_S,
  }
  if (!v.is(ChallengeClaimsSchema, claims) || !consistent(claims)) throw new TypeError('challenge claims out of range')
  return signTypedToken(claims, CHALLENGE_TOKEN_TYP, keys)
}

function consistent(c: ChallengeClaims): boolean {
  if (c.exp <= c.iat || c.exp - c.iat > CHALLENGE_TTL_S) return false
  return c.m === 'pow' ? isPowDifficulty(c.d) : c.d === 0
}

export interface ChallengeContext extends BindingHashes {
  /** Epoch milliseconds. */
  readonly now: number
}

export async function verifyChallengeToken(
  token: string | undefined,
  keys: LoadedKeys,
  ctx: ChallengeContext,
): Promise<Result<ChallengeClaims, ChallengeProblem>> {
  const typed = await verifyTypedToken(token, keys, { typ: CHALLENGE_TOKEN_TYP, now: ctx.now, maxChars: CHALLENGE_MAX_CHARS })
  if (!typed.ok) return typed
  const parsed = v.safeParse(ChallengeClaimsSchema, typed.value.payload)
  if (!parsed.success || !consistent(parsed.output)) return err('bad_claims')
  const c = parsed.output
  if (c.iat > Math.floor(ctx.now / 1000) + TOKEN_SKEW_S) return err('not_yet_valid')
  if (c.b.u !== ctx.uaHash) return err('ua_mismatch')
  if (c.b.n !== ctx.ipPrefixHash) return err('ip_mismatch')
  return ok(c)
}
