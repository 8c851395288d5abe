// Training rows from simulator rows: blanked features are gone, knocked-out ones go missing at about
// the asked rate, route and method are always kept, and the result is what the trainer reads.
import { describe, expect, it } from 'vitest'
import { CF_FEATURES, COUNTER_FEATURES, DEFAULT_BLANK, KNOCKOUT, prepareRow } from '../../src/cli/simulate/prepare'
import { random } from '../../src/cli/simulate/random'
import { FEATURE_NAMES } from '../../src/features/list'
import { parseLabelledRows } from '../../src/model/dataset'

const full = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i]))
const row = { ts: 't', ref: 'r1', ip: '127.1.2.3', label: 1, family: 'carding', session: 'carding-000', features: full }

describe('prepareRow', () => {
  it('drops the blanked features and keeps label, family, session and ref', () => {
    const out = prepareRow(row, { blank: DEFAULT_BLANK, knockout: 0, seed: 1 }, random(1).next)!
    for (const name of DEFAULT_BLANK) expect(out.features).not.toHaveProperty(name)
    expect(Object.keys(out.features as object)).toHaveLength(FEATURE_NAMES.length - DEFAULT_BLANK.length)
    expect(out).toMatchObject({ label: 1, family: 'carding', session: 'carding-000', ref: 'r1' })
    expect(out).not.toHaveProperty('ip')
  })

  it('knocks out inputs at about the asked rate but never route or method', () => {
    const rng = random(2)
    let kept = 0
    let total = 0
    for (let i = 0; i < 400; i++) {
      const f = prepareRow(row, { blank: [], knockout: 0.1, seed: 2 }, rng.next)!.features as Record<string, number>
      expect(f.route_class).toBe(0)
      expect(f.method_is_post).toBe(1)
      for (const n of KNOCKOUT) {
        total++
        if (n in f) kept++
      }
    }
    expect(1 - kept / total).toBeGreaterThan(0.08)
    expect(1 - kept / total).toBeLessThan(0.12)
  })

  it.each([
    ['every counter (a counters outage)', COUNTER_FEATURES, { counterOutage: 0.05 }, ['device_requests_1m'], [30, 75]],
    ['the request.cf inputs (a plan or local run without them)', CF_FEATURES, { cfMissing: 0.1 }, ['asn_hosting', 'tls_version', 'http_version'], [70, 130]],
  ] as const)('drops %s together on about the asked share of rows, and nothing else', (_what, group, rate, members, [low, high]) => {
    const rng = random(4)
    let dropped = 0
    for (let i = 0; i < 1000; i++) {
      const f = prepareRow(row, { blank: [], knockout: 0, seed: 4, ...rate }, rng.next)!.features as Record<string, number>
      const missing = group.filter((n) => !(n in f)).length
      expect([0, group.length]).toContain(missing)
      expect(Object.keys(f)).toHaveLength(FEATURE_NAMES.length - missing)
      if (missing > 0) dropped++
    }
    expect(group).toEqual(expect.arrayContaining([...members]))
    expect(dropped).toBeGreaterThan(low)
    expect(dropped).toBeLessThan(high)
  })

  it('skips rows without features or a 0/1 label, and writes rows the trainer accepts', () => {
    expect(prepareRow({ label: 1 }, { blank: [], knockout: 0, seed: 1 }, Math.random)).toBeNull()
    expect(prepareRow({ ...row, label: 'bad' }, { blank: [], knockout: 0, seed: 1 }, Math.random)).toBeNull()
    const text = JSON.stringify(prepareRow(row, { blank: DEFAULT_BLANK, knockout: 0.5, seed: 3 }, random(3).next))
    const parsed = parseLabelledRows(text, FEATURE_NAMES)
    expect(parsed.ok && parsed.value.family[0]).toBe('carding')
  })
})
