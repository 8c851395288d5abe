// Eval metrics: ROC points, AUC on known cases, recall at a target FPR and the threshold chosen for
// it, per-family request and session rates, the action × label table, and the row parser.
import { describe, expect, it } from 'vitest'
import { confusionByAction, ruleCounts } from '../../src/cli/eval/confusion'
import { familyRecall, rocCurve, rocSummary } from '../../src/cli/eval/roc'
import { parseEvalRows, type EvalRow } from '../../src/cli/eval/rows'

const row = (risk: number, label: 0 | 1, extra: Partial<EvalRow> = {}): EvalRow => ({ risk, label, action: 'allow', family: label ? 'attack' : 'human', session: `s${risk}`, rules: [], ...extra })

describe('rocSummary', () => {
  it('gives AUC 1 when every attack scores above every person', () => {
    const rows = [row(0.1, 0), row(0.2, 0), row(0.3, 0), row(0.8, 1), row(0.9, 1)]
    expect(rocSummary(rows, [0.01]).auc).toBe(1)
  })

  it('gives AUC 0 when the order is inverted and 0.5 when every score ties', () => {
    expect(rocSummary([row(0.9, 0), row(0.1, 1)], []).auc).toBe(0)
    expect(rocSummary([row(0.5, 0), row(0.5, 1), row(0.5, 0), row(0.5, 1)], []).auc).toBe(0.5)
  })

  it('computes AUC as the share of (attack, person) pairs in the right order, ties half', () => {
    // attacks 0.4, 0.7; people 0.2, 0.4, 0.9 → pairs: (0.4 vs .2 ✓, .4 tie ½, .9 ✗), (0.7 vs .2 ✓, .4 ✓, .9 ✗) = 3.5 / 6
    const rows = [row(0.4, 1), row(0.7, 1), row(0.2, 0), row(0.4, 0), row(0.9, 0)]
    expect(rocSummary(rows, []).auc).toBeCloseTo(3.5 / 6, 12)
  })

  it('picks the lowest threshold that keeps the false-positive rate at or under the target', () => {
    // 1000 people at 0.001…1.000 (one each), 10 attacks at 0.9995 and 0.5.
    const people = Array.from({ length: 1000 }, (_, i) => row((i + 1) / 1000, 0))
    const attacks = [...Array.from({ length: 5 }, () => row(0.9995, 1)), ...Array.from({ length: 5 }, () => row(0.5, 1))]
    const m = rocSummary([...people, ...attacks], [0.01, 0.001])
    const at1 = m.atFpr.find((x) => x.fpr === 0.01)!
    // 1 % of 1000 = 10 people may be flagged: scores 0.991…1.000 → threshold 0.991.
    expect(at1.threshold).toBeCloseTo(0.991, 9)
    expect(at1.falsePositives).toBe(10)
    expect(at1.recall).toBe(0.5)
    const at01 = m.atFpr.find((x) => x.fpr === 0.001)!
    expect(at01.falsePositives).toBeLessThanOrEqual(1)
    expect(at01.recall).toBe(0.5)
  })

  it('flags nothing a person shares a score with when the target allows no false positive', () => {
    const m = rocSummary([row(0.9, 0), row(0.9, 1), row(0.95, 1), row(0.1, 0)], [0.0002])
    expect(m.atFpr[0]).toMatchObject({ threshold: 0.95, recall: 0.5, falsePositives: 0 })
  })
})

describe('rocCurve', () => {
  it('runs from (0,0) to (1,1), one point per distinct score, tied scores in one step', () => {
    const pts = rocCurve([0.9, 0.9, 0.5, 0.1], [1, 0, 1, 0])
    expect(pts.map((p) => [p.fpr, p.tpr])).toEqual([[0, 0], [0.5, 0.5], [0.5, 1], [1, 1]])
    expect(pts[1]!.threshold).toBe(0.9)
  })
})

describe('familyRecall', () => {
  it('counts requests and sessions at or above the threshold per family', () => {
    const rows = [
      row(0.95, 1, { family: 'stuffing', session: 'a' }), row(0.2, 1, { family: 'stuffing', session: 'a' }),
      row(0.1, 1, { family: 'stuffing', session: 'b' }), row(0.1, 0, { family: 'people', session: 'p' }),
    ]
    const [people, stuffing] = familyRecall(rows, 0.9)
    expect(people).toMatchObject({ family: 'people', label: 0, requests: 1, request_rate: 0, session_rate: 0 })
    expect(stuffing).toMatchObject({ family: 'stuffing', requests: 3, sessions: 2, session_rate: 0.5 })
    expect(stuffing!.request_rate).toBeCloseTo(1 / 3)
  })
})

describe('confusion and rules', () => {
  it('tabulates action × label with every action present', () => {
    const t = confusionByAction([row(0.1, 0), row(0.9, 1, { action: 'block' }), row(0.7, 1, { action: 'challenge' })])
    expect(t).toEqual([
      { action: 'allow', human: 1, attack: 0 }, { action: 'review', human: 0, attack: 0 }, { action: 'challenge', human: 0, attack: 1 },
      { action: 'rate_limit', human: 0, attack: 0 }, { action: 'block', human: 0, attack: 1 },
    ])
    expect(ruleCounts([row(0.9, 1, { rules: ['x'] }), row(0.1, 0, { rules: ['x'] })])).toEqual([{ rule: 'x', human: 1, attack: 1 }])
  })
})

describe('parseEvalRows', () => {
  it.each([
    ['not json', 'line 1: not JSON'],
    ['{"risk":0.1,"label":2}', 'line 1: label must be 0 or 1'],
    ['{"label":1}', 'line 1: risk must be a number'],
    ['', 'no rows'],
  ])('refuses %j', (text, detail) => {
    const r = parseEvalRows(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.detail).toBe(detail)
  })

  it('reads simulator rows and falls back to the IP for the session', () => {
    const r = parseEvalRows('{"risk":0.5,"label":1,"action":"block","family":"carding","ip":"127.1.2.3","rules":["carding_velocity"]}\n')
    expect(r.ok && r.value[0]).toEqual({ risk: 0.5, label: 1, action: 'block', family: 'carding', session: '127.1.2.3', rules: ['carding_velocity'] })
  })
})
