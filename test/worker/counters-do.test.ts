// Takes the Counters Durable Object inside workerd; checks exact counts under concurrency,
// sliding windows and distinct counting with a frozen clock. Must not read the wall clock.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env as rawEnv } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { counterName } from '../../src/counters/keys'
import { EXACT_LIMIT, HLL_M, HLL_STD_ERROR } from '../../src/counters/sketch'
import { METRICS } from '../../src/counters/metrics'
import { bucketsFor, sumWindows } from '../../src/counters/windows'
import { ROWS_PER_METRIC_TABLE } from '../../worker/counters/buckets'
import { APPLIED_KEEP_MS, Counters, COUNTERS_COUNTS, COUNTERS_MIGRATIONS, COUNTERS_SCHEMA } from '../../worker/counters/Counters'
import { SKETCH_REUSE_MS } from '../../worker/counters/distinct'
import { migrate } from '../../worker/counters/schema'
import { rowsWritten } from '../support/rowsWritten'

const env = rawEnv as Env
/** A frozen clock far in the future, so no alarm fires on its own during a test. */
const T0 = Date.UTC(2100, 0, 1)
let serial = 0
const stubFor = (kind: 'device' | 'ip' | 'user' = 'device') => env.COUNTERS.get(env.COUNTERS.idFromName(counterName(kind, `t-${serial++}`)))
const request = (now: number) => ({ now, bumps: ['requests'] as const, distinct: [], deny: null })

