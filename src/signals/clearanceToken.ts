// Clearance tokens (`__edgeward_clearance`): takes the solved challenge's facts to issue, or the
// cookie value, the keys, `now`, the request's binding, network and device id to verify; returns a
// ClearanceState. Never throws on input, reads no clock; a device token is never a clearance.
// A clearance with a device is that device's, for 15 minutes; one without a device is bound to
// the /24 (IPv4) or /64 (IPv6) and the User-Agent for 5 minutes. Uses are counted elsewhere
// (worker/challenge/clearanceUse.ts): the token carries its id.
import * as v from 'valibot'
import { isPowDifficulty, POW_MAX_DIFFICULTY } from '../action/pow'
import { parseIp } from '../config/cidr'
import { shortHash, type BindingHashes } from './binding'
import {
  BindingClaimSchema, CHALLENGE_ID_PATTERN, CHALLENGE_METHODS, epochSeconds, hash16, signTypedToken, TOKEN_SKEW_S,
  verifyTypedToken, type TokenProblem,
} from './challengeToken'
import type { CookieKeys, LoadedKeys } from './cookieKeys'
import { isPlainHttpLoopback } from '../util/loopback'
import { DEVICE_ID_PATTERN } from './deviceClaims'

export const CLEARANCE_COOKIE_NAME = '__edgeward_clearance'
export const CLEARANCE_TOKEN_TYP = 'edgeward-clearance+jwt'
/** Lifetime of a clearance earned with a device cookie (bound to that device). */
export const CLEARANCE_TTL_S = 15 * 60
/** Lifetime of a clearance earned without one (bound to network and User-Agent only). */
export const CLEARANCE_DEVICELESS_TTL_S = 5 * 60
/** Lifetime of a clearance earned by waiting without JavaScript (always deviceless): weaker than a solve's. */
export const CLEARANCE_WAIT_TTL_S = 3 * 60
/** How a clearance was earned: a challenge's method, or `wait` (the no-JavaScript path, docs/challenge.md). */
export const CLEARANCE_METHODS = [...CHALLENGE_METHODS, 'wait'] as const
export type ClearanceMethod = (typeof CLEARANCE_METHODS)[number]
export const CLEARANCE_MAX_CHARS = 2048
const MAX_COOKIE_HEADER = 16 * 1024

export const ClearanceClaimsSchema = v.strictObject({
  v: v.literal(2),
  /** The challenge id this clearance was earned with. */
  jti: v.pipe(v.string(), v.regex(CHALLENGE_ID_PATTERN)),
  m: v.picklist(CLEARANCE_METHODS),
  d: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(POW_MAX_DIFFICULTY)),
  /** The device id at the time it was earned, if the browser had a valid device cookie. */
  dev: v.nullable(v.pipe(v.string(), v.regex(DEVICE_ID_PATTERN))),
  b: BindingClaimSchema,
  /** Deviceless clearances: hash of the client's /24 or /64 (clearanceNetHash); null with a device. */
  net: v.nullable(hash16),
  iat: epochSeconds,
  exp: epochSeconds,
})
export type ClearanceClaims = v.InferOutput<typeof ClearanceClaimsSchema>

export type ClearanceProblem = TokenProblem | 'ua_mismatch' | 'ip_mismatch' | 'device_mismatch' | 'too_easy'

export type ClearanceState =
  | {
      readonly kind: 'valid'
      /** The clearance's id (the challenge it was earned with): its uses are counted by it. */
      readonly id: string
      readonly method: ClearanceMethod
      /** Proof-of-work bits it was earned with (0 for Turnstile; the challenge's for a wait). */
      readonly difficulty: number
      readonly deviceBound: boolean
      /** Epoch milliseconds. */
      readonly expiresAt: number
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly reason: ClearanceProblem }

export interface IssueClearanceInput extends BindingHashes {
  readonly challengeId: string
  readonly method: ClearanceMethod
  readonly difficulty: number
  readonly deviceId: string | null
  /** clearanceNetHash of the client's address: required without a device (binds it to the /24 or /64). */
  readonly netHash?: string
  /** Epoch milliseconds. */
  readonly now: number
}

/** The network a deviceless clearance is bound to: IPv4 /24, IPv6 /64 (one subscriber's). */
export function clearanceNetwork(ip: string | null | undefined): string {
  const addr = parseIp((ip ?? '').trim())
  if (addr === undefined) return 'none'
  if (addr.kind() === 'ipv4') return `${addr.toByteArray().slice(0, 3).join('.')}.0/24`
  const bytes = addr.toByteArray().slice(0, 8)
  return `${Array.from({ length: 4 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(':')}::/64`
}

export const clearanceNetHash = (ip: string | null | undefined): Promise<string> => shortHash('edgeward-clearance-net', clearanceNetwork(ip))

/** The lifetime of a clearance: short without a device to hold it, shorter for a wait. */
export const clearanceTtlS = (deviceId: string | null, method: ClearanceMethod = 'pow'): number =>
  method === 'wait' ? CLEARANCE_WAIT_TTL_S : deviceId === null ? CLEARANCE_DEVICELESS_TTL_S : CLEARANCE_TTL_S

export async function issueClearanceToken(input: IssueClearanceInput, keys: CookieKeys): Promise<string> {
  const iat = Math.floor(input.now / 1000)
  const claims: ClearanceClaims = {
    v: 2,
    jti: input.challengeId,
    m: input.method,
    d: input.method === 'turnstile' ? 0 : input.difficulty,
    dev: input.deviceId,
    b: { u: input.uaHash, n: input.ipPrefixHash },
    // A device holds its own clearance; without one the network is the binding that remains.
    net: input.deviceId === null ? (input.netHash ?? null) : null,
    iat,
    exp: iat + clearanceTtlS(input.deviceId, input.method),
  }
  if (!v.is(ClearanceClaimsSchema, claims) || !bound(claims)) throw new TypeError('clearance claims out of range or unbound')
  return signTypedToken(claims, CLEARANCE_TOKEN_TYP, keys)
}

