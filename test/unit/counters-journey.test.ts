// Takes fillJourney and a journey read; checks every journey slot is filled by name,
// and that a missing read or a missing key leaves NaN. Plain Node.
import { describe, expect, it } from 'vitest'
import { METRICS, type KeySnapshot } from '../../src/counters/metrics'
import type { JourneyRead } from '../../src/counters/read'
import { fillJourney, JOURNEY_FEATURES } from '../../src/features/journey'
import { emptyFeatureVector, FEATURE_INDEX, FEATURES } from '../../src/features/list'

const w = (n: number) => ({ '1m': n, '10m': n * 10, '1h': n * 100, '24h': n * 1000 })
const snap = (base: number): KeySnapshot => ({
  counts: Object.fromEntries(METRICS.map((m, i) => [m, w(base + i)])) as KeySnapshot['counts'],
  distinct: { users: w(base + 50), ips: w(base + 60), devices: w(base + 70), failed_users: w(base + 80), signed_in_users: w(base + 90), failed_ips: w(base + 100), agents: w(base + 110), tool_pages: w(base + 120) },
  deny: null,
  fresh: false,
})

describe('fillJourney', () => {
  it('covers exactly the journey family of the feature list', () => {
    expect([...JOURNEY_FEATURES].sort()).toEqual(FEATURES.filter((f) => f.family === 'journey').map((f) => f.name).sort())
  })

  it('fills every journey slot from the counters', () => {
    const read: JourneyRead = { status: 'ok', deny: null, counters: { device: snap(1), ip: snap(100), prefix: snap(200), user: snap(300), asn: null, missing: [], userKeySlow: false, zoneLoginFailureRatio10m: 0.25 } }
    const vec = emptyFeatureVector()
    fillJourney(vec, read)
    const idx = (m: (typeof METRICS)[number]) => METRICS.indexOf(m)
    expect(vec[FEATURE_INDEX.device_requests_1m]).toBe(1 + idx('requests'))
    expect(vec[FEATURE_INDEX.ip_requests_1m]).toBe(100 + idx('requests'))
    expect(vec[FEATURE_INDEX.device_failed_logins_10m]).toBe((1 + idx('login_failures')) * 10)
    expect(vec[FEATURE_INDEX.device_distinct_users_10m]).toBe(51 * 10)
    expect(vec[FEATURE_INDEX.user_distinct_ips_1h]).toBe(360 * 100)
    expect(vec[FEATURE_INDEX.user_failed_logins_1h]).toBe((300 + idx('login_failures')) * 100)
    expect(vec[FEATURE_INDEX.ip_signups_1h]).toBe((100 + idx('signup_attempts')) * 100)
    expect(vec[FEATURE_INDEX.zone_login_failure_ratio_10m]).toBe(0.25)
    for (const name of JOURNEY_FEATURES) expect(Number.isNaN(vec[FEATURE_INDEX[name]])).toBe(false)
  })

  it('counts a client without a device by its IP, and leaves NaN where the username or zone figures are missing', () => {
    const read: JourneyRead = { status: 'ok', deny: null, counters: { device: null, ip: snap(100), prefix: snap(200), user: null, asn: null, missing: [], userKeySlow: false, zoneLoginFailureRatio10m: null } }
    const vec = emptyFeatureVector()
    fillJourney(vec, read)
    expect(vec[FEATURE_INDEX.device_requests_1m]).toBe(100)
    expect(vec[FEATURE_INDEX.user_failed_logins_1h]).toBeNaN()
    expect(vec[FEATURE_INDEX.zone_login_failure_ratio_10m]).toBeNaN()
    expect(vec[FEATURE_INDEX.ip_requests_1m]).toBe(100)
  })

  it('leaves only a missing key\'s slots NaN: a late device is not replaced by its IP', () => {
    const read: JourneyRead = {
      status: 'ok', deny: null,
      counters: { device: null, ip: snap(100), prefix: null, user: snap(300), asn: null, missing: [{ kind: 'device', reason: 'timeout' }, { kind: 'prefix', reason: 'error' }], userKeySlow: false, zoneLoginFailureRatio10m: null },
    }
    const vec = emptyFeatureVector()
    fillJourney(vec, read)
    expect(vec[FEATURE_INDEX.device_requests_1m]).toBeNaN()
    expect(vec[FEATURE_INDEX.device_distinct_users_10m]).toBeNaN()
    expect(vec[FEATURE_INDEX.ip_requests_1m]).toBe(100)
    expect(vec[FEATURE_INDEX.user_failed_logins_1h]).toBe((300 + METRICS.indexOf('login_failures')) * 100)
  })

  it('leaves every journey slot NaN when the counters are missing', () => {
    const vec = emptyFeatureVector().fill(7)
    fillJourney(vec, { status: 'missing', reason: 'timeout', deny: null })
    for (const name of JOURNEY_FEATURES) expect(vec[FEATURE_INDEX[name]]).toBeNaN()
    expect(vec[FEATURE_INDEX.route_class]).toBe(7)
  })
})
