// Takes the counters client with real Counters objects behind a namespace that counts calls; checks
// that page views and assets wait for no object once the isolate has read their keys, that their
// counts reach the objects exactly once (a batch sent again is not counted twice, a failed flush is
// retried), that a sign-in's read carries the page views this isolate still holds, and that deny
// hits still answer without a call. Frozen caller time; the flush interval is the production one.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { counterName } from '../../src/counters/keys'
import type { JourneyKeys, JourneyRead } from '../../src/counters/read'
import { denySource, FLUSH_KEYS_MAX, flushJourney, flushMsOf, observeRequest, recordOutcome, type CounterStub, type CountersEnv, type NamespaceLike } from '../../worker/counters/client'
import { IsolateCaches } from '../../worker/counters/isolate'
import { FLUSH_EVERY_MS } from '../../worker/counters/ledger'

const T0 = Date.UTC(2100, 2, 1)
/** Wide: a loaded test box creates a cold object slowly, and this file is not about deadlines. */
const BUDGET = 10_000
let serial = 0
function keys(device: string | null = null, user: string | null = null): JourneyKeys {
  const n = serial++
  return { device, ip: `192.0.${n % 250}.${(n * 11) % 250}`, ipPrefix: `192.0.${n % 250}.0/24`, user }
}
const page = (now: number) => ({ routeClass: 'other', method: 'GET', now, navigation: true }) as const
const asset = (now: number) => ({ routeClass: 'static', method: 'GET', now, navigation: false }) as const
const login = (now: number) => ({ routeClass: 'login', method: 'POST', now }) as const

/** The real COUNTERS namespace, every method call counted; `failApply` makes the next n `apply` calls apply and then lose their answer. */
function counted(): { ns: NamespaceLike<CounterStub>; calls: Map<string, number>; failApply: { n: number }; carried: number[] } {
  const calls = new Map<string, number>()
  const carried: number[] = [] // ops each observe call carried
  const failApply = { n: 0 }
  const ns: NamespaceLike<CounterStub> = {
    idFromName: (name) => env.COUNTERS.idFromName(name),
    get: (id) => {
      const real = env.COUNTERS.get(id) as unknown as CounterStub
      const note = (m: string) => calls.set(m, (calls.get(m) ?? 0) + 1)
      return {
        observe: (i) => (note('observe'), carried.push((i.batches ?? []).reduce((n, b) => n + b.ops.length, 0)), real.observe(i)),
        apply: async (i) => {
          note('apply')
          const snap = await real.apply!(i)
          if (failApply.n > 0) {
            failApply.n--
            throw new Error('answer lost after the object applied the batch')
          }
          return snap
        },
        record: (i) => (note('record'), real.record(i)),
        deny: (e) => (note('deny'), real.deny(e)),
        undeny: (k) => (note('undeny'), real.undeny(k)),
      }
    },
  }
  return { ns, calls, failApply, carried }
}

/** An isolate of its own over the counted namespace, flushing every FLUSH_EVERY_MS (its flushes run when a test calls them). */
function isolate() {
  const counting = counted()
  const e: CountersEnv = { ...env, COUNTERS: counting.ns }
  const caches = new IsolateCaches()
  return { ...counting, e, caches, opts: { caches, defer: () => {}, flushEveryMs: FLUSH_EVERY_MS } }
}

const total = (calls: Map<string, number>) => [...calls.values()].reduce((a, b) => a + b, 0)
const ipOf = (read: JourneyRead) => (read.status === 'ok' ? read.counters.ip : null)
const peekIp = (k: JourneyKeys, now: number) => env.COUNTERS.get(env.COUNTERS.idFromName(counterName('ip', k.ip))).peek(now)

