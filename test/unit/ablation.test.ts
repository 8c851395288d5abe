// Ablation arithmetic: which arms are trained, and which losses are flagged as a collapse.
import { describe, expect, it } from 'vitest'
import { ablationArms, ablationTable, gainShares } from '../../src/cli/ablation/compare'

const baseline = { auc: 0.99, recallAt0001: 0.8, gain: { ip_requests_1m: 60, header_count: 30, asn_hosting: 10 } }

describe('ablation', () => {
  it('trains one arm per feature family, then the top features by gain', () => {
    const arms = ablationArms(baseline.gain, { journey: ['ip_requests_1m'], environmental: ['header_count', 'asn_hosting'] }, 2)
    expect(arms.map((a) => a.name)).toEqual(['family:journey', 'family:environmental', 'ip_requests_1m', 'header_count'])
    expect(arms[1]!.blank).toEqual(['header_count', 'asn_hosting'])
  })

  it('reports gain as shares of the total, largest first', () => {
    expect(gainShares(baseline.gain)).toEqual({ ip_requests_1m: 0.6, header_count: 0.3, asn_hosting: 0.1 })
    expect(gainShares({})).toEqual({})
  })

  it('flags an arm whose loss passes the recall or AUC bound, and no other', () => {
    const t = ablationTable(baseline, [
      { name: 'ip_requests_1m', kind: 'feature', blank: ['ip_requests_1m'], figures: { auc: 0.97, recallAt0001: 0.5, gain: {} } },
      { name: 'header_count', kind: 'feature', blank: ['header_count'], figures: { auc: 0.985, recallAt0001: 0.75, gain: {} } },
      { name: 'family:journey', kind: 'family', blank: [], figures: { auc: 0.9, recallAt0001: 0.79, gain: {} } },
    ])
    expect(t.flagged).toEqual(['ip_requests_1m', 'family:journey'])
    expect(t.rows[1]).toMatchObject({ collapse: false })
    expect(t.rows[0]!.recall_drop).toBeCloseTo(0.3)
    expect(t.markdown).toContain('| `ip_requests_1m` | 0.9700 | 50.0 % | 30.0 % | **yes** |')
  })
})
