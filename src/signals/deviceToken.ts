// Device token verification: takes the raw __edgeward cookie value, the loaded keys, `now` and
// the request's binding hashes; returns a DeviceCookieState. Never throws, never trusts jose alone.
// Tokens whose signature verified are memoised per key set (LRU); time and binding are
// re-checked against `now` and the request on every call.
import { errors, jwtVerify } from 'jose'
import * as v from 'valibot'
import { KID_PATTERN, type CookieKeys, type LoadedKeys } from './cookieKeys'
import {
  DEVICE_TOKEN_MAX_CHARS, DEVICE_TOKEN_SKEW_S, DEVICE_TOKEN_TTL_S, DEVICE_TOKEN_TYP, DeviceClaimsSchema,
  DEVICE_TOKEN_ALGS, canonicalHeader, type DeviceClaims, type DeviceTokenAlg, type DeviceCookieState, type InvalidReason, type ReplayKind,
} from './deviceClaims'
import type { BindingHashes } from './binding'
import { MAC_JWS_ALG } from './macJws'
import { expandTelemetry } from './telemetrySummary'

export interface VerifyContext extends BindingHashes {
  /** Epoch milliseconds. */
  readonly now: number
}

/** Signature-verified claims by token, per key set: a browser sends one cookie many times. */
export const VERIFIED_CACHE_SIZE = 512
const verified = new WeakMap<CookieKeys, Map<string, { readonly kid: string; readonly claims: DeviceClaims }>>()

/** Verified tokens remembered for a key set (tests assert it stays within VERIFIED_CACHE_SIZE). */
export const verifiedCacheSize = (keys: CookieKeys): number => verified.get(keys)?.size ?? 0

function cached(keys: CookieKeys, token: string): { readonly kid: string; readonly claims: DeviceClaims } | undefined {
  const lru = verified.get(keys)
  const hit = lru?.get(token)
  if (lru !== undefined && hit !== undefined) {
    lru.delete(token)
    lru.set(token, hit)
  }
  return hit
}

/**
 * A token this isolate just issued, remembered as verified: every collect re-issues the cookie, and the
 * browser's next request would otherwise verify a token the Worker signed a moment ago.
 */
export function rememberIssued(keys: CookieKeys, token: string, claims: DeviceClaims): void {
  // Through the same checks a verify makes (what it would answer, not what was meant): claims a verify
  // would refuse are not remembered, and are refused when the token comes back.
  const checked = checkedClaims(JSON.parse(JSON.stringify(claims)))
  if (checked !== null) remember(keys, token, { kid: keys.deviceMacs.signer.kid, claims: checked })
}