describe('page views and assets counted after the answer', () => {
  it('reads a client once, then decides its page views with no object call and sends them in one call per key', async () => {
    const { ns, calls } = counted()
    const e: CountersEnv = { ...env, COUNTERS: ns }
    const caches = new IsolateCaches()
    const deferred: Promise<unknown>[] = []
    const opts = { caches, defer: (p: Promise<unknown>) => void deferred.push(p), flushEveryMs: FLUSH_EVERY_MS, clock: () => T0 + 10_000 }
    const k = keys()
    const first = await observeRequest(e, k, page(T0), BUDGET, opts) // first sight: read inline (IP and prefix)
    expect(first.status).toBe('ok')
    expect(calls.get('observe')).toBe(2)
    calls.clear()
    let last: JourneyRead | null = null
    for (let i = 1; i <= 40; i++) last = await observeRequest(e, k, page(T0 + i * 100), BUDGET, opts)
    expect(Object.fromEntries(calls)).toEqual({}) // no request waited for an object
    // What the isolate knows: the first read's count plus the 40 it holds.
    expect(last && ipOf(last)?.counts.page_views['1m']).toBe(41)
    expect((await peekIp(k, T0 + 5_000)).counts.page_views['1m']).toBe(1) // not sent yet
    await Promise.all(deferred) // the one armed flush (after FLUSH_EVERY_MS)
    expect(calls.get('apply')).toBe(2) // one per key for all 40
    expect((await peekIp(k, T0 + 10_000)).counts.page_views['1m']).toBe(41)
  }, 20_000)

  it('carries the page views it still holds in a sign-in read, so the sign-in sees all of them in one round trip', async () => {
    const { ns, calls } = counted()
    const e: CountersEnv = { ...env, COUNTERS: ns }
    const caches = new IsolateCaches()
    const opts = { caches, defer: () => {}, flushEveryMs: 60_000 } // the flush never runs here
    const k = keys()
    await observeRequest(e, k, page(T0), BUDGET, opts)
    for (let i = 1; i < 40; i++) await observeRequest(e, k, page(T0 + i * 100), BUDGET, opts)
    calls.clear()
    const read = await observeRequest(e, { ...k, user: 'user-hash-held' }, login(T0 + 5_000), BUDGET, opts)
    expect(calls.get('observe')).toBe(3) // IP, prefix, username: one call each, in parallel
    expect(calls.get('apply') ?? 0).toBe(0)
    expect(ipOf(read)?.counts.page_views['1h']).toBe(40)
    expect(ipOf(read)?.counts.login_attempts['10m']).toBe(1)
    // And the object has them: nothing is left to send, nothing is sent twice.
    await flushJourney(e, T0 + 6_000, caches)
    expect((await peekIp(k, T0 + 6_000)).counts.page_views['1h']).toBe(40)
    expect((await peekIp(k, T0 + 6_000)).counts.requests['1h']).toBe(41)
  })

  it("serves assets with no object call: a client's deny check is the KV mirror's, and its counts ride with its keys' next call", async () => {
    const { calls, e, caches, opts: base } = isolate()
    const opts = { ...base, mirrorBudgetMs: 5_000 } // a loaded test box reads local KV slowly; the 5 ms budget is not what this tests
    // Listed by another isolate (object, registry, KV mirror): refused from its first asset here, with no object call.
    const listed = keys('dev-held-listed')
    expect(await denySource(env, { target: { kind: 'ip', ip: listed.ip }, reason: 'test', createdAt: T0, expiresAt: T0 + 600_000 }, T0, { caches: new IsolateCaches() })).toBe(true)
    expect((await observeRequest(e, listed, asset(T0), BUDGET, opts)).deny?.kind).toBe('ip')
    const k = keys('dev-held-asset')
    for (let i = 0; i < 5; i++) expect((await observeRequest(e, k, asset(T0 + i), BUDGET, opts)).deny).toBeNull()
    await flushJourney(e, T0 + 10, caches) // nothing holds writes of its own: the assets alone make no call
    expect(total(calls)).toBe(0)
    // The client's first page view reads its keys (first sight) and carries the five assets in that read.
    const read = await observeRequest(e, k, page(T0 + 20), BUDGET, opts)
    expect(calls.get('observe')).toBe(3) // device, address, prefix
    expect(read.status === 'ok' && read.counters.device?.counts.requests['1m']).toBe(6)
    expect((await peekIp(k, T0 + 30)).counts.requests['1m']).toBe(6)
  })

  it("asks the KV mirror for an asset's client at most once a minute per key, and decides on its counts meanwhile", async () => {
    const { calls, e, opts: base } = isolate()
    let gets = 0
    const kv = env.EDGEWARD_CONFIG
    const counting: CountersEnv = { ...e, EDGEWARD_CONFIG: { get: (key: string) => (gets++, kv.get(key)), put: (a, b, o) => kv.put(a, b, o), delete: (a) => kv.delete(a) } }
    const opts = { ...base, mirrorBudgetMs: 5_000 }
    const k = keys('dev-held-mirror')
    for (let i = 0; i < 20; i++) await observeRequest(counting, k, asset(T0 + i * 1_000), BUDGET, opts)
    expect(gets).toBe(2) // device and address, once each (the prefix holds no entries)
    await observeRequest(counting, k, asset(T0 + 61_000), BUDGET, opts)
    expect(gets).toBe(4)
    expect(total(calls)).toBe(0)
  })

  it('counts a batch once when its answer was lost and it is sent again', async () => {
    const { calls, failApply, e, caches, opts } = isolate()
    const k = keys()
    await observeRequest(e, k, page(T0), BUDGET, opts)
    for (let i = 1; i <= 7; i++) await observeRequest(e, k, page(T0 + i), BUDGET, opts)
    failApply.n = 2 // both keys apply, then their answers are lost
    await flushJourney(e, T0 + 100, caches)
    expect((await peekIp(k, T0 + 100)).counts.requests['1m']).toBe(8)
    // Not confirmed: the isolate still counts them once, and the next flush sends them again.
    const again = await observeRequest(e, k, page(T0 + 200), BUDGET, opts)
    expect(ipOf(again)?.counts.requests['1m']).toBe(9)
    calls.clear()
    await flushJourney(e, T0 + 300, caches)
    expect(calls.get('apply')).toBe(2)
    expect((await peekIp(k, T0 + 300)).counts.requests['1m']).toBe(9) // 7 sent twice, counted once; plus the 9th
    await flushJourney(e, T0 + 400, caches)
    expect(calls.get('apply')).toBe(2) // nothing left to send
    expect(caches.ledger.dropped).toBe(0)
  })

  it('still answers a cached deny hit with no call, and caches one a flush brings back', async () => {
    const { calls, e, caches, opts } = isolate()
    const k = keys()
    await observeRequest(e, k, page(T0), BUDGET, opts)
    // Listed elsewhere (another isolate, the admin API): this isolate learns it at its next flush.
    await env.COUNTERS.get(env.COUNTERS.idFromName(counterName('ip', k.ip))).deny({ target: { kind: 'ip', ip: k.ip }, reason: 'test', createdAt: T0, expiresAt: T0 + 600_000 })
    await observeRequest(e, k, page(T0 + 10), BUDGET, opts)
    await flushJourney(e, T0 + 20, caches)
    calls.clear()
    const read = await observeRequest(e, k, page(T0 + 30), BUDGET, opts)
    expect(read.status).toBe('missing')
    expect(read.deny?.kind).toBe('ip')
    expect(total(calls)).toBe(0)
  })

  it("sends a sign-in's refusal at once: another isolate's next attempt on the username counts it, before any flush", async () => {
    // A spread run lands each attempt on another isolate; held for a flush, every refusal would reach
    // the username's count flush_ms late, and each isolate could make that many more tries unseen.
    const a = isolate()
    const b = isolate()
    const held = { flushEveryMs: 60_000 } // neither isolate's flush runs here
    const user = 'user-hash-spread'
    const first = keys(null, user)
    await observeRequest(a.e, first, login(T0), BUDGET, { ...a.opts, ...held })
    await recordOutcome(a.e, first, 'login_failure', T0 + 10, { ...a.opts, ...held })
    const next = await observeRequest(b.e, keys(null, user), login(T0 + 20), BUDGET, { ...b.opts, ...held })
    expect(next.status === 'ok' && next.counters.user?.counts.login_failures['10m']).toBe(1)
  })

  it('holds a repeated set member once, and a client padding its address with new ones reads inline, a batch per read', async () => {
    const { calls, carried, e, caches, opts } = isolate()
    const held = { ...opts, flushEveryMs: 60_000 } // no flush here: only reads drain the key
    const k = keys()
    const view = (i: number, agent: string) => ({ ...page(T0 + i), agent })
    await observeRequest(e, k, view(0, 'same-browser'), BUDGET, held)
    for (let i = 1; i <= 300; i++) await observeRequest(e, k, view(i, 'same-browser'), BUDGET, held)
    const heldOps = () => caches.ledger.holding().map((h) => h.pending.length + h.sealed.reduce((n, s) => n + s.batch.ops.length, 0))
    expect(Math.max(...heldOps())).toBeLessThan(10) // bumps per grain and one add, not 300 adds
    calls.clear()
    // A new User-Agent on every request: each is a new member of the address's agents set.
    for (let i = 1; i <= 700; i++) await observeRequest(e, k, view(300 + i, `padding-${i}`), BUDGET, held)
    expect(calls.get('observe') ?? 0).toBeGreaterThan(0) // past HELD_OPS_MAX its requests read inline…
    expect(Math.max(...heldOps())).toBeLessThanOrEqual(512 + 256) // …and that drains it
    // Another client pads below that line, then signs in: its read carries one batch (≤ 256 ops), the rest stay held.
    const p = keys()
    await observeRequest(e, p, view(0, 'first'), BUDGET, held)
    for (let i = 1; i <= 450; i++) await observeRequest(e, p, view(i, `pad-${i}`), BUDGET, held)
    carried.length = 0
    const signIn = await observeRequest(e, { ...p, user: 'user-hash-padded' }, login(T0 + 2_000), BUDGET, held)
    expect(Math.max(...carried)).toBeLessThanOrEqual(256)
    expect(ipOf(signIn)?.counts.page_views['1m']).toBe(451) // what is not carried is still in the view
  }, 60_000)

  it('sends at most FLUSH_KEYS_MAX keys per flush, longest-holding first; the rest go with the next', async () => {
    const { calls, e, caches, opts } = isolate()
    const held = { ...opts, flushEveryMs: 60_000 }
    const clients = Array.from({ length: 130 }, () => keys())
    for (const k of clients) await observeRequest(e, k, page(T0), BUDGET, held) // read inline: IP and prefix
    for (const k of clients) await observeRequest(e, k, page(T0 + 1), BUDGET, held) // held
    const holding = caches.ledger.holding().length
    expect(holding).toBeGreaterThan(FLUSH_KEYS_MAX)
    calls.clear()
    await flushJourney(e, T0 + 10, caches)
    expect(calls.get('apply')).toBe(FLUSH_KEYS_MAX)
    expect(caches.ledger.holding()).toHaveLength(holding - FLUSH_KEYS_MAX)
    await flushJourney(e, T0 + 20, caches)
    expect(calls.get('apply')).toBe(holding)
    expect(caches.ledger.holding()).toHaveLength(0)
    expect((await peekIp(clients.at(-1)!, T0 + 30)).counts.page_views['1m']).toBe(2)
  }, 60_000)

  it('never holds writes longer than the config allows, whatever the test binding forces', () => {
    expect(flushMsOf('600000', 2_000)).toBe(10_000)
    expect(flushMsOf('0', 2_000)).toBe(0)
    expect(flushMsOf('junk', 2_000)).toBe(2_000)
  })

  it("an unblock's forget is not undone by writes another isolate held from before it", async () => {
    const { e, caches, opts } = isolate()
    const held = { ...opts, flushEveryMs: 60_000 }
    const k = keys()
    await observeRequest(e, k, page(T0), BUDGET, held)
    for (let i = 1; i <= 30; i++) await observeRequest(e, k, page(T0 + i), BUDGET, held) // held in this isolate
    const ip = env.COUNTERS.get(env.COUNTERS.idFromName(counterName('ip', k.ip)))
    await ip.forget(T0 + 5_000) // an unblock, from another isolate
    await flushJourney(e, T0 + 6_000, caches) // the 30 held from before it arrive late
    expect((await peekIp(k, T0 + 7_000)).counts.page_views['1m']).toBe(0)
    // What the source does after the unblock counts as ever.
    for (let i = 0; i < 3; i++) await observeRequest(e, k, page(T0 + 20_000 + i), BUDGET, held)
    await flushJourney(e, T0 + 21_000, caches)
    expect((await peekIp(k, T0 + 21_000)).counts.page_views['1m']).toBe(3)
  })

  it("looks a key's deny entry up in the KV mirror when its flush goes unanswered (fail closed)", async () => {
    const { failApply, e, caches, opts } = isolate()
    const k = keys()
    await observeRequest(e, k, page(T0), BUDGET, opts)
    await observeRequest(e, k, page(T0 + 10), BUDGET, opts) // held
    // Listed by another isolate (object, registry, KV mirror); this isolate's flush then loses its answers.
    expect(await denySource(env, { target: { kind: 'ip', ip: k.ip }, reason: 'test', createdAt: T0, expiresAt: T0 + 600_000 }, T0 + 20, { caches: new IsolateCaches() })).toBe(true)
    failApply.n = 2
    await flushJourney(e, T0 + 30, caches)
    const next = await observeRequest(e, k, page(T0 + 40), BUDGET, opts)
    expect(next.deny?.kind).toBe('ip')
  }, 20_000)

  it("ages its snapshot to the request's time: a 1-minute rate counts the last minute, not the snapshot's", async () => {
    const a = isolate()
    const b = isolate()
    const k = keys()
    await observeRequest(a.e, k, page(T0), BUDGET, a.opts) // another isolate's page view
    const first = await observeRequest(b.e, k, page(T0 + 50_000), BUDGET, b.opts) // read inline: both
    expect(first.status === 'ok' && first.counters.ip?.counts.page_views['1m']).toBe(2)
    b.calls.clear()
    // 55 s on, decided on the snapshot: T0's view is out of the minute, T0 + 50 s's still in.
    const later = await observeRequest(b.e, k, page(T0 + 105_000), BUDGET, b.opts)
    expect(b.calls.get('observe')).toBeUndefined()
    expect(later.status === 'ok' && later.counters.ip?.counts.page_views).toMatchObject({ '1m': 2, '10m': 3 })
    expect((await peekIp(k, T0 + 105_000)).counts.page_views['1m']).toBe(1) // the object's own, before b's flush
  })

  it('reads a page view inline again when its snapshot is older than a minute', async () => {
    const { calls, e, caches, opts } = isolate()
    const k = keys()
    await observeRequest(e, k, page(T0), BUDGET, opts)
    calls.clear()
    await observeRequest(e, k, page(T0 + 61_000), BUDGET, opts)
    expect(calls.get('observe')).toBe(2)
  })
})