describe('Counters', () => {
  it('counts 500 concurrent observations from one device exactly', async () => {
    const stub = stubFor()
    await Promise.all(Array.from({ length: 500 }, () => stub.observe(request(T0))))
    const snap = await stub.peek(T0)
    expect(snap.counts.requests['1m']).toBe(500)
    expect(snap.counts.requests['24h']).toBe(500)
  })

  it('slides every window with the clock', async () => {
    const stub = stubFor()
    await stub.observe(request(T0))
    const at = async (ms: number) => (await stub.peek(T0 + ms)).counts.requests
    expect(await at(0)).toEqual({ '1m': 1, '10m': 1, '1h': 1, '24h': 1 })
    expect(await at(49_999)).toMatchObject({ '1m': 1 })
    expect(await at(60_000)).toMatchObject({ '1m': 0, '10m': 1 })
    expect(await at(600_000)).toMatchObject({ '1m': 0, '10m': 0, '1h': 1 })
    expect(await at(3_600_000)).toMatchObject({ '1h': 0, '24h': 1 })
    expect(await at(86_400_000)).toEqual({ '1m': 0, '10m': 0, '1h': 0, '24h': 0 })
  })

  it('reports a key as fresh only on its first observation in 24 hours', async () => {
    const stub = stubFor('ip')
    expect((await stub.observe(request(T0))).fresh).toBe(true)
    expect((await stub.observe(request(T0 + 1000))).fresh).toBe(false)
    expect((await stub.observe(request(T0 + 2 * 86_400_000))).fresh).toBe(true)
  })

  it('counts distinct usernames exactly up to 64', async () => {
    const stub = stubFor()
    for (let i = 0; i < 64; i++) {
      for (let k = 0; k < 2; k++) {
        await stub.observe({ now: T0 + i, bumps: ['requests', 'login_attempts'], distinct: [{ set: 'users', member: `u${i}` }], deny: null })
      }
    }
    const snap = await stub.peek(T0 + 100)
    expect(snap.distinct.users['10m']).toBe(64)
    expect(snap.counts.login_attempts['10m']).toBe(128)
  })

  it(`estimates distinct usernames past 64 within ${(3 * HLL_STD_ERROR * 100).toFixed(1)} % (3 standard errors)`, async () => {
    const stub = stubFor()
    const n = 2000
    await runInDurableObject(stub, (obj) => {
      for (let i = 0; i < n; i++) obj.observe({ now: T0 + i, bumps: [], distinct: [{ set: 'users', member: `user-${i}` }], deny: null })
    })
    const snap = await stub.peek(T0 + n + SKETCH_REUSE_MS) // estimates are reused for up to SKETCH_REUSE_MS
    expect(Math.abs(snap.distinct.users['10m'] - n) / n).toBeLessThan(3 * HLL_STD_ERROR)
    expect(snap.distinct.users['1m']).toBe(snap.distinct.users['10m'])
  })

  it('slides the distinct-username windows with the clock', async () => {
    const stub = stubFor('ip')
    await stub.observe({ now: T0, bumps: [], distinct: [{ set: 'users', member: 'a' }], deny: null })
    await stub.observe({ now: T0 + 30 * 60_000, bumps: [], distinct: [{ set: 'users', member: 'b' }], deny: null })
    const d = (await stub.peek(T0 + 30 * 60_000)).distinct.users
    expect(d).toEqual({ '1m': 1, '10m': 1, '1h': 2, '24h': 2 })
  })

  it('keeps storage bounded under a day of heavy traffic from one key, then empties when idle', async () => {
    const stub = stubFor()
    const step = 20_000
    const end = T0 + 26 * 3_600_000
    const rows = await runInDurableObject(stub, (obj, state) => {
      const sql = state.storage.sql
      let users = 0
      for (let t = T0; t < end; t += step) {
        obj.observe({ now: t, bumps: ['requests', 'login_attempts'], distinct: [{ set: 'users', member: `victim-${users++}` }], deny: null })
        obj.record({ now: t, metric: 'login_failures' })
      }
      const count = (table: string) => sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n
      return { buckets: count('counts'), members: count('members'), sketch: count('sketch'), users }
    })
    // One row per bucket, all metrics in it: the 10 s and 5 min series keep at most 61 + 289 buckets (what the
    // 10 min and 24 h windows read), plus one prune interval of 10 s buckets.
    expect(rows.buckets).toBeLessThanOrEqual(61 + 289 + 6)
    expect(rows.members).toBeLessThanOrEqual(EXACT_LIMIT)
    expect(rows.sketch).toBeLessThanOrEqual(HLL_M * 33)
    expect(rows.users).toBeGreaterThan(4_000)
    const snap = await stub.peek(end)
    expect(Math.abs(snap.distinct.users['1h'] - 180) / 180).toBeLessThan(3 * HLL_STD_ERROR)
    // Idle: alarms prune until nothing is left, then the object deletes all its storage — its schema
    // too, made again only when the key is used again (not a table is left for an idle key).
    for (let i = 0; i < 5 && (await runDurableObjectAlarm(stub)); i++);
    const tables = (state: DurableObjectState) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'").toArray().map((r) => r.name)
    expect(await runInDurableObject(stub, (_obj, state) => tables(state))).toEqual([])
    for (const m of METRICS) expect((await stub.peek(end + 2 * 86_400_000)).counts[m]['24h']).toBe(0)
    const remade = await runInDurableObject(stub, (_obj, state) => ({
      tables: tables(state).length,
      version: state.storage.sql.exec<{ v: number }>("SELECT v FROM meta WHERE k = 'schema_version'").one().v,
    }))
    expect(remade).toEqual({ tables: COUNTERS_SCHEMA.length + 1, version: COUNTERS_MIGRATIONS.length }) // each table and index it makes, and meta
    await stub.observe(request(end + 2 * 86_400_000))
    expect((await stub.peek(end + 2 * 86_400_000)).counts.requests['1m']).toBe(1)
  }, 60_000)

  it("answers whether a probed member was sighted in its set in 10 minutes, after the observation's own writes", async () => {
    const stub = stubFor('user')
    const refused = (now: number) => stub.record({ now, metric: 'login_failures', distinct: { set: 'failed_ips', member: '203.0.113.5' } })
    const ask = (now: number, member = '203.0.113.5') => stub.observe({ now, bumps: ['requests'], distinct: [], deny: null, probe: { set: 'failed_ips', member } })
    expect((await ask(T0)).probed).toBe(false)
    await refused(T0 + 1000)
    expect((await ask(T0 + 2000)).probed).toBe(true)
    expect((await ask(T0 + 2000, '203.0.113.6')).probed).toBe(false)
    expect((await ask(T0 + 1000 + 600_000)).probed).toBe(false) // 10 minutes on
    await refused(T0 + 700_000)
    await stub.record({ now: T0 + 701_000, metric: 'login_successes', forget: { set: 'failed_ips', member: '203.0.113.5' } })
    expect((await ask(T0 + 702_000)).probed).toBe(false) // let in since: taken back
    // Not asked: no answer; a bad probe is refused before anything is counted.
    expect((await stub.observe(request(T0 + 703_000))).probed).toBeUndefined()
    const thrown = await runInDurableObject(stub, (obj) => {
      try {
        obj.observe({ ...request(T0 + 704_000), probe: { set: 'nope' as 'ips', member: 'x' } })
        return null
      } catch (e) {
        return String(e)
      }
    })
    expect(thrown).toMatch(/bad distinct member/)
    expect((await stub.peek(T0 + 704_000)).counts.requests['1m']).toBe(2) // the asks at 702 s and 703 s, not the refused one
  })

  it("counts a batch's bumps exactly however they fall into statements: a repeated bucket, and more rows than one statement binds", async () => {
    const stub = stubFor()
    const at = T0 + 125_000
    // 12 bumps over 12 ten-second buckets, 11 metrics: 16 bucket rows of 13 parameters each, three statements
    // (a statement binds at most 100); 'requests' twice in one bucket.
    const metrics: (typeof METRICS)[number][] = [...METRICS.slice(0, 10), 'requests', 'requests']
    const bumps = metrics.map((metric, i) => ({ op: 'bump' as const, metric, at: at - (i % 11) * 10_000, n: i + 1 }))
    await stub.apply({ now: at, batches: [{ id: 'b-rows', ops: bumps }], deny: null })
    const snap = await stub.peek(at)
    for (const metric of new Set(metrics)) {
      const rows = bumps.filter((b) => b.metric === metric).flatMap((b) => bucketsFor(b.at).map((k) => ({ ...k, n: b.n })))
      expect(snap.counts[metric]).toEqual(sumWindows(rows, at))
    }
    // A request's own bumps in one statement, beside what the batch left.
    const before = snap.counts.requests['1m']
    await stub.observe({ now: at, bumps: ['requests', 'navigations', 'page_views'], distinct: [], deny: null })
    expect((await stub.peek(at)).counts.requests['1m']).toBe(before + 1)
  })

  it('writes one row per bucket whatever the metrics: a page view is two bucket rows and its device, not twelve and one', async () => {
    const stub = stubFor('ip')
    const view = (now: number, device: string) => ({ now, bumps: ['requests', 'navigations', 'page_views'] as (typeof METRICS)[number][], distinct: [{ set: 'devices' as const, member: device }], deny: null })
    await stub.observe(view(T0, 'd-0')) // the first write also schedules the object's alarm
    const written = await rowsWritten(stub, (obj) => obj.observe(view(T0 + 1_000, 'd-1')))
    expect(written).toBe(2 + 1)
  })

  it('reads only the metric columns it holds counts in, and every one it holds: first counted by a read, an outcome or a flush, or found by an object made again', async () => {
    const stub = stubFor('ip')
    await stub.observe(request(T0))
    expect((await stub.peek(T0)).counts.login_failures['1m']).toBe(0)
    await stub.record({ now: T0 + 1_000, metric: 'login_failures' })
    await stub.apply({ now: T0 + 2_000, batches: [{ id: 'b-used', ops: [{ op: 'bump', metric: 'signup_attempts', at: T0 + 2_000, n: 2 }] }], deny: null })
    const live = (await stub.peek(T0 + 3_000)).counts
    const remade = await runInDurableObject(stub, (_obj, state) => new Counters(state, env).peek(T0 + 3_000).counts)
    for (const counts of [live, remade]) {
      expect(counts.requests['10m']).toBe(1)
      expect(counts.login_failures['10m']).toBe(1)
      expect(counts.signup_attempts['10m']).toBe(2)
      expect(counts.page_views['10m']).toBe(0)
    }
    // What a read selects: the three columns, not every metric's.
    const selected = await runInDurableObject(stub, (_obj, state) => [...COUNTERS_COUNTS.usedColumns(state.storage.sql)].map((i) => METRICS[i]).sort())
    expect(selected).toEqual(['login_failures', 'requests', 'signup_attempts'])
  })

  it("moves a key's counts from the row-per-metric layout when its object is next made, and adds a metric's missing column", async () => {
    const stub = stubFor('user')
    const at = T0 + 3 * 3_600_000
    const old = [
      { metric: 'requests', t: at - 5_000, n: 3 },
      { metric: 'login_failures', t: at - 120_000, n: 2 },
      { metric: 'login_failures', t: at - 2 * 3_600_000, n: 1 },
      { metric: 'retired_metric', t: at - 5_000, n: 9 }, // a metric no longer counted: not carried over
    ]
    const snap = await runInDurableObject(stub, (_obj, state) => {
      const sql = state.storage.sql
      sql.exec('DROP TABLE counts')
      sql.exec(ROWS_PER_METRIC_TABLE)
      for (const o of old) for (const b of bucketsFor(o.t)) sql.exec('INSERT INTO buckets (metric, res, start, n) VALUES (?, ?, ?, ?)', o.metric, b.res, b.start, o.n)
      sql.exec("UPDATE meta SET v = 4 WHERE k = 'schema_version'")
      const moved = new Counters(state, env)
      const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('buckets', 'counts')").toArray().map((r) => r.name)
      // A metric added to the code after the table was made: its column comes back on the next construction.
      sql.exec('ALTER TABLE counts DROP COLUMN "signups"')
      const added = new Counters(state, env)
      added.observe({ now: at, bumps: ['signups'], distinct: [], deny: null })
      return { moved: moved.peek(at).counts, after: added.peek(at).counts, tables }
    })
    expect(snap.tables).toEqual(['counts'])
    const truth = (metric: string) => sumWindows(old.filter((o) => o.metric === metric).flatMap((o) => bucketsFor(o.t).map((b) => ({ ...b, n: o.n }))), at)
    expect(snap.moved.requests).toEqual(truth('requests'))
    expect(snap.moved.login_failures).toEqual(truth('login_failures'))
    expect(snap.moved.login_failures).toEqual({ '1m': 0, '10m': 2, '1h': 2, '24h': 3 })
    expect(snap.after.signups).toEqual({ '1m': 1, '10m': 1, '1h': 1, '24h': 1 })
    expect(snap.after.requests).toEqual(truth('requests'))
  })

  it("moves the former series (1 min and 1 h buckets) into the 10 s and 5 min ones: no window counts an event longer than before, 1 min and 1 h read the same", async () => {
    // Events over the last 26 hours, written as the code before wrote them (four series), then pruned at `pruned`
    // as it pruned (each series below its window: most minutes hold no 10 s bucket any more, most hours no 5 min one).
    const pruned = T0 + 30 * 3_600_000
    const ago = [-25 * 3_600_000, -23.5 * 3_600_000, -7_300_000, -3_700_000, -3_500_000, -700_000, -595_000, -590_000, -332_100, -300_000, -61_000, -59_000, -45_500, -12_000, -1]
    const times = ago.map((d) => pruned + d)
    const formerSpec = { '1m': { ms: 60_000, res: 10_000 }, '10m': { ms: 600_000, res: 60_000 }, '1h': { ms: 3_600_000, res: 300_000 }, '24h': { ms: 86_400_000, res: 3_600_000 } } as const
    const names = ['1m', '10m', '1h', '24h'] as const
    const formerFloor = (now: number, w: (typeof names)[number]) => Math.floor((now - formerSpec[w].ms) / formerSpec[w].res) * formerSpec[w].res + formerSpec[w].res
    const rows = new Map<string, { res: number; start: number; n: number }>()
    for (const t of times) {
      for (const w of names) {
        const res = formerSpec[w].res
        const start = Math.floor(t / res) * res
        if (start < formerFloor(pruned, w)) continue // pruned
        const k = `${res}:${start}`
        rows.set(k, { res, start, n: (rows.get(k)?.n ?? 0) + 1 })
      }
    }
    const formerWindows = (now: number) => {
      const out = { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }
      for (const r of rows.values()) for (const w of names) if (r.res === formerSpec[w].res && r.start >= formerFloor(now, w)) out[w] += r.n
      return out
    }
    const stub = stubFor('ip')
    const later = [0, 5_000, 30_000, 100_000, 300_000, 500_000, 610_000, 3_000_000, 4_000_000, 40 * 60_000 * 30, 22 * 3_600_000, 23.6 * 3_600_000]
    const nows = later.map((d) => pruned + d)
    const read = await runInDurableObject(stub, (_obj, state) => {
      const sql = state.storage.sql
      sql.exec('DELETE FROM counts')
      for (const r of rows.values()) sql.exec('INSERT INTO counts (res, start, requests) VALUES (?, ?, ?)', r.res, r.start, r.n)
      sql.exec("UPDATE meta SET v = 6 WHERE k = 'schema_version'")
      const moved = new Counters(state, env)
      const left = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM counts WHERE res IN (60000, 3600000)').one().n
      return { left, at: nows.map((now) => moved.peek(now).counts.requests) }
    })
    expect(read.left).toBe(0)
    for (const [i, now] of nows.entries()) {
      const exact = sumWindows(times.flatMap((t) => bucketsFor(t).map((b) => ({ ...b, n: 1 }))), now)
      const before = formerWindows(now)
      const got = read.at[i]!
      const when = `at +${now - pruned} ms`
      expect({ '1m': got['1m'], '1h': got['1h'] }, when).toEqual({ '1m': exact['1m'], '1h': exact['1h'] })
      // Never longer than the former buckets held an event, nor than its own finer bucket would have.
      for (const w of ['10m', '24h'] as const) {
        expect(got[w], `${w} ${when}`).toBeGreaterThanOrEqual(before[w])
        expect(got[w], `${w} ${when}`).toBeLessThanOrEqual(exact[w])
      }
    }
    // Right after the move each window holds what it held before.
    expect(read.at[0]).toEqual(formerWindows(pruned))
  })

  it('migrates idempotently and records the schema version', async () => {
    const stub = stubFor()
    await stub.observe(request(T0))
    const versions = await runInDurableObject(stub, (_obj, state) => [migrate(state.storage, COUNTERS_MIGRATIONS), migrate(state.storage, COUNTERS_MIGRATIONS)])
    // 2: the account history table (src/counters/history.ts); 3: applied batch ids (worker/counters/ledger.ts); 4: their index
    // by time; 5: one row per bucket (buckets.ts); 6: applied ids keyed by their batch's time; 7: two bucket
    // series, not four
    expect(versions).toEqual([7, 7])
    expect((await stub.peek(T0)).counts.requests['1m']).toBe(1)
    // The applied-id prune deletes by time over the primary key, with no index to write.
    const plan = await runInDurableObject(stub, (_obj, state) => state.storage.sql.exec<{ detail: string }>('EXPLAIN QUERY PLAN DELETE FROM applied_batches WHERE at < ?', T0).toArray().map((r) => r.detail).join(' | '))
    expect(plan).toMatch(/SEARCH applied_batches USING PRIMARY KEY \(at<\?\)/)
  })

  it('counts a batch sent again once — however late within the hour, whatever its call says the time is — and writes one row for its id', async () => {
    const stub = stubFor('ip')
    const at = T0 + 10_000
    const batch = { id: 'iso-1:1', ops: [{ op: 'bump' as const, metric: 'requests' as const, at, n: 3 }, { op: 'add' as const, set: 'devices' as const, member: 'd-1', at }] }
    await stub.apply({ now: at + 2_000, batches: [batch], deny: null })
    await stub.apply({ now: at + 40 * 60_000, batches: [batch], deny: null }) // its confirm was lost; sent again 40 minutes on
    expect((await stub.peek(at + 40 * 60_000)).counts.requests['1h']).toBe(3)
    const ids = await runInDurableObject(stub, (_obj, state) => state.storage.sql.exec<{ at: number; id: string }>('SELECT at, id FROM applied_batches').toArray())
    expect(ids).toEqual([{ at, id: 'iso-1:1' }])
  })

  it("still refuses a batch an object made before migration 6 applied, then drops the former table when its ids are an hour old", async () => {
    const stub = stubFor('device')
    const at = T0 + 20_000
    const batch = { id: 'iso-2:7', ops: [{ op: 'bump' as const, metric: 'requests' as const, at, n: 2 }] }
    const left = await runInDurableObject(stub, (_obj, state) => {
      const sql = state.storage.sql
      // As an object made by version 5 left it: the batch applied, its id in `applied` (with its index).
      sql.exec('CREATE TABLE applied (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID')
      sql.exec('CREATE INDEX applied_at ON applied (at)')
      sql.exec('INSERT INTO applied (id, at) VALUES (?, ?)', batch.id, at)
      const old = new Counters(state, env)
      old.observe(request(at)) // one request of its own
      old.apply({ now: at + 1_000, batches: [batch], deny: null }) // sent again after the migration: already applied
      const counted = old.peek(at + 1_000).counts.requests['1m']
      old.observe(request(at + APPLIED_KEEP_MS + 120_000)) // an hour on: the prune empties and drops it
      const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name IN ('applied', 'applied_at')").toArray().map((r) => r.name)
      return { counted, tables }
    })
    expect(left).toEqual({ counted: 1, tables: [] })
  })

  it("makes a new key's schema at once — and its deny and history tables when first needed — the same schema its migrations leave an older object with", async () => {
    const schemaOf = (sql: SqlStorage) =>
      sql.exec<{ type: string; name: string; sql: string | null }>("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name").toArray()
    // A new key's object, once it has held a deny entry and remembered a place (tables it makes when first needed).
    const fresh = await runInDurableObject(stubFor('user'), (obj, state) => {
      const bare = schemaOf(state.storage.sql).map((r) => r.name)
      obj.deny({ target: { kind: 'user_ip', user: 'u', ip: '192.0.2.1' }, reason: 'x', createdAt: T0, expiresAt: T0 + 60_000 })
      obj.record({ now: T0, metric: 'login_successes', remember: { country: 'DE', asn: 3320, device: 'd-1' } })
      return { bare, schema: schemaOf(state.storage.sql) }
    })
    expect(fresh.bare).not.toContain('deny')
    expect(fresh.bare).not.toContain('history')
    const stepped = await runInDurableObject(stubFor(), async (_obj, state) => {
      await state.storage.deleteAll()
      migrate(state.storage, COUNTERS_MIGRATIONS.slice(0, 1)) // an object made by the first version…
      const versions = migrate(state.storage, COUNTERS_MIGRATIONS) // …brought up to date one migration at a time,
      new Counters(state, env).observe(request(T0)) // and its first prune drops the former applied-id table, empty
      return { versions, schema: schemaOf(state.storage.sql) }
    })
    expect(stepped.versions).toBe(COUNTERS_MIGRATIONS.length)
    expect(fresh.bare).toContain('counts')
    expect(fresh.schema).toEqual(stepped.schema)
  })

  it('refuses a time that is not a finite number', async () => {
    const stub = stubFor()
    const thrown = await runInDurableObject(stub, (obj) => {
      try {
        obj.observe({ ...request(T0), now: Number.NaN })
        return null
      } catch (e) {
        return String(e)
      }
    })
    expect(thrown).toMatch(/finite/)
  })
})
