// Wait tokens: the no-JavaScript path through a low- or medium-tier challenge (docs/challenge.md).
// Takes the challenge's facts to issue (difficulty, return path, binding, network, wait, `now`), or a
// token, the keys, `now` and the request's binding and network to verify; returns a Result with a
// tagged reason (`early` when it is valid but its wait is not over). Never throws on input, no clock.
import * as v from 'valibot'
import { isPowDifficulty, POW_MAX_DIFFICULTY, POW_MIN_DIFFICULTY } from '../action/pow'
import { MAX_RETURN_CHARS } from '../action/respond'
import { err, ok, type Result } from '../util/result'
import type { BindingHashes } from './binding'
import {
  BindingClaimSchema, CHALLENGE_ID_PATTERN, CHALLENGE_TTL_S, epochSeconds, hash16, signTypedToken, TOKEN_SKEW_S, verifyTypedToken,
  type TokenProblem,
} from './challengeToken'
import type { CookieKeys, LoadedKeys } from './cookieKeys'

export const WAIT_TOKEN_TYP = 'edgeward-wait+jwt'
export const WAIT_MAX_CHARS = 4096
/** The longest wait a config may ask (`challenge.nojs_wait_s`); the token lives CHALLENGE_TTL_S after it. */
export const WAIT_MAX_S = 60

export const WaitClaimsSchema = v.strictObject({
  v: v.literal(1),
  /** Single use; also the id of the clearance it earns. */
  jti: v.pipe(v.string(), v.regex(CHALLENGE_ID_PATTERN)),
  /** The challenge's difficulty: the clearance is as strong as a proof of work of these bits, no stronger. */
  d: v.pipe(v.number(), v.integer(), v.minValue(POW_MIN_DIFFICULTY), v.maxValue(POW_MAX_DIFFICULTY)),
  r: v.pipe(v.string(), v.startsWith('/'), v.maxLength(MAX_RETURN_CHARS)),
  b: BindingClaimSchema,
  /** clearanceNetHash of the client's /24 or /64: the network the clearance is bound to. */
  net: hash16,
  iat: epochSeconds,
  /** Not redeemable before this: issue time + the wait, in epoch milliseconds (a person's refresh arrives on time). */
  rdy: v.pipe(v.number(), v.integer(), v.minValue(1_500_000_000_000), v.maxValue(9_999_999_999_999)),
  exp: epochSeconds,
})
export type WaitClaims = v.InferOutput<typeof WaitClaimsSchema>

export type WaitProblem = TokenProblem | 'ua_mismatch' | 'ip_mismatch' | 'early'

export interface IssueWaitInput extends BindingHashes {
  readonly id: string
  readonly difficulty: number
  readonly returnPath: string
  readonly netHash: string
  readonly waitS: number
  /** Epoch milliseconds. */
  readonly now: number
}

const consistent = (c: WaitClaims): boolean =>
  c.rdy > c.iat * 1000 && c.rdy - c.iat * 1000 <= (WAIT_MAX_S + 1) * 1000 && c.exp * 1000 > c.rdy && c.exp - c.iat <= WAIT_MAX_S + 1 + CHALLENGE_TTL_S && isPowDifficulty(c.d)

export async function issueWaitToken(input: IssueWaitInput, keys: CookieKeys): Promise<string> {
  const iat = Math.floor(input.now / 1000)
  const rdy = Math.floor(input.now) + input.waitS * 1000
  const claims: WaitClaims = {
    v: 1, jti: input.id, d: input.difficulty, r: input.returnPath, b: { u: input.uaHash, n: input.ipPrefixHash }, net: input.netHash,
    iat, rdy, exp: iat + input.waitS + CHALLENGE_TTL_S,
  }
  if (!Number.isInteger(input.waitS) || input.waitS < 1 || input.waitS > WAIT_MAX_S || !v.is(WaitClaimsSchema, claims) || !consistent(claims)) {
    throw new TypeError('wait claims out of range')
  }
  return signTypedToken(claims, WAIT_TOKEN_TYP, keys)
}

export interface WaitContext extends BindingHashes {
  /** Epoch milliseconds. */
  readonly now: number
  /** clearanceNetHash of the request's address. */
  readonly netHash: string
}

/**
 * Verified claims, or why not. `early` carries the claims (the caller shows the wait again, with the
 * same token): it is checked last, after signature, time and binding, so only the holder sees it.
 */
export async function verifyWaitToken(
  token: string | undefined,
  keys: LoadedKeys,
  ctx: WaitContext,
): Promise<Result<WaitClaims, Exclude<WaitProblem, 'early'>> | { readonly ok: false; readonly reason: 'early'; readonly claims: WaitClaims }> {
  const typed = await verifyTypedToken(token, keys, { typ: WAIT_TOKEN_TYP, now: ctx.now, maxChars: WAIT_MAX_CHARS })
  if (!typed.ok) return typed
  const parsed = v.safeParse(WaitClaimsSchema, typed.value.payload)
  if (!parsed.success || !consistent(parsed.output)) return err('bad_claims')
  const c = parsed.output
  if (c.iat > Math.floor(ctx.now / 1000) + TOKEN_SKEW_S) return err('not_yet_valid')
  if (c.b.u !== ctx.uaHash) return err('ua_mismatch')
  if (c.b.n !== ctx.ipPrefixHash || c.net !== ctx.netHash) return err('ip_mismatch')
  if (ctx.now < c.rdy) return { ok: false, reason: 'early', claims: c }
  return ok(c)
}
