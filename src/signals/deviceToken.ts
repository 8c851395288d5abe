// Device token verification: takes the raw __edgeward cookie value, the loaded keys, `now` and
// the request's binding hashes; returns a DeviceCookieState. Never throws, never trusts jose alone.
import { errors, jwtVerify } from 'jose'
import * as v from 'valibot'
import { DEVICE_TOKEN_ALG, KID_PATTERN, type LoadedKeys } from './cookieKeys'
import {
  DEVICE_TOKEN_MAX_CHARS, DEVICE_TOKEN_SKEW_S, DEVICE_TOKEN_TTL_S, DEVICE_TOKEN_TYP, DeviceClaimsSchema,
  canonicalHeader, type DeviceCookieState, type InvalidReason, type ReplayKind,
} from './deviceClaims'
import type { BindingHashes } from './binding'
import { expandTelemetry } from './telemetrySummary'

export interface VerifyContext extends BindingHashes {
  /** Epoch milliseconds. */
  readonly now: number
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

/** Strict header check before any cryptography: exactly {alg, kid, typ} in our canonical form. */
function checkHeader(token: string): { kid: string } | InvalidReason {
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
  if (h.alg !== DEVICE_TOKEN_ALG) return 'bad_header'
  if (h.typ !== DEVICE_TOKEN_TYP) return 'wrong_type'
  if (typeof h.kid !== 'string' || !KID_PATTERN.test(h.kid)) return 'unknown_kid'
  // Rejects crit/jku/jwk/x5u/x5c/b64/cty, duplicate members and any other encoding.
  if (text !== canonicalHeader(h.kid)) return 'bad_header'
  return { kid: h.kid }
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

export async function verifyDeviceToken(
  cookieValue: string | undefined,
  keys: LoadedKeys,
  ctx: VerifyContext,
): Promise<DeviceCookieState> {
  if (cookieValue === undefined || cookieValue === '') return { kind: 'missing' }
  if (cookieValue.length > DEVICE_TOKEN_MAX_CHARS) return invalid('too_large')
  if (!COMPACT_JWS.test(cookieValue)) return invalid('malformed')
  if (!keys.ok) return invalid('no_keys')
  const header = checkHeader(cookieValue)
  if (typeof header === 'string') return invalid(header)
  const key = keys.value.verifiers.get(header.kid)
  if (key === undefined) return invalid('unknown_kid')

  let payload: unknown
  try {
    const verified = await jwtVerify(cookieValue, key, {
      algorithms: [DEVICE_TOKEN_ALG],
      typ: DEVICE_TOKEN_TYP,
      currentDate: new Date(ctx.now),
      requiredClaims: ['sub', 'iat', 'exp'],
    })
    payload = verified.payload
  } catch (e) {
    return invalid(joseReason(e))
  }

  const parsed = v.safeParse(DeviceClaimsSchema, payload)
  if (!parsed.success) return invalid('bad_claims')
  const c = parsed.output
  const nowS = Math.floor(ctx.now / 1000)
  if (c.iat > nowS + DEVICE_TOKEN_SKEW_S) return invalid('not_yet_valid')
  if (c.fs > c.iat || c.exp <= c.iat || c.exp - c.iat > DEVICE_TOKEN_TTL_S) return invalid('bad_claims')

  const replay = replayKind(c.b.u !== ctx.uaHash, c.b.n !== ctx.ipPrefixHash)
  return {
    kind: 'valid',
    deviceId: c.sub,
    kid: header.kid,
    firstSeen: c.fs * 1000,
    issuedAt: c.iat * 1000,
    expiresAt: c.exp * 1000,
    telemetry: c.t === null ? null : expandTelemetry(c.t),
    replayed: replay !== null,
    replay,
  }
}
