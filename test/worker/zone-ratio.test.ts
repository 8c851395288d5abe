// Takes the real zone path (isolate batches → shard objects → root → figures back into the
// isolate) over a simulated clock, alarms run when due; checks that the login failure ratio
// the request features see follows every new outcome across many batches and alarm cycles.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { ZONE_ROOT_NAME, zoneShardName } from '../../src/counters/keys'
import type { JourneyKeys } from '../../src/counters/read'
import { bucketsFor } from '../../src/counters/windows'
import { ZONE_POLICY } from '../../src/counters/zone'
import { fillJourney } from '../../src/features/journey'
import { emptyFeatureVector, FEATURE_INDEX } from '../../src/features/list'
import { observeRequest, recordOutcome } from '../../worker/counters/client'
import { ROWS_PER_METRIC_TABLE } from '../../worker/counters/buckets'
import { IsolateCaches } from '../../worker/counters/isolate'
import { ZONE_MIGRATIONS, ZoneStats } from '../../worker/counters/ZoneStats'

// Far from the other zone tests' times (and a day apart per test), so each test's 10-minute
// window holds its own outcomes only.
const DAY = 86_400_000
const BASE = Date.UTC(2103, 0, 1)

const shardStub = (shard: number) => env.ZONE_STATS.get(env.ZONE_STATS.idFromName(zoneShardName(shard)))

/** One isolate: its own caches, a few keys reused (each key is an object), its deferred flushes. */
class Isolate {
  readonly caches: IsolateCaches
  readonly #keys: JourneyKeys[]
  #n = 0

  constructor(caches: IsolateCaches, id: number) {
    this.caches = caches
    this.#keys = [0, 1, 2].map((k) => ({ device: `zr-dev-${id}-${k}`, ip: `203.0.${id}.${k + 1}`, ipPrefix: `203.0.${id}.0/24`, user: null }))
  }

  get shard(): number {
    return this.caches.zone.shard
  }

  /** A request through observeRequest (with waitUntil-style deferral); returns the feature value. */
  async request(now: number, outcome: 'login_failure' | 'login_success' | null = null): Promise<number | null> {
    const keys = this.#keys[this.#n++ % this.#keys.length]!
    const deferred: Promise<unknown>[] = []
    const defer = (p: Promise<unknown>): void => void deferred.push(p)
    const read = await observeRequest(env, keys, { routeClass: 'login', method: 'POST', now }, 5_000, { caches: this.caches, defer })
    if (outcome !== null) await recordOutcome(env, keys, outcome, now, { caches: this.caches, defer })
    await Promise.all(deferred)
    expect(read.status).toBe('ok')
    const vec = emptyFeatureVector()
    fillJourney(vec, read)
    const feature = vec[FEATURE_INDEX.zone_login_failure_ratio_10m]!
    const ratio = read.status === 'ok' ? read.counters.zoneLoginFailureRatio10m : null
    // What the model sees is the client's ratio (as float32), or NaN when it is missing.
    if (ratio === null) expect(feature).toBeNaN()
    else expect(feature).toBeCloseTo(ratio, 6)
    return ratio
  }
}

/** Runs every shard alarm that is due at `now` (the platform would have); counts them. */
class Shards {
  alarms = 0
  readonly #shards: number[]

  constructor(shards: number[]) {
    this.#shards = [...new Set(shards)]
  }

  async runDue(now: number): Promise<void> {
    for (const shard of this.#shards) {
      const stub = shardStub(shard)
      const at = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())
      if (at !== null && at <= now && (await runDurableObjectAlarm(stub))) this.alarms++
    }
  }

  /** Runs what is still scheduled: alarms outlive a test's isolated storage. */
  async drain(): Promise<void> {
    for (const shard of this.#shards) for (let i = 0; i < 3 && (await runDurableObjectAlarm(shardStub(shard))); i++);
  }
}

/** `count` isolates on pairwise different shards (the shard is drawn at random per isolate). */
function isolatesOnDistinctShards(count: number): Isolate[] {
  const out: Isolate[] = []
  const used = new Set<number>()
  for (let tries = 0; out.length < count && tries < 10_000; tries++) {
    const caches = new IsolateCaches()
    if (used.has(caches.zone.shard)) continue
    used.add(caches.zone.shard)
    out.push(new Isolate(caches, 10 + out.length))
  }
  expect(out).toHaveLength(count)
  return out
}

async function rootRatio(now: number): Promise<number | null> {
  const root = env.ZONE_STATS.get(env.ZONE_STATS.idFromName(ZONE_ROOT_NAME))
  return (await root.figures(now)).loginFailureRatio10m
}

/**
 * The longest a new outcome may take to reach every isolate's features: a flush to its shard, a
 * forward to the root, and — as shards forward one after another — a second forward and a flush
 * back from each other shard, plus the one-second request spacing.
 */
const SETTLE_MS = 3 * ZONE_POLICY.flushEveryMs + 2 * ZONE_POLICY.forwardEveryMs + 5_000

