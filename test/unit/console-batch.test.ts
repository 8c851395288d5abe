// The console's pure parts in plain Node: an isolate's pending batch stays bounded (keys per minute,
// sample lines), a batch from the wire is checked, drill-down filters drop what they cannot read,
// and the day and week spans end on the hour.
import { describe, expect, it } from 'vitest'
import { cellsOf, cleanBatch, FORWARD_SAMPLE_CAP, ISOLATE_SAMPLE_CAP, MAX_KEYS_PER_MINUTE, OTHER_KEY, PendingConsole, pickSample, ROOT_SAMPLE_CAP, wouldRows, type SampleLine } from '../../src/console/batch'
import { ZONE_SHARDS } from '../../src/counters/keys'
import { filterQuery, matches, parseFilter, topSources } from '../../src/console/filter'
import { spanOf } from '../../src/console/range'

const AT = Date.UTC(2026, 11, 6, 12, 34, 56)

function line(i: number, extra: Partial<SampleLine> = {}): SampleLine {
  return {
    at: AT + i, ref: `r${i}`, method: 'GET', host: 'h.test', path: '/', route: 'other', ip: '203.0.113.1', asn: 64500, country: 'DE', device: null, user: null,
    agent: null, risk: 0, model_risk: null, action: 'allow', would_action: 'allow', mode: 'enforce', reasons: [], rules: [], model: 'm', config: 'c',
    origin_status: 200, missing: [], detail: null, status: null, ua: '', features: null, ...extra,
  }
}

describe('an isolate pending batch', () => {
  it('counts each decision once per dimension and empties on take', () => {
    const p = new PendingConsole()
    p.note(line(1, { action: 'block', reasons: ['a', 'a', 'b'], rules: ['r'] }))
    p.note(line(2, { action: 'block', route: 'login' }))
    const b = p.take()
    const n = (dim: string, key: string) => b.minutes.filter((c) => c[1] === dim && c[2] === key).reduce((s, c) => s + c[3], 0)
    expect(n('action', 'block')).toBe(2)
    expect(n('reason', 'a')).toBe(1)
    expect(n('route', 'login|block')).toBe(1)
    expect(n('route', 'other|block')).toBe(1)
    expect(b.sample.map((s) => s.ref)).toEqual(['r1', 'r2'])
    expect(p.take()).toEqual({ minutes: [], sample: [] })
  })

  it('adds a would cell only when would_action differs from action, and enforce\'s view is rebuilt from action', () => {
    // Enforce: would_action repeats action on every line — no cell for it on the request path.
    expect(cellsOf(line(1, { action: 'block', would_action: 'block' })).filter((c) => c[1] === 'would')).toEqual([])
    expect(cellsOf(line(2)).filter((c) => c[1] === 'would')).toEqual([])
    // Shadow: allowed, would have been blocked.
    expect(cellsOf(line(3, { action: 'allow', would_action: 'block', mode: 'shadow' })).filter((c) => c[1] === 'would').map((c) => c[2])).toEqual(['allow>block'])
    const p = new PendingConsole()
    for (const [action, would_action] of [['allow', 'allow'], ['allow', 'block'], ['allow', 'challenge'], ['block', 'block'], ['rate_limit', 'rate_limit']] as const) p.note(line(0, { action, would_action }))
    const b = p.take()
    const rows = (dim: string) => b.minutes.filter((c) => c[1] === dim).map((c) => ({ bucket: 0, key: c[2], n: c[3] }))
    const would = wouldRows(rows('action'), rows('would')).sort((a, b) => a.key.localeCompare(b.key))
    expect(would).toEqual([{ bucket: 0, key: 'allow', n: 1 }, { bucket: 0, key: 'block', n: 2 }, { bucket: 0, key: 'challenge', n: 1 }, { bucket: 0, key: 'rate_limit', n: 1 }])
    // Totals (no bucket); an (other) would key is left out, not misread.
    expect(wouldRows([{ key: 'allow', n: 3 }], [{ key: 'allow>block', n: 3 }, { key: OTHER_KEY, n: 1 }])).toEqual([{ key: 'block', n: 3 }])
  })

  it('keeps MAX_KEYS_PER_MINUTE keys per minute and dimension; the rest count under (other)', () => {
    const p = new PendingConsole()
    for (let i = 0; i < MAX_KEYS_PER_MINUTE + 20; i++) p.note(line(i, { host: `host-${i}.test` }))
    const hosts = p.take().minutes.filter((c) => c[1] === 'host')
    expect(hosts).toHaveLength(MAX_KEYS_PER_MINUTE + 1)
    expect(hosts.find((c) => c[2] === OTHER_KEY)?.[3]).toBe(20)
    expect(hosts.reduce((s, c) => s + c[3], 0)).toBe(MAX_KEYS_PER_MINUTE + 20)
  })

  it('keeps the newest ISOLATE_SAMPLE_CAP lines between flushes, and caps long keys', () => {
    const p = new PendingConsole()
    for (let i = 0; i < ISOLATE_SAMPLE_CAP * 3 + 7; i++) p.note(line(i, { host: 'x'.repeat(500) }))
    const b = p.take()
    expect(b.sample).toHaveLength(ISOLATE_SAMPLE_CAP)
    expect(b.sample.at(-1)?.ref).toBe(`r${ISOLATE_SAMPLE_CAP * 3 + 6}`)
    expect(b.minutes.find((c) => c[1] === 'host')?.[2]).toHaveLength(100)
  })

  it('a flush carries at most ISOLATE_SAMPLE_CAP lines, mitigated ones first; a forward at most FORWARD_SAMPLE_CAP', () => {
    // The forward quota: eight shards forwarding at once send no more than the root keeps.
    expect(FORWARD_SAMPLE_CAP * ZONE_SHARDS).toBeLessThanOrEqual(ROOT_SAMPLE_CAP)
    expect(FORWARD_SAMPLE_CAP).toBeGreaterThanOrEqual(ISOLATE_SAMPLE_CAP)
    const p = new PendingConsole()
    const n = ISOLATE_SAMPLE_CAP * 2 - 1 // kept between flushes (trimmed in halves)
    for (let i = 0; i < n; i++) p.note(line(i, i % 50 === 3 ? { action: i % 100 === 3 ? 'block' : 'challenge' } : {}))
    const sample = p.take().sample
    expect(sample).toHaveLength(ISOLATE_SAMPLE_CAP)
    const mitigated = Array.from({ length: n }, (_, i) => i).filter((i) => i % 50 === 3).map((i) => `r${i}`)
    expect(sample.filter((s) => s.action !== 'allow').map((s) => s.ref)).toEqual(mitigated) // every one, though most are old
    const allowed = ISOLATE_SAMPLE_CAP - mitigated.length
    expect(sample.filter((s) => s.action === 'allow').map((s) => s.ref)).toEqual(
      Array.from({ length: n }, (_, i) => i).filter((i) => i % 50 !== 3).slice(-allowed).map((i) => `r${i}`), // then the newest
    )
    expect(sample.map((s) => s.at)).toEqual([...sample.map((s) => s.at)].sort((a, b) => a - b))
    expect(pickSample([line(1), line(2)], 5).map((s) => s.ref)).toEqual(['r1', 'r2'])
  })

  it('cleans a batch from the wire: junk cells and lines are dropped, never thrown', () => {
    for (const junk of [null, 3, 'x', [], { minutes: 'x' }, { sample: [null, 1, {}] }]) expect(cleanBatch(junk)).toEqual({ minutes: [], sample: [] })
    const b = cleanBatch({ minutes: [[1, 'action', 'allow', 2], [1.5, 'action', 'allow', 1], [1, 'nope', 'k', 1], [1, 'host', 'k', -1], [1, 'host', 7, 1]], sample: [line(1), { ref: 'x' }] })
    expect(b.minutes).toEqual([[1, 'action', 'allow', 2]])
    expect(b.sample.map((s) => s.ref)).toEqual(['r1'])
  })
})