export interface ClearanceContext extends BindingHashes {
  /** Epoch milliseconds. */
  readonly now: number
  /** The request's valid, non-replayed device id, or null. */
  readonly deviceId: string | null
  /** clearanceNetHash of the request's address; a clearance bound to a network needs it to match. */
  readonly netHash?: string
  /**
   * The proof-of-work bits the current decision asks for; a PoW clearance earned with fewer is
   * `too_easy` (Turnstile clearances always pass). Omit to accept any difficulty.
   */
  readonly minDifficulty?: number
}

const invalid = (reason: ClearanceProblem): ClearanceState => ({ kind: 'invalid', reason })

/** Exactly one holder: a device, or (without one) a network; a wait's is always a network. */
const bound = (c: ClearanceClaims): boolean => (c.dev === null) === (c.net !== null) && (c.m !== 'wait' || c.dev === null)

/** Signature-verified claims by token, per key set (LRU): a browser sends one clearance many times. */
export const CLEARANCE_MEMO_SIZE = 512
const memo = new WeakMap<CookieKeys, Map<string, ClearanceClaims>>()

/** Clearances remembered for a key set (tests assert it stays within CLEARANCE_MEMO_SIZE). */
export const clearanceMemoSize = (keys: CookieKeys): number => memo.get(keys)?.size ?? 0

async function verifiedClaims(token: string | undefined, keys: LoadedKeys, now: number): Promise<ClearanceClaims | TokenProblem> {
  const lru = keys.ok && token !== undefined ? memo.get(keys.value) : undefined
  const hit = token === undefined ? undefined : lru?.get(token)
  if (lru !== undefined && token !== undefined && hit !== undefined) {
    lru.delete(token)
    lru.set(token, hit)
    return hit
  }
  const typed = await verifyTypedToken(token, keys, { typ: CLEARANCE_TOKEN_TYP, now, maxChars: CLEARANCE_MAX_CHARS })
  if (!typed.ok) return typed.reason
  const parsed = v.safeParse(ClearanceClaimsSchema, typed.value.payload)
  if (!parsed.success) return 'bad_claims'
  const c = parsed.output
  if (c.exp <= c.iat || c.exp - c.iat > clearanceTtlS(c.dev, c.m) || (c.m === 'turnstile' && c.d !== 0) || (c.m === 'wait' && !isPowDifficulty(c.d)) || !bound(c)) return 'bad_claims'
  if (keys.ok && token !== undefined) {
    let map = memo.get(keys.value)
    if (map === undefined) memo.set(keys.value, (map = new Map()))
    map.set(token, c)
    if (map.size > CLEARANCE_MEMO_SIZE) map.delete(map.keys().next().value as string)
  }
  return c
}

export async function verifyClearance(cookieValue: string | undefined, keys: LoadedKeys, ctx: ClearanceContext): Promise<ClearanceState> {
  const c = await verifiedClaims(cookieValue, keys, ctx.now)
  if (typeof c === 'string') return c === 'missing' ? { kind: 'missing' } : invalid(c)
  // Time and binding are checked on every call, memoised or not.
  const nowS = Math.floor(ctx.now / 1000)
  if (c.exp <= nowS) return invalid('expired')
  if (c.iat > nowS + TOKEN_SKEW_S) return invalid('not_yet_valid')
  if (c.b.u !== ctx.uaHash) return invalid('ua_mismatch')
  if (c.b.n !== ctx.ipPrefixHash) return invalid('ip_mismatch')
  // Earned with a device: only that device may use it. Earned without one: this /24 or /64 and
  // this User-Agent, for minutes (its uses are counted by id either way).
  if (c.dev !== null && c.dev !== ctx.deviceId) return invalid('device_mismatch')
  if (c.net !== null && c.net !== ctx.netHash) return invalid('ip_mismatch')
  // A wait is held to its challenge's difficulty like a solve: it lifts nothing a solve of those bits would not.
  if (c.m !== 'turnstile' && ctx.minDifficulty !== undefined && c.d < ctx.minDifficulty) return invalid('too_easy')
  return { kind: 'valid', id: c.jti, method: c.m, difficulty: c.d, deviceBound: c.dev !== null, expiresAt: c.exp * 1000 }
}

/** The first __edgeward_clearance value in a Cookie header, or undefined. Oversized stays oversized. */
export function readClearanceCookie(cookieHeader: string | null | undefined): string | undefined {
  if (cookieHeader === null || cookieHeader === undefined || cookieHeader === '') return undefined
  for (const part of cookieHeader.slice(0, MAX_COOKIE_HEADER).split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== CLEARANCE_COOKIE_NAME) continue
    const value = part.slice(eq + 1).trim()
    return value.length > CLEARANCE_MAX_CHARS ? value.slice(0, CLEARANCE_MAX_CHARS + 1) : value
  }
  return undefined
}

/** HttpOnly, SameSite=Lax, Path=/, as long as the token lives; Secure except on plain-http loopback (local dev). */
export function clearanceSetCookie(token: string, requestUrl: string, maxAgeS: number = CLEARANCE_TTL_S): string {
  const secure = isPlainHttpLoopback(requestUrl) ? '' : '; Secure'
  return `${CLEARANCE_COOKIE_NAME}=${token}; Max-Age=${maxAgeS}; Path=/; HttpOnly${secure}; SameSite=Lax`
}
