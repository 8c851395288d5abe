// fillEnvironmental / fillBehavioral in plain Node: which slots they fill, NaN where missing,
// cookie states (missing / invalid / replayed / stale), timezone agreement.
import { describe, expect, it } from 'vitest'
import { fillBehavioral } from '../../src/features/behavioral'
import { fillEnvironmental } from '../../src/features/environmental'
import { emptyFeatureVector, FEATURES, FEATURE_INDEX as I, type FeatureName } from '../../src/features/list'
import type { DeviceCookieState } from '../../src/signals/deviceClaims'
import { readHeaderSignals } from '../../src/signals/headers'
import type { TelemetrySummary } from '../../src/signals/telemetrySummary'
import { timezoneMismatch, utcOffsetMinutes } from '../../src/signals/timezone'

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const TELEMETRY: TelemetrySummary = {
  phase: 'submit', keyCount: 21, keyIntervalMeanMs: 150.5, keyIntervalSdMs: 40.2, pasteCredential: false, autofill: true,
  focusChanges: 3, visibilityChanges: 1, pointerMoved: true, timeToSubmitMs: 9000, webdriver: true,
  automationMarkers: ['headless_ua', 'playwright'], incognito: null, timezone: 'Europe/Paris',
}
const valid = (over: Partial<Extract<DeviceCookieState, { kind: 'valid' }>> = {}): DeviceCookieState => ({
  kind: 'valid', deviceId: 'AAAAAAAAAAAAAAAAAAAAAA', kid: 'k', firstSeen: NOW - 86_400_000, issuedAt: NOW - 60_000,
  expiresAt: NOW + 1e9, telemetry: TELEMETRY, provenAt: null, telemetrySeenDevices: null, replayed: false, replay: null, ...over,
})
const signals = readHeaderSignals({
  headers: [['user-agent', 'curl/8.5.0'], ['accept', '*/*']],
  cf: { httpProtocol: 'HTTP/2', tlsVersion: 'TLSv1.3', tlsCipher: 'AEAD-AES128-GCM-SHA256', asn: 14061, timezone: 'Europe/Berlin' },
})
const slots = (family: string): FeatureName[] => FEATURES.filter((f) => f.family === family).map((f) => f.name)

describe('fillEnvironmental', () => {
  it('fills every environmental and device slot and nothing else', () => {
    const vec = fillEnvironmental(emptyFeatureVector(), signals, valid(), NOW)
    for (const f of FEATURES) {
      const filled = !Number.isNaN(vec[I[f.name]]!)
      if (f.family === 'behavioral' || f.family === 'journey' || f.family === 'request') expect(filled, f.name).toBe(false)
    }
    expect(vec[I.ua_is_bot]).toBe(1)
    expect(vec[I.asn_hosting]).toBe(1)
    expect(vec[I.http_version]).toBe(2)
    expect(vec[I.tls_version]).toBeCloseTo(1.3)
    expect(vec[I.accept_language_missing]).toBe(1)
    expect(vec[I.header_count]).toBe(2)
    expect(vec[I.cf_bot_score]).toBeNaN()
    expect(vec[I.timezone_mismatch]).toBe(0) // Paris and Berlin share an offset
    expect(vec[I.device_age_s]).toBe(86_400)
    expect([vec[I.cookie_missing], vec[I.cookie_invalid], vec[I.cookie_replayed]]).toEqual([0, 0, 0])
  })

  it('marks missing, invalid and replayed cookies', () => {
    const missing = fillEnvironmental(emptyFeatureVector(), signals, { kind: 'missing' }, NOW)
    expect([missing[I.cookie_missing], missing[I.cookie_invalid], missing[I.device_age_s]]).toEqual([1, 0, Number.NaN])
    const invalid = fillEnvironmental(emptyFeatureVector(), signals, { kind: 'invalid', reason: 'bad_signature' }, NOW)
    expect([invalid[I.cookie_missing], invalid[I.cookie_invalid], invalid[I.timezone_mismatch]]).toEqual([0, 1, Number.NaN])
    const replayed = fillEnvironmental(emptyFeatureVector(), signals, valid({ replayed: true, replay: 'ip' }), NOW)
    expect(replayed[I.cookie_replayed]).toBe(1)
  })

  it('sees a timezone mismatch', () => {
    const vec = fillEnvironmental(emptyFeatureVector(), signals, valid({ telemetry: { ...TELEMETRY, timezone: 'America/New_York' } }), NOW)
    expect(vec[I.timezone_mismatch]).toBe(1)
  })

  it('fills NaN for every cf-derived slot when cf is absent', () => {
    const s = readHeaderSignals({ headers: [['user-agent', 'x']], cf: undefined })
    const vec = fillEnvironmental(emptyFeatureVector(), s, { kind: 'missing' }, NOW)
    for (const n of ['http_version', 'tls_version', 'tls_cipher_weak', 'asn_hosting', 'client_tcp_rtt_ms', 'cf_bot_score', 'cf_verified_bot', 'timezone_mismatch'] as const) expect(vec[I[n]], n).toBeNaN()
  })
})

