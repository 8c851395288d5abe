// The model stage inside workerd: the bundled default model loads there, and its scores match real
// XGBoost's on the committed parity fixture, as in Node. Imports src/model directly (no Worker wiring).
import { describe, expect, it } from 'vitest'
import parity from '../fixtures/model/parity.json'
import xgbSmall from '../fixtures/model/xgb-small.json'
import xgbSmallExpected from '../fixtures/model/xgb-small-expected.json'
import { FEATURE_INDEX, FEATURE_NAMES, type FeatureName } from '../../src/features/list'
import { CODE_FEATURES, defaultModel, explain, parseModel, predict, swapModel } from '../../src/model'
import { convertXGBoost } from '../../src/model/convert'
import { buildNaive, naivePredict } from '../../src/model/naive'

const toRow = (r: ReadonlyArray<number | null>) => Float32Array.from(r, (v) => (v === null ? Number.NaN : v))

describe('tree model inside workerd', () => {
  const loaded = defaultModel()

  it('loads the bundled default model against the code feature list', () => {
    expect(loaded.ok ? loaded.value.version : `${loaded.reason}: ${loaded.detail}`).toBe(parity.model_version)
  })

  it('matches real XGBoost probabilities within 1e-6 on every parity row, missing values included', () => {
    if (!loaded.ok) throw new Error(loaded.detail)
    expect(parity.rows.some((r) => r.includes(null))).toBe(true)
    let worst = 0
    parity.rows.forEach((r, i) => (worst = Math.max(worst, Math.abs(predict(loaded.value, toRow(r)) - parity.probabilities[i]!))))
    expect(worst).toBeLessThanOrEqual(1e-6)
  })

  it('agrees with the naive evaluator on every parity row', () => {
    if (!loaded.ok) throw new Error(loaded.detail)
    const naive = buildNaive(loaded.value.file)
    for (const r of parity.rows) expect(predict(loaded.value, toRow(r))).toBe(naivePredict(naive, toRow(r)))
  })

  it('converts a real XGBoost file and matches its predictions there too', () => {
    const file = convertXGBoost(xgbSmall, { ...CODE_FEATURES, modelVersion: 'small-1' })
    if (!file.ok) throw new Error(file.detail)
    const model = parseModel(file.value, CODE_FEATURES)
    if (!model.ok) throw new Error(model.detail)
    xgbSmallExpected.rows.forEach((r, i) => {
      const row = new Float32Array(FEATURE_NAMES.length).fill(Number.NaN)
      xgbSmallExpected.feature_names.forEach((name, j) => (row[FEATURE_INDEX[name as FeatureName]] = r[j] ?? Number.NaN))
      expect(Math.abs(predict(model.value, row) - xgbSmallExpected.probabilities[i]!)).toBeLessThanOrEqual(1e-6)
    })
  })

  it('names reasons for a decision and keeps the last good model when a bad one arrives', () => {
    if (!loaded.ok) throw new Error(loaded.detail)
    const reasons = explain(loaded.value, toRow(parity.rows[0]!), 3)
    expect(reasons.length).toBeGreaterThan(0)
    expect(FEATURE_NAMES).toContain(reasons[0]!.feature)
    const kept = swapModel(loaded.value, '{"schema_version": 1}', CODE_FEATURES)
    expect(kept.model).toBe(loaded.value)
    expect(kept.swapped ? 'swapped' : kept.reason).toBe('bad_objective')
  })
})
