// What the model scores: rates in page views, and on a shared address the client's own counts
// instead of the address's (src/features/modelView.ts). The observed vector is left as it was.
import { describe, expect, it } from 'vitest'
import { addressView, modelView, refusedAreFew, withoutAddressJourney } from '../../src/features/modelView'
import { emptyFeatureVector, FEATURE_INDEX as I } from '../../src/features/list'
import type { JourneyRead } from '../../src/counters/read'
import { METRICS, SETS, type KeySnapshot } from '../../src/counters/metrics'
import { fillJourney } from '../../src/features/journey'

type Counts = Partial<Record<(typeof METRICS)[number], number>>
type Sets = Partial<Record<(typeof SETS)[number], number>>

/** A key whose every window reads the given count. */
function key(counts: Counts, sets: Sets = {}): KeySnapshot {
  const w = (n = 0) => ({ '1m': n, '10m': n, '1h': n, '24h': n })
  return {
    counts: Object.fromEntries(METRICS.map((m) => [m, w(counts[m])])) as KeySnapshot['counts'],
    distinct: Object.fromEntries(SETS.map((s) => [s, w(sets[s])])) as KeySnapshot['distinct'],
    deny: null,
    fresh: false,
  }
}

function read(device: KeySnapshot | null, ip: KeySnapshot): JourneyRead {
  return { status: 'ok', deny: null, counters: { device, ip, prefix: ip, user: null, asn: null, zoneLoginFailureRatio10m: null, missing: [], userKeySlow: false } } as unknown as JourneyRead
}

const office = key({ requests: 400, navigations: 60, login_successes: 9, login_failures: 3 }, { devices: 10, users: 10, signed_in_users: 9 })

