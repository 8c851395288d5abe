// Takes the counters client with real and with injected misbehaving objects; checks the
// parallel read, the budget (missing within budget + 10 ms, never a rejection), outcomes
// and the zone flush path. Frozen clock for the counters; the budget is real time.
import { runDurableObjectAlarm } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ZONE_ROOT_NAME, zoneShardName } from '../../src/counters/keys'
import type { JourneyKeys } from '../../src/counters/read'
import { fillJourney } from '../../src/features/journey'
import { emptyFeatureVector, FEATURE_INDEX } from '../../src/features/list'
import { observeRequest, recordOutcome, type CounterStub, type CountersEnv, type NamespaceLike } from '../../worker/counters/client'
import { IsolateCaches } from '../../worker/counters/isolate'

const T0 = Date.UTC(2100, 0, 1)
let serial = 0
function keys(user: string | null = null): JourneyKeys {
  const n = serial++
  return { device: `dev-${n}`, ip: `198.51.${n % 250}.${(n * 7) % 250}`, ipPrefix: `198.51.${n % 250}.0/24`, user }
}
const login = (now: number) => ({ routeClass: 'login', method: 'POST', now }) as const

/** A COUNTERS namespace whose stubs misbehave in one chosen way. */
function misbehaving(mode: 'throw' | 'overloaded' | 'hang' | 'late_reject' | 'sync_throw'): NamespaceLike<CounterStub> {
  const fail = (): Promise<never> => {
    if (mode === 'sync_throw') throw new Error('boom (sync)')
    if (mode === 'throw') return Promise.reject(new Error('boom'))
    if (mode === 'overloaded') return Promise.reject(Object.assign(new Error('Durable Object is overloaded'), { overloaded: true }))
    if (mode === 'late_reject') return new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 60))
    return new Promise(() => {})
  }
  const stub: CounterStub = { observe: fail, record: fail, deny: fail, undeny: fail }
  return { idFromName: (name) => env.COUNTERS.idFromName(name), get: () => stub }
}

describe('observeRequest', () => {
  it('counts a login on device, IP, prefix and username and fills the journey features', async () => {
    const caches = new IsolateCaches()
    const k = keys('user-hash-1')
    await observeRequest(env, k, login(T0), 2_000, { caches })
    const read = await observeRequest(env, k, login(T0 + 1_000), 2_000, { caches })
    expect(read.status).toBe('ok')
    if (read.status !== 'ok') return
    expect(read.counters.device?.counts.login_attempts['10m']).toBe(2)
    expect(read.counters.ip?.distinct.users['10m']).toBe(1)
    expect(read.counters.user?.distinct.ips['1h']).toBe(1)
    expect(read.counters.prefix?.counts.requests['1m']).toBe(2)
    const vec = emptyFeatureVector()
    fillJourney(vec, read)
    expect(vec[FEATURE_INDEX.device_login_attempts_10m]).toBe(2)
    expect(vec[FEATURE_INDEX.device_distinct_users_10m]).toBe(1)
    expect(vec[FEATURE_INDEX.zone_login_failure_ratio_10m]).toBeNaN()
  })

  it('records login failures after the response on device, IP and username', async () => {
    const caches = new IsolateCaches()
    const k = keys('user-hash-2')
    for (let i = 0; i < 3; i++) await recordOutcome(env, k, 'login_failure', T0 + i, { caches })
    const read = await observeRequest(env, k, login(T0 + 10), 2_000, { caches })
    expect(read.status === 'ok' && read.counters.device?.counts.login_failures['10m']).toBe(3)
    expect(read.status === 'ok' && read.counters.ip?.counts.login_failures['10m']).toBe(3)
    expect(read.status === 'ok' && read.counters.user?.counts.login_failures['1h']).toBe(3)
  })

  it.each([
    ['throws', 'throw', 'error'],
    ['throws synchronously', 'sync_throw', 'error'],
    ['is overloaded', 'overloaded', 'overloaded'],
    ['hangs past the budget', 'hang', 'timeout'],
    ['rejects after the budget', 'late_reject', 'timeout'],
  ] as const)('resolves missing within budget + 10 ms when the object %s', async (_what, mode, reason) => {
    const budget = 25
    const bad: CountersEnv = { COUNTERS: misbehaving(mode), ZONE_STATS: env.ZONE_STATS, REGISTRY: env.REGISTRY }
    const started = performance.now()
    const read = await observeRequest(bad, keys('u'), login(T0), budget, { caches: new IsolateCaches() })
    const elapsed = performance.now() - started
    expect(read).toEqual({ status: 'missing', reason, deny: null, keys: ['device', 'ip', 'prefix', 'user'].map((kind) => ({ kind, reason })) })
    expect(elapsed).toBeLessThan(budget + 10)
    if (reason === 'timeout') expect(elapsed).toBeGreaterThanOrEqual(budget - 1) // the clock really ran
    await new Promise((r) => setTimeout(r, 80)) // a late rejection must not surface as unhandled
  })

  it('waits for a far username object within its own budget, the other keys within theirs', async () => {
    // Every object answers as the real one does, the username's 300 ms later (a far object: it lives
    // where the username was first used). Its own budget reads it; the shared budget alone misses it.
    // Budgets are wider than production's so a loaded test box's cold objects still answer in time.
    const slowUser: NamespaceLike<CounterStub> = {
      idFromName: (name) => env.COUNTERS.idFromName(name),
      get: (id) => {
        const real = env.COUNTERS.get(id)
        const far = id.name?.startsWith('["user"') === true
        const later = <T>(p: Promise<T>): Promise<T> => (far ? new Promise((r) => setTimeout(() => r(p), 300)) : p)
        return { observe: (i) => later(real.observe(i)), record: (i) => real.record(i), deny: (i) => real.deny(i), undeny: (i) => real.undeny(i) } as CounterStub
      },
    }
    const far: CountersEnv = { COUNTERS: slowUser, ZONE_STATS: env.ZONE_STATS, REGISTRY: env.REGISTRY }
    const k = keys('far-user-1')
    const waited = await observeRequest(far, k, login(T0), 150, { caches: new IsolateCaches(), usernameBudgetMs: 2_000 })
    expect(waited.status === 'ok' && waited.counters.user?.counts.login_attempts['10m']).toBe(1)
    const shared = await observeRequest(far, k, login(T0 + 1_000), 150, { caches: new IsolateCaches() })
    expect(shared.status === 'ok' && shared.counters.device?.counts.login_attempts['10m']).toBe(2)
    expect(shared.status === 'ok' && shared.counters.user).toBeNull()
    expect(shared.status === 'ok' && shared.counters.missing).toEqual([{ kind: 'user', reason: 'timeout' }])
    // The other keys keep the shared budget: a hung device object is given up at 25 ms, not 2 s.
    const hung: CountersEnv = { COUNTERS: misbehaving('hang'), ZONE_STATS: env.ZONE_STATS, REGISTRY: env.REGISTRY }
    const started = performance.now()
    await observeRequest(hung, keys(null), login(T0), 25, { caches: new IsolateCaches(), usernameBudgetMs: 2_000 })
    expect(performance.now() - started).toBeLessThan(35)
  })

  it('records outcomes without rejecting when every object fails', async () => {
    const bad: CountersEnv = { COUNTERS: misbehaving('throw'), ZONE_STATS: env.ZONE_STATS, REGISTRY: env.REGISTRY }
    await expect(recordOutcome(bad, keys('u'), 'login_failure', T0, { caches: new IsolateCaches() })).resolves.toBeUndefined()
  })
})

