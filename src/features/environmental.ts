// Environmental and device features: takes HeaderSignals, the device-cookie state and `now`
// (epoch ms), writes the environmental + device slots of a FeatureVector. No I/O, no clock.
import type { DeviceCookieState } from '../signals/deviceClaims'
import type { HeaderSignals } from '../signals/headers'
import { timezoneMismatch } from '../signals/timezone'
import { usableTelemetry } from '../signals/usableTelemetry'
import { FEATURE_INDEX as I, type FeatureVector } from './list'

const b = (x: boolean): number => (x ? 1 : 0)
const nb = (x: boolean | null): number => (x === null ? Number.NaN : x ? 1 : 0)
const nn = (x: number | null): number => (x === null ? Number.NaN : x)

/** How the device is shown to the model: as observed, or as a client with no cookie (see deviceView.ts). */
export interface DeviceViewOption {
  readonly asNoDevice?: boolean
}

const NO_COOKIE: DeviceCookieState = { kind: 'missing' }

export function fillEnvironmental(vec: FeatureVector, s: HeaderSignals, observed: DeviceCookieState, now: number, view: DeviceViewOption = {}): FeatureVector {
  // A new device on a credential route is shown exactly as the no-cookie case: cookie_missing,
  // no device age, no SDK timezone.
  const cookie = view.asNoDevice === true ? NO_COOKIE : observed
  vec[I.ua_missing] = b(s.uaMissing)
  vec[I.ua_is_bot] = b(s.userAgent.isBot)
  vec[I.ua_is_headless] = b(s.userAgent.isHeadless)
  vec[I.ua_claims_browser] = b(s.userAgent.claimsBrowser)
  vec[I.client_hints_mismatch] = b(s.clientHintsMismatch !== null)
  vec[I.sec_fetch_missing] = b(s.secFetchMissing)
  vec[I.accept_missing] = b(s.acceptMissing)
  vec[I.accept_language_missing] = b(s.acceptLanguageMissing)
  vec[I.header_count] = s.headerCount
  vec[I.header_order_anomaly] = b(s.headerOrderAnomaly)
  vec[I.http_version] = nn(s.httpVersion)
  vec[I.tls_version] = nn(s.tlsVersion)
  vec[I.tls_cipher_weak] = nb(s.tlsCipherWeak)
  vec[I.asn_hosting] = nb(s.asnHosting)
  vec[I.client_tcp_rtt_ms] = nn(s.clientTcpRttMs)
  vec[I.cf_bot_score] = nn(s.botScore)
  vec[I.cf_verified_bot] = nb(s.verifiedBot)
  vec[I.timezone_mismatch] = nb(timezoneMismatch(usableTelemetry(cookie, now)?.timezone ?? null, s.cfTimezone, now))

  vec[I.cookie_missing] = b(cookie.kind === 'missing')
  vec[I.cookie_invalid] = b(cookie.kind === 'invalid')
  vec[I.cookie_replayed] = b(cookie.kind === 'valid' && cookie.replayed)
  vec[I.device_age_s] = cookie.kind === 'valid' ? Math.max(0, Math.floor((now - cookie.firstSeen) / 1000)) : Number.NaN
  return vec
}
