import { describe, expect, it } from 'vitest'
import { synthesizeRows } from '../../src/cli/synth-data'
import { FEATURE_NAMES } from '../../src/features/list'
import { renderModelCard } from '../../src/model/card'
import { parseLabelledRows } from '../../src/model/dataset'
import { randomModelFile } from '../../src/model/synthetic'
import { scoreMetrics } from '../../src/model/metrics'
import { splitGroups, splitRows } from '../../src/model/split'

describe('training helpers', () => {
  it('computes AUC as the chance a positive outscores a negative, ties counting half', () => {
    expect(scoreMetrics([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], []).auc).toBe(1)
    expect(scoreMetrics([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], []).auc).toBe(0)
    expect(scoreMetrics([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], []).auc).toBe(0.5)
    expect(scoreMetrics([0.1, 0.6, 0.4, 0.9], [0, 0, 1, 1], []).auc).toBe(0.75)
  })

  it('picks the lowest threshold that keeps false positives within the target rate', () => {
    // 1000 negatives at 0.000 … 0.999, positives at 0.9985 and 0.5: FPR 0.2% allows 2 negatives (0.999, 0.998).
    const scores = [...Array.from({ length: 1000 }, (_, i) => i / 1000), 0.9985, 0.5]
    const labels = [...Array.from({ length: 1000 }, () => 0), 1, 1]
    const [m] = scoreMetrics(scores, labels, [0.002]).atFpr
    expect(m).toEqual({ fpr: 0.002, threshold: 0.998, recall: 0.5, falsePositives: 2 })
  })

  it('splits rows deterministically by seed without losing or repeating any', () => {
    const a = splitRows(100, 0.25, 7)
    expect(splitRows(100, 0.25, 7)).toEqual(a)
    expect(a.test).toHaveLength(25)
    expect([...a.train, ...a.test].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(splitRows(100, 0.25, 8).test).not.toEqual(a.test)
  })

  it('splits by session: no session has rows on both sides, and the test set holds about its share of rows', () => {
    // 60 sessions of 1–20 rows each, interleaved as a log would be.
    const groups: string[] = []
    for (let r = 0; r < 20; r++) for (let s = 0; s < 60; s++) if (r < 1 + (s % 20)) groups.push(`s${s}`)
    const a = splitGroups(groups, 0.25, 7)
    expect(splitGroups(groups, 0.25, 7)).toEqual(a)
    const testSessions = new Set(a.test.map((i) => groups[i]))
    const trainSessions = new Set(a.train.map((i) => groups[i]))
    expect([...testSessions].filter((s) => trainSessions.has(s))).toEqual([])
    expect(a.train.length + a.test.length).toBe(groups.length)
    expect(a.test.length / groups.length).toBeGreaterThanOrEqual(0.25)
    expect(a.test.length / groups.length).toBeLessThan(0.25 + 20 / groups.length)
    expect(a).toMatchObject({ groups: 60, testGroups: testSessions.size })
  })

  it('reads each row\'s session within its run, and gives a row without one its own', () => {
    const text = [
      '{"features":{},"label":1,"session":"s1","run":"seed-1.ndjson"}',
      '{"features":{},"label":1,"session":"s1","run":"seed-2.ndjson"}',
      '{"features":{},"label":0,"session":"s1","run":"seed-1.ndjson"}',
      '{"features":{},"label":0}',
      '{"features":{},"label":0}',
    ].join('\n')
    const r = parseLabelledRows(text, FEATURE_NAMES)
    if (!r.ok) throw new Error(r.detail)
    const [a, b, c, d, e] = r.value.session
    expect(a).toBe(c)
    expect(a).not.toBe(b) // the same session id in another seed is another session
    expect(d).not.toBe(e)
    expect(r.value.run).toEqual(['seed-1.ndjson', 'seed-2.ndjson', 'seed-1.ndjson', '', ''])
  })

  it('reads labelled NDJSON into a float32 matrix with NaN for null and absent features', () => {
    const text = '{"features":{"header_count":12,"asn_hosting":null},"label":1,"family":"x"}\n\n{"features":{},"label":0}\n'
    const r = parseLabelledRows(text, FEATURE_NAMES)
    if (!r.ok) throw new Error(r.detail)
    expect(r.value.rows).toBe(2)
    expect(r.value.x[FEATURE_NAMES.indexOf('header_count')]).toBe(12)
    expect(r.value.x[FEATURE_NAMES.indexOf('asn_hosting')]).toBeNaN()
    expect(Array.from(r.value.y)).toEqual([1, 0])
    expect(r.value.family).toEqual(['x', 'unlabelled_good'])
  })

  it.each([
    ['an unknown feature', '{"features":{"nope":1},"label":1}', /^line 2: unknown feature nope$/],
    ['a label that is not 0 or 1', '{"features":{},"label":2}', /^line 2: label/],
    ['a string value', '{"features":{"header_count":"12"},"label":0}', /^line 2: header_count/],
    ['a line that is not JSON', '{"features":', /^line 2: not JSON/],
  ])('refuses a file with %s, naming the line', (_name, line, message) => {
    const r = parseLabelledRows(`{"features":{},"label":0}\n${line}\n`, FEATURE_NAMES)
    expect(r.ok ? 'ok' : r.detail).toMatch(message)
  })

  it('synthesises both classes over real feature names, reproducibly per seed', () => {
    const rows = synthesizeRows(3000, 11)
    expect(synthesizeRows(3000, 11)).toEqual(rows)
    const bots = rows.filter((r) => r.label === 1).length
    expect(bots / rows.length).toBeGreaterThan(0.1)
    expect(bots / rows.length).toBeLessThan(0.4)
    for (const r of rows.slice(0, 200)) for (const k of Object.keys(r.features)) expect(FEATURE_NAMES).toContain(k)
    expect(new Set(rows.map((r) => r.family)).size).toBeGreaterThan(10)
  })

  it('writes a model card that says plainly when the training data is synthetic', () => {
    const file = randomModelFile({ trees: 3, depth: 2, features: FEATURE_NAMES, featureVersion: 'f1', seed: 1 })
    const metrics = scoreMetrics([0.1, 0.9, 0.2, 0.8], [0, 1, 0, 1], [0.001, 0.0002])
    const card = (synthetic: boolean) => renderModelCard({
      file, metrics, params: { trees: 3 }, gain: { header_count: 2, asn_hosting: 1 }, parityMaxDiff: 5e-8, command: 'npm run train -- …',
      data: { description: 'rows', synthetic, trainRows: 10, testRows: 4, families: { human: { rows: 7, label: 0 }, bot: { rows: 7, label: 1 } } },
    })
    expect(card(true)).toContain('**Trained on synthetic data.**')
    expect(card(false)).not.toContain('synthetic data.')
    // Counts and their Wilson 95 % intervals, not bare rates: 2 of 2 attacks caught is no 100 %.
    expect(card(true)).toMatch(/\| 0\.02% \| [0-9.]+ \| 2 of 2 = 100\.0% \[34\.24–100\.00 %\] \| 0 of 2 \[0\.00–65\.76 %\] \|/)
    expect(card(true)).toContain('| header_count | 66.7% |')
  })
})
