// Device claims: the one definition of the device-cookie token — header, claims schema,
// lifetimes and the state a cookie can be in. Types and constants only; no I/O, no clock.
import * as v from 'valibot'
import { DEVICE_TOKEN_ALG } from './cookieKeys'
import { MAC_JWS_ALG } from './macJws'
import { CompactTelemetrySchema, type TelemetrySummary } from './telemetrySummary'

export const DEVICE_COOKIE_NAME = '__edgeward'
export const DEVICE_TOKEN_TYP = 'edgeward-device+jwt'
/** Token and cookie lifetime; every collect re-issues, so an active browser never expires. */
export const DEVICE_TOKEN_TTL_S = 30 * 86_400
/** Largest cookie value looked at; anything longer is a tamper signal. */
export const DEVICE_TOKEN_MAX_CHARS = 4096
/** Clock skew tolerated on `iat`. */
export const DEVICE_TOKEN_SKEW_S = 60

/**
 * The algorithms a device cookie may name. HS256 is what the Worker issues since 2026-12-07 (only it
 * signs and checks the cookie: `BENCH_ONLY=tokens` verifies a never-seen one in 37.7 µs of workerd CPU
 * against 75.7 as ES256, and every collect re-issues the cookie, so the next request meets a token its isolate has not seen). ES256 is what it
 * issued before: such a cookie verifies under the listed public key for the rest of its 30 days.
 */
export const DEVICE_TOKEN_ALGS = [MAC_JWS_ALG, DEVICE_TOKEN_ALG] as const
export type DeviceTokenAlg = (typeof DEVICE_TOKEN_ALGS)[number]

/** The exact protected header we issue (`alg` as named); any other header text is refused before jose. */
export const canonicalHeader = (kid: string, alg: DeviceTokenAlg = MAC_JWS_ALG): string =>
  JSON.stringify({ alg, kid, typ: DEVICE_TOKEN_TYP })

const hash16 = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16}$/))
const seconds = v.pipe(v.number(), v.integer(), v.minValue(1_500_000_000), v.maxValue(9_999_999_999))

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

export const DeviceClaimsSchema = v.strictObject({
  v: v.literal(1),
  sub: v.pipe(v.string(), v.regex(DEVICE_ID_PATTERN)),
  iat: seconds,
  exp: seconds,
  fs: seconds,
  b: v.strictObject({ u: hash16, n: hash16 }),
  t: v.nullable(CompactTelemetrySchema),
  /** When the device first sent telemetry with a valid, unused SDK nonce (s); null: never (unproven). Absent in tokens issued before nonces. */
  pf: v.optional(v.nullable(seconds)),
  /** Devices (1 h) that sent the same coarse telemetry as `t`, counted at issue; null: not fingerprinted or not counted. */
  rd: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)))),
})
export type DeviceClaims = v.InferOutput<typeof DeviceClaimsSchema>

export const INVALID_REASONS = [
  'too_large', 'malformed', 'bad_header', 'wrong_type', 'unknown_kid', 'no_keys',
  'bad_signature', 'expired', 'not_yet_valid', 'bad_claims',
] as const
export type InvalidReason = (typeof INVALID_REASONS)[number]

export const REPLAY_KINDS = ['ua', 'ip', 'ua_ip'] as const
export type ReplayKind = (typeof REPLAY_KINDS)[number]

export type DeviceCookieState =
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly reason: InvalidReason }
  | {
      readonly kind: 'valid'
      readonly deviceId: string
      readonly kid: string
      /** Epoch milliseconds. */
      readonly firstSeen: number
      readonly issuedAt: number
      readonly expiresAt: number
      readonly telemetry: TelemetrySummary | null
      /** Epoch ms when the device was proven by an SDK nonce (sdkNonce.ts); null: minted without one. */
      readonly provenAt: number | null
      /** Devices seen with this cookie's telemetry in the hour before it was issued (telemetryFingerprint.ts); null: unknown. */
      readonly telemetrySeenDevices: number | null
      /** True when the cookie is bound to another User-Agent or IP prefix. */
      readonly replayed: boolean
      readonly replay: ReplayKind | null
    }

export type ValidDeviceCookie = Extract<DeviceCookieState, { kind: 'valid' }>

export const isValidDeviceCookie = (s: DeviceCookieState): s is ValidDeviceCookie => s.kind === 'valid'
