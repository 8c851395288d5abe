import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FEATURE_INDEX, FEATURE_NAMES, FEATURE_VERSION, type FeatureName } from '../../src/features/list'
import { convertXGBoost, parseBaseScore } from '../../src/model/convert'
import { shortestFloat32 } from '../../src/model/float32'
import { parseModel } from '../../src/model/parse'
import { predict } from '../../src/model/predict'
import { serializeModel } from '../../src/model/serialize'

const CODE = { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION }
const dir = join(import.meta.dirname, '../fixtures/model')
const xgbText = readFileSync(join(dir, 'xgb-small.json'), 'utf8')
const expected = JSON.parse(readFileSync(join(dir, 'xgb-small-expected.json'), 'utf8')) as {
  feature_names: FeatureName[]; rows: Array<Array<number | null>>; probabilities: number[]
}
// XGBoost JSON, loosely typed: the table below mutates it freely.
type Xgb = { learner: Record<string, any> }
const xgb = () => JSON.parse(xgbText) as Xgb

/** A code-order row from the fixture's 6 named columns; every other feature missing. */
const codeRow = (r: Array<number | null>) => {
  const row = new Float32Array(FEATURE_NAMES.length).fill(Number.NaN)
  expected.feature_names.forEach((name, i) => (row[FEATURE_INDEX[name]] = r[i] ?? Number.NaN))
  return row
}

function convertAndScore(json: unknown): number[] {
  const file = convertXGBoost(json, { ...CODE, modelVersion: 'small-1' })
  if (!file.ok) throw new Error(`${file.reason}: ${file.detail}`)
  const model = parseModel(serializeModel(file.value), CODE)
  if (!model.ok) throw new Error(`${model.reason}: ${model.detail}`)
  return expected.rows.map((r) => predict(model.value, codeRow(r)))
}

describe('conversion from XGBoost JSON', () => {
  it('reads the base_score encodings XGBoost has used', () => {
    expect(parseBaseScore('5E-1')).toBe(0.5)
    expect(parseBaseScore('[5E-1]')).toBe(0.5)
    expect(parseBaseScore('[2.8571427E-1]')).toBe(Math.fround(0.28571427))
    expect(parseBaseScore(0.3)).toBe(Math.fround(0.3))
    expect(parseBaseScore('[5E-1,4E-1]')).toBeUndefined()
    expect(parseBaseScore('')).toBeUndefined()
    expect(parseBaseScore('abc')).toBeUndefined()
    expect(parseBaseScore(null)).toBeUndefined()
  })

  it('matches XGBoost 1.7 predictions for a model saved with the string base_score "3E-1"', () => {
    expect(xgb().learner.learner_model_param.base_score).toBe('3E-1')
    convertAndScore(xgb()).forEach((p, i) => expect(Math.abs(p - expected.probabilities[i]!)).toBeLessThanOrEqual(1e-6))
  })

  it('gives the same predictions when base_score is list-encoded as "[3E-1]" (XGBoost ≥ 2)', () => {
    const listed = xgb()
    listed.learner.learner_model_param.base_score = '[3E-1]'
    convertAndScore(listed).forEach((p, i) => expect(Math.abs(p - expected.probabilities[i]!)).toBeLessThanOrEqual(1e-6))
  })

  it('maps named XGBoost columns onto the code feature order', () => {
    const file = convertXGBoost(xgb(), { ...CODE, modelVersion: 'small-1' })
    if (!file.ok) throw new Error(file.detail)
    const used = new Set(file.value.trees.feature.filter((f) => f >= 0).map((f) => FEATURE_NAMES[f]))
    for (const name of used) expect(expected.feature_names).toContain(name)
    expect(used.size).toBeGreaterThan(1)
  })

  it('refuses a model whose feature names are not in the code list', () => {
    const m = xgb()
    m.learner.feature_names[0] = 'not_a_feature'
    const r = convertXGBoost(m, { ...CODE, modelVersion: 'x' })
    expect(r.ok ? 'ok' : r.reason).toBe('feature_mismatch')
  })

  it('refuses unnamed columns unless they are exactly the code list', () => {
    const m = xgb()
    m.learner.feature_names = []
    const r = convertXGBoost(m, { ...CODE, modelVersion: 'x' })
    expect(r.ok ? 'ok' : r.reason).toBe('feature_mismatch')
  })

  it.each([
    ['another objective', (m: Xgb): void => { m.learner.objective.name = 'reg:squarederror' }, 'unsupported'],
    ['a dart booster', (m: Xgb): void => { m.learner.gradient_booster.name = 'dart' }, 'unsupported'],
    ['categorical splits', (m: Xgb): void => { m.learner.gradient_booster.model.trees[0].split_type[0] = 1 }, 'unsupported'],
    ['several output groups', (m: Xgb): void => { m.learner.gradient_booster.model.tree_info[1] = 1 }, 'unsupported'],
    ['a base_score of 1', (m: Xgb): void => { m.learner.learner_model_param.base_score = '1E0' }, 'bad_base_score'],
    ['a child cycle', (m: Xgb): void => { m.learner.gradient_booster.model.trees[0].left_children[1] = 0 }, 'bad_tree'],
    ['short node arrays', (m: Xgb): void => { m.learner.gradient_booster.model.trees[0].sum_hessian.pop() }, 'bad_tree'],
    ['no learner at all', (m: Xgb): void => { delete (m as { learner?: unknown }).learner }, 'not_xgboost'],
  ] as Array<[string, (m: Xgb) => void, string]>)('refuses %s', (_name, mutate, reason) => {
    const m = xgb()
    mutate(m)
    const r = convertXGBoost(m, { ...CODE, modelVersion: 'x' })
    expect(r.ok ? 'ok' : r.reason).toBe(reason)
  })

  it('writes thresholds as the shortest decimals that read back as the same float32', () => {
    expect(shortestFloat32(Math.fround(0.55))).toBe(0.55)
    expect(shortestFloat32(Math.fround(1 / 3))).toBe(0.33333334)
    expect(Math.fround(shortestFloat32(Math.fround(123.456789)))).toBe(Math.fround(123.456789))
    const file = convertXGBoost(xgb(), { ...CODE, modelVersion: 'small-1' })
    if (!file.ok) throw new Error(file.detail)
    for (const t of file.value.trees.threshold) expect(String(t).replace(/^-?0?\.?/, '').replace(/e.*$/, '').length).toBeLessThanOrEqual(10)
  })
})