describe('drill-down filters', () => {
  it('keeps readable values and drops the rest', () => {
    expect(parseFilter({ action: 'block', asn: '64500', from: '12', to: 'x', ip: '\u0000bad', reason: 'r'.repeat(200), route: '' })).toEqual({ action: 'block', asn: 64500, from: 12 })
  })

  it('matches on every field and round-trips as a query', () => {
    const f = parseFilter({ action: 'block', reason: 'a', from: String(AT), to: String(AT + 10) })
    expect(matches(line(1, { action: 'block', reasons: ['a'] }), f)).toBe(true)
    expect(matches(line(1, { action: 'block', reasons: ['b'] }), f)).toBe(false)
    expect(matches(line(11, { action: 'block', reasons: ['a'] }), f)).toBe(false)
    expect(parseFilter(Object.fromEntries(new URLSearchParams(filterQuery(f))))).toEqual(f)
  })

  it('counts top sources with their mitigated share', () => {
    const top = topSources([line(1, { ip: 'a', action: 'block' }), line(2, { ip: 'a' }), line(3, { ip: 'b', action: 'challenge' })], 'ip', 5)
    expect(top).toEqual([{ key: 'a', n: 2, mitigated: 1 }, { key: 'b', n: 1, mitigated: 1 }])
  })
})

describe('spans', () => {
  it('an hour is 60 minutes ending with the current one; a day and a week end on the hour', () => {
    const m = Math.floor(AT / 60_000)
    expect(spanOf('hour', AT)).toMatchObject({ toMinute: m + 1, fromMinute: m - 59, buckets: 60, hours: false })
    const day = spanOf('day', AT)
    expect(day.toMinute % 60).toBe(0)
    expect(day.toMinute - day.fromMinute).toBe(1440)
    expect(day.toMinute).toBeGreaterThan(m)
    const week = spanOf('week', AT)
    expect(week.toMinute - week.fromMinute).toBe(7 * 1440)
    expect(week.fromMinute % 60).toBe(0)
  })
})