describe('the model view', () => {
  it('counts page views, not every asset, as the client\'s and the address\'s rate', () => {
    const r = read(key({ requests: 120, navigations: 4 }), key({ requests: 130, navigations: 5 }))
    const observed = emptyFeatureVector()
    fillJourney(observed, r)
    const v = modelView(observed, r, addressView(r), true)
    expect([v[I.device_requests_1m], v[I.ip_requests_1m]]).toEqual([4, 5])
    expect([observed[I.device_requests_1m], observed[I.ip_requests_1m]]).toEqual([120, 130])
  })

  it('counts every request of a client that made no page view in 10 minutes: calling everything a sub-resource does not read as idle', () => {
    const r = read(key({ requests: 80, navigations: 0 }), key({ requests: 90, navigations: 0 }))
    const observed = emptyFeatureVector()
    fillJourney(observed, r)
    const v = modelView(observed, r, addressView(r), true)
    expect([v[I.device_requests_1m], v[I.ip_requests_1m]]).toEqual([80, 90])
  })

  it('recognises a shared address by the distinct accounts that sign in from it, not by minted cookies or one account again and again', () => {
    expect(addressView(read(null, office)).shared).toBe(true)
    // Carrier-grade NAT: nobody has a cookie (no JavaScript), many people sign in.
    expect(addressView(read(null, key({ login_successes: 30 }, { signed_in_users: 30 }))).shared).toBe(true)
    expect(addressView(read(null, key({ login_successes: 30 }, { signed_in_users: 30 }))).crowd).toBe(true)
    // An office whose browsers run the SDK, before three accounts signed in: shared for the model's view, not a crowd.
    expect(addressView(read(null, key({ login_successes: 2 }, { devices: 3, signed_in_users: 1 })))).toEqual({ shared: true, crowd: false, browsers: false })
    expect(addressView(read(null, key({ login_successes: 9 }, { devices: 2, signed_in_users: 1 }))).shared).toBe(false)
    expect(addressView(read(null, key({ login_successes: 1 }, { devices: 30, signed_in_users: 1 }))).shared).toBe(false)
    expect(addressView(read(null, key({ login_successes: 2 }, { devices: 0, signed_in_users: 2 }))).shared).toBe(false)
    expect(addressView({ status: 'missing', reason: 'timeout', deny: null } as JourneyRead).shared).toBe(false)
  })

  it('tells an address that shows three browsers without cookies in 10 minutes (many people, none signed in) from one that shows two', () => {
    expect(addressView(read(null, key({}, { agents: 3 })))).toEqual({ shared: false, crowd: false, browsers: true })
    expect(addressView(read(null, key({}, { agents: 2 }))).browsers).toBe(false)
  })

  it('gives a client with a device on a shared address its own counts in place of the address\'s', () => {
    const r = read(key({ requests: 9, navigations: 3, login_failures: 1 }, { users: 1 }), office)
    const observed = emptyFeatureVector()
    fillJourney(observed, r)
    const v = modelView(observed, r, addressView(r), true)
    expect([v[I.ip_requests_1m], v[I.ip_failed_logins_10m], v[I.ip_distinct_users_10m]]).toEqual([3, 1, 1])
    expect(observed[I.ip_distinct_users_10m]).toBe(10)
  })

  it('gives a cookie-less client on a shared address no journey inputs but its username\'s', () => {
    const r = read(null, office)
    const observed = emptyFeatureVector()
    fillJourney(observed, r)
    observed[I.user_failed_logins_1h] = 2
    const v = modelView(observed, r, addressView(r), false)
    expect(v[I.device_requests_1m]).toBeNaN()
    expect(v[I.ip_distinct_users_10m]).toBeNaN()
    expect(v[I.device_failed_logins_10m]).toBeNaN()
    expect(v[I.user_failed_logins_1h]).toBe(2)
  })

  it('gives a device in its first minute, the only one minted on its address, the page views it made before its cookie', () => {
    // A person's first visit: / and /wiki redirect to /login, the form delivers the SDK, collect
    // mints the device, the sign-in posts: 4 page views on the address, 1 on the 5-second-old device.
    const firstVisit = (minted: number, ageS: number) => {
      const r = read(key({ requests: 14, navigations: 1 }), key({ requests: 20, navigations: 4, devices_minted: minted }))
      const observed = emptyFeatureVector()
      fillJourney(observed, r)
      observed[I.device_age_s] = ageS
      return modelView(observed, r, addressView(r), true)
    }
    expect([firstVisit(1, 5)[I.device_requests_1m], firstVisit(1, 5)[I.ip_requests_1m]]).toEqual([4, 4])
    // A second mint on the address (a script rotating cookies), or a device older than the window: its own count.
    expect(firstVisit(2, 5)[I.device_requests_1m]).toBe(1)
    expect(firstVisit(1, 60)[I.device_requests_1m]).toBe(1)
  })

  it('leaves an address with one client as it is', () => {
    const r = read(null, key({ requests: 6, navigations: 6, login_failures: 2 }, { users: 1 }))
    const observed = emptyFeatureVector()
    fillJourney(observed, r)
    const v = modelView(observed, r, addressView(r), false)
    expect([v[I.device_requests_1m], v[I.device_failed_logins_10m]]).toEqual([6, 2])
  })

  it("tells an address whose refused usernames are no more than those it got into (people's typos) from a stuffer's, however many it tried", () => {
    expect(refusedAreFew(read(null, key({}, { users: 5, failed_users: 2, signed_in_users: 2 })))).toBe(true)
    expect(refusedAreFew(read(null, key({}, { users: 5, failed_users: 2, signed_in_users: 1 })))).toBe(false)
    // Usernames tried that never got an answer (attempts a rule stopped) do not dilute it.
    expect(refusedAreFew(read(null, key({}, { users: 40, failed_users: 2, signed_in_users: 0 })))).toBe(false)
    expect(refusedAreFew({ status: 'timeout' } as unknown as JourneyRead)).toBe(false)
  })

  it("keeps a sign-in's username history and the zone's ratio, and nothing of its address's journey", () => {
    const r = read(null, key({ requests: 50, navigations: 50, login_failures: 5 }, { users: 5, failed_users: 2 }))
    const observed = emptyFeatureVector()
    fillJourney(observed, r)
    observed[I.user_failed_logins_1h] = 1
    const v = withoutAddressJourney(observed)
    expect(v[I.user_failed_logins_1h]).toBe(1)
    expect([v[I.ip_failed_logins_10m], v[I.device_requests_1m], v[I.ip_distinct_users_10m]].every(Number.isNaN)).toBe(true)
  })
})