describe('zone login failure ratio', () => {
  it('follows new outcomes through isolate batches, a shard and the root, over many batches and alarm cycles', async () => {
    const iso = new Isolate(new IsolateCaches(), 1)
    const shards = new Shards([iso.shard])
    let t = BASE
    const step = async (gap: number, outcome: 'login_failure' | 'login_success' | null = null): Promise<number | null> => {
      const ratio = await iso.request(t, outcome)
      await shards.runDue(t)
      t += gap
      return ratio
    }
    /** Plain requests, one a second, until the ratio the features see is `due` (or the settle time is up). */
    const settle = async (due: number): Promise<number | null> => {
      const until = t + SETTLE_MS
      let ratio: number | null = null
      while (t <= until) {
        ratio = await step(1_000)
        if (ratio !== null && Math.abs(ratio - due) < 1e-9) break
      }
      return ratio
    }

    for (let i = 0; i < 30; i++) await step(200, 'login_failure')
    expect(await settle(30 / 30)).toBeCloseTo(1, 9)

    for (let i = 0; i < 3; i++) await step(200, 'login_success')
    expect(await settle(30 / 33)).toBeCloseTo(30 / 33, 9)

    // 60 good logins over the next 30 s: many isolate batches, several shard alarms.
    const alarmsBefore = shards.alarms
    const seen = new Set<number>()
    for (let i = 0; i < 60; i++) {
      const ratio = await step(500, 'login_success')
      if (ratio !== null) seen.add(ratio)
    }
    expect(await settle(30 / 93)).toBeCloseTo(30 / 93, 9)
    expect(shards.alarms - alarmsBefore).toBeGreaterThanOrEqual(4)
    expect(seen.size).toBeGreaterThanOrEqual(4) // it moved along the way, not in one jump at the end
    expect(await rootRatio(t)).toBeCloseTo(30 / 93, 9)

    // And it keeps following: a new wave of failures, then quiet successes, minutes later.
    for (let i = 0; i < 30; i++) await step(300, 'login_failure')
    expect(await settle(60 / 123)).toBeCloseTo(60 / 123, 9)
    t += 60_000
    for (let i = 0; i < 7; i++) await step(2_000, 'login_success')
    expect(await settle(60 / 130)).toBeCloseTo(60 / 130, 9)
    expect(shards.alarms).toBeGreaterThanOrEqual(10)
    await shards.drain()
  }, 120_000)

  it('combines isolates reporting to different shards, and every isolate follows the zone-wide ratio', async () => {
    const isolates = isolatesOnDistinctShards(3)
    const [a, b, c] = isolates as [Isolate, Isolate, Isolate]
    const shards = new Shards(isolates.map((i) => i.shard))
    let t = BASE + 2 * DAY
    const tick = async (gap: number, outcomes: Partial<Record<'a' | 'b' | 'c', 'login_failure' | 'login_success'>> = {}) => {
      const ratios = [await a.request(t, outcomes.a ?? null), await b.request(t, outcomes.b ?? null), await c.request(t, outcomes.c ?? null)]
      await shards.runDue(t)
      t += gap
      return ratios
    }
    const settleAll = async (due: number): Promise<(number | null)[]> => {
      const until = t + SETTLE_MS
      let ratios: (number | null)[] = []
      while (t <= until) {
        ratios = await tick(1_000)
        if (ratios.every((r) => r !== null && Math.abs(r - due) < 1e-9)) break
      }
      return ratios
    }

    // A sees a stuffing wave, B only good logins, C a mix: 40 failures of 70 zone-wide.
    for (let i = 0; i < 30; i++) await tick(300, { a: 'login_failure', b: i < 20 ? 'login_success' : undefined, c: i < 20 ? (i % 2 === 0 ? 'login_failure' : 'login_success') : undefined })
    for (const r of await settleAll(40 / 70)) expect(r).toBeCloseTo(40 / 70, 9)

    // Only B's shard gets new outcomes; A and C (other shards) must follow as well.
    for (let i = 0; i < 50; i++) await tick(400, { b: 'login_success' })
    for (const r of await settleAll(40 / 120)) expect(r).toBeCloseTo(40 / 120, 9)
    expect(await rootRatio(t)).toBeCloseTo(40 / 120, 9)
    expect(shards.alarms).toBeGreaterThanOrEqual(9) // three shards, several cycles each
    await shards.drain()
  }, 120_000)
})

describe('zone figures storage', () => {
  it("moves the root's windows from the row-per-metric layout when its object is next made", async () => {
    const at = BASE + 40 * DAY
    const old = [
      { metric: 'login_failures', t: at - 30_000, n: 30 },
      { metric: 'login_successes', t: at - 120_000, n: 10 },
      { metric: 'requests', t: at - 2 * 3_600_000, n: 500 },
    ]
    const stub = env.ZONE_STATS.get(env.ZONE_STATS.idFromName('zone-migration-test'))
    const figures = await runInDurableObject(stub, (_obj, state) => {
      const sql = state.storage.sql
      sql.exec('DROP TABLE counts')
      sql.exec(ROWS_PER_METRIC_TABLE)
      // The series of then: today's two, the 10 min window's 1 min buckets and the 24 h window's 1 h ones (moved by migration 4).
      const former = (t: number) => [...bucketsFor(t), ...[60_000, 3_600_000].map((res) => ({ res, start: Math.floor(t / res) * res }))]
      for (const o of old) for (const b of former(o.t)) sql.exec('INSERT INTO buckets (metric, res, start, n) VALUES (?, ?, ?, ?)', o.metric, b.res, b.start, o.n)
      sql.exec("UPDATE meta SET v = 2 WHERE k = 'schema_version'") // before migration 3 (a row per bucket)
      const moved = new ZoneStats(state, env)
      const left = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM counts WHERE res IN (60000, 3600000)').one().n
      const version = sql.exec<{ v: number }>("SELECT v FROM meta WHERE k = 'schema_version'").one().v
      return { ...moved.figures(at), left, version }
    })
    expect(figures.left).toBe(0)
    expect(figures.version).toBe(ZONE_MIGRATIONS.length)
    expect(figures.windows.login_failures).toEqual({ '1m': 30, '10m': 30, '1h': 30, '24h': 30 })
    expect(figures.windows.requests).toEqual({ '1m': 0, '10m': 0, '1h': 0, '24h': 500 })
    expect(figures.loginFailureRatio10m).toBeCloseTo(30 / 40)
  })
})