function remember(keys: CookieKeys, token: string, entry: { readonly kid: string; readonly claims: DeviceClaims }): void {
  let lru = verified.get(keys)
  if (lru === undefined) verified.set(keys, (lru = new Map()))
  lru.set(token, entry)
  if (lru.size > VERIFIED_CACHE_SIZE) lru.delete(lru.keys().next().value as string)
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const invalid = (reason: InvalidReason): DeviceCookieState => ({ kind: 'invalid', reason })

function decodeSegment(segment: string): string | null {
  if (segment.length % 4 === 1) return null
  try {
    const bin = atob(segment.replace(/-/g, '+').replace(/_/g, '/'))
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    return null
  }
}

/** Strict header check before any cryptography: exactly {alg, kid, typ} in our canonical form for one of DEVICE_TOKEN_ALGS. */
function checkHeader(token: string): { kid: string; alg: DeviceTokenAlg } | InvalidReason {
  const text = decodeSegment(token.slice(0, token.indexOf('.')))
  if (text === null) return 'malformed'
  let header: unknown
  try {
    header = JSON.parse(text)
  } catch {
    return 'malformed'
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return 'malformed'
  const h = header as Record<string, unknown>
  const alg = DEVICE_TOKEN_ALGS.find((a) => a === h.alg)
  if (alg === undefined) return 'bad_header'
  if (h.typ !== DEVICE_TOKEN_TYP) return 'wrong_type'
  if (typeof h.kid !== 'string' || !KID_PATTERN.test(h.kid)) return 'unknown_kid'
  // Rejects crit/jku/jwk/x5u/x5c/b64/cty, duplicate members and any other encoding.
  if (text !== canonicalHeader(h.kid, alg)) return 'bad_header'
  return { kid: h.kid, alg }
}

function joseReason(e: unknown): InvalidReason {
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature'
  if (e instanceof errors.JWTExpired) return 'expired'
  if (e instanceof errors.JWTClaimValidationFailed) return e.claim === 'nbf' ? 'not_yet_valid' : 'bad_claims'
  if (e instanceof errors.JWTInvalid) return 'bad_claims'
  return 'malformed'
}

function replayKind(ua: boolean, ip: boolean): ReplayKind | null {
  if (ua && ip) return 'ua_ip'
  return ua ? 'ua' : ip ? 'ip' : null
}

/** Header checks, jose signature and claim checks, then the strict claims schema. */
async function verifySignature(token: string, keys: CookieKeys, now: number): Promise<{ kid: string; claims: DeviceClaims } | InvalidReason> {
  const header = checkHeader(token)
  if (typeof header === 'string') return header
  // Each algorithm has its own keys: a MAC only under a key derived from a private part, a signature
  // only under a public key — never one under the other's (the algorithm-confusion attack).
  const key = (header.alg === MAC_JWS_ALG ? keys.deviceMacs.verifiers : keys.verifiers).get(header.kid)
  if (key === undefined) return 'unknown_kid'
  let payload: unknown
  try {
    const result = await jwtVerify(token, key, {
      algorithms: [header.alg],
      typ: DEVICE_TOKEN_TYP,
      currentDate: new Date(now),
      requiredClaims: ['sub', 'iat', 'exp'],
    })
    payload = result.payload
  } catch (e) {
    return joseReason(e)
  }
  const claims = checkedClaims(payload)
  return claims === null ? 'bad_claims' : { kid: header.kid, claims }
}

/** The strict claims schema and the claims' own consistency; null when either fails. */
function checkedClaims(payload: unknown): DeviceClaims | null {
  const parsed = v.safeParse(DeviceClaimsSchema, payload)
  if (!parsed.success) return null
  const c = parsed.output
  if (c.fs > c.iat || c.exp <= c.iat || c.exp - c.iat > DEVICE_TOKEN_TTL_S) return null
  if (c.pf != null && (c.pf < c.fs || c.pf > c.iat)) return null
  return c
}

export async function verifyDeviceToken(
  cookieValue: string | undefined,
  keys: LoadedKeys,
  ctx: VerifyContext,
): Promise<DeviceCookieState> {
  if (cookieValue === undefined || cookieValue === '') return { kind: 'missing' }
  if (cookieValue.length > DEVICE_TOKEN_MAX_CHARS) return invalid('too_large')
  if (!COMPACT_JWS.test(cookieValue)) return invalid('malformed')
  if (!keys.ok) return invalid('no_keys')
  const hit = cached(keys.value, cookieValue)
  const entry = hit ?? (await verifySignature(cookieValue, keys.value, ctx.now))
  if (typeof entry === 'string') return invalid(entry)
  if (hit === undefined) remember(keys.value, cookieValue, entry)
  // Time is checked here on every call, cached or not.
  const { kid, claims: c } = entry
  const nowS = Math.floor(ctx.now / 1000)
  if (c.exp <= nowS) return invalid('expired')
  if (c.iat > nowS + DEVICE_TOKEN_SKEW_S) return invalid('not_yet_valid')

  const replay = replayKind(c.b.u !== ctx.uaHash, c.b.n !== ctx.ipPrefixHash)
  return {
    kind: 'valid',
    deviceId: c.sub,
    kid,
    firstSeen: c.fs * 1000,
    issuedAt: c.iat * 1000,
    expiresAt: c.exp * 1000,
    telemetry: c.t === null ? null : expandTelemetry(c.t),
    provenAt: c.pf == null ? null : c.pf * 1000,
    telemetrySeenDevices: c.rd ?? null,
    replayed: replay !== null,
    replay,
  }
}