describe('zone figures', () => {
  it('reaches the request features through isolate batches, a shard and the root', async () => {
    const caches = new IsolateCaches()
    const shard = env.ZONE_STATS.get(env.ZONE_STATS.idFromName(zoneShardName(caches.zone.shard)))
    const t = T0 + 3_600_000
    // 30 failures and 10 successes in this isolate, flushed as one batch to its shard.
    for (let i = 0; i < 40; i++) await recordOutcome(env, keys(), i < 30 ? 'login_failure' : 'login_success', t, { caches })
    expect(caches.zone.pendingEvents).toBeGreaterThan(0)
    const deferred: Promise<unknown>[] = []
    await observeRequest(env, keys(), login(t + 5_000), 2_000, { caches, defer: (p) => deferred.push(p) })
    await Promise.all(deferred)
    expect(await runDurableObjectAlarm(shard)).toBe(true) // the shard forwards to the root
    await observeRequest(env, keys(), login(t + 10_000), 2_000, { caches, defer: (p) => deferred.push(p) })
    await Promise.all(deferred)
    const read = await observeRequest(env, keys(), login(t + 10_001), 2_000, { caches })
    // The root is zone-wide: other tests' outcomes can share its windows, so the feature is
    // checked against the root's own figures, and the root must hold at least our 30 + 10.
    const root = env.ZONE_STATS.get(env.ZONE_STATS.idFromName(ZONE_ROOT_NAME))
    const figures = await root.figures(t + 10_000)
    expect(figures.windows.login_failures['10m']).toBeGreaterThanOrEqual(30)
    expect(figures.windows.login_successes['10m']).toBeGreaterThanOrEqual(10)
    const expected = figures.windows.login_failures['10m'] / (figures.windows.login_failures['10m'] + figures.windows.login_successes['10m'])
    expect(read.status === 'ok' && read.counters.zoneLoginFailureRatio10m).toBeCloseTo(expected, 6)
    expect(expected).toBeGreaterThan(0.6) // 30 of 40 dominate whatever else is there
  }, 30_000) // 160 objects start cold, one after another: seconds on a loaded box

  it('applies a batch the shard resends only once at the root', async () => {
    const root = env.ZONE_STATS.get(env.ZONE_STATS.idFromName(ZONE_ROOT_NAME))
    const t = T0 + 7_200_000
    const delta = { requests: 0, login_successes: 0, login_failures: 0, new_ips: 5, new_users: 0 }
    const before = (await root.figures(t)).windows.new_ips['1m']
    await root.report(7, 'epoch-test', 1, delta, t)
    const after = await root.report(7, 'epoch-test', 1, delta, t)
    expect(after.windows.new_ips['1m'] - before).toBe(5)
  })
})