describe('fillBehavioral', () => {
  it('fills every sdk_* slot from fresh telemetry', () => {
    const vec = fillBehavioral(emptyFeatureVector(), valid(), NOW)
    expect(slots('behavioral').filter((n) => Number.isNaN(vec[I[n]]!))).toEqual(['sdk_incognito'])
    expect(vec[I.sdk_key_count]).toBe(21)
    expect(vec[I.sdk_key_interval_mean_ms]).toBeCloseTo(150.5)
    expect(vec[I.sdk_webdriver]).toBe(1)
    expect(vec[I.sdk_automation_markers]).toBe(2)
    expect(vec[I.sdk_time_to_submit_ms]).toBe(9000)
  })

  it('is all NaN without a usable cookie: missing, invalid, replayed, stale or no telemetry', () => {
    const states: DeviceCookieState[] = [
      { kind: 'missing' }, { kind: 'invalid', reason: 'expired' }, valid({ replayed: true, replay: 'ua' }),
      valid({ issuedAt: NOW - 2 * 3_600_000 }), valid({ telemetry: null }),
    ]
    for (const s of states) {
      const vec = fillBehavioral(emptyFeatureVector().fill(7), s, NOW)
      expect(slots('behavioral').every((n) => Number.isNaN(vec[I[n]]!))).toBe(true)
    }
  })

  it('leaves timing NaN where it cannot exist (few keys, no submit)', () => {
    const vec = fillBehavioral(emptyFeatureVector(), valid({ telemetry: { ...TELEMETRY, phase: 'load', keyCount: 1, keyIntervalMeanMs: null, keyIntervalSdMs: null, timeToSubmitMs: null } }), NOW)
    expect(vec[I.sdk_key_count]).toBe(1)
    expect([vec[I.sdk_key_interval_mean_ms], vec[I.sdk_key_interval_sd_ms], vec[I.sdk_time_to_submit_ms]].every(Number.isNaN)).toBe(true)
  })
})

describe('timezone agreement', () => {
  it('compares UTC offsets at `now`, tolerating unknown zones', () => {
    expect(utcOffsetMinutes('Asia/Kolkata', NOW)).toBe(330)
    expect(utcOffsetMinutes('UTC', NOW)).toBe(0)
    expect(utcOffsetMinutes('Not/AZone', NOW)).toBeNull()
    expect(timezoneMismatch('Europe/London', 'Europe/Lisbon', NOW)).toBe(false)
    expect(timezoneMismatch('Europe/London', 'Asia/Tokyo', NOW)).toBe(true)
    expect(timezoneMismatch('Nope/Nope', 'Asia/Tokyo', NOW)).toBeNull()
    expect(timezoneMismatch(null, 'Asia/Tokyo', NOW)).toBeNull()
  })
})
