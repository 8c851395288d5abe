import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FEATURE_NAMES, FEATURE_VERSION } from '../../src/features/list'
import { CODE_FEATURES, defaultModel } from '../../src/model/default'
import { predict } from '../../src/model/predict'
import { swapModel } from '../../src/model/swap'

const text = readFileSync(join(import.meta.dirname, '../../models/default/model.json'), 'utf8')
const withVersion = (v: string) => JSON.stringify({ ...JSON.parse(text), model_version: v })
const row = new Float32Array(FEATURE_NAMES.length).fill(Number.NaN)

describe('bundled default model', () => {
  it('loads against the code feature list and is compiled once per isolate', () => {
    const a = defaultModel()
    const b = defaultModel()
    expect(a.ok ? a.value.featureVersion : a.detail).toBe(FEATURE_VERSION)
    expect(a).toBe(b)
  })

  it('is within the size the issue allows (≤ 500 trees, depth ≤ 6)', () => {
    const m = defaultModel()
    if (!m.ok) throw new Error(m.detail)
    expect(m.value.treeCount).toBeLessThanOrEqual(500)
    expect(m.value.depth).toBeLessThanOrEqual(6)
  })
})

describe('model hot-swap', () => {
  const active = defaultModel()
  if (!active.ok) throw new Error(active.detail)

  it('swaps to a valid candidate with a new version and reports the previous one', () => {
    const r = swapModel(active.value, withVersion('default-next'), CODE_FEATURES)
    expect(r.swapped).toBe(true)
    if (!r.swapped) return
    expect(r.model.version).toBe('default-next')
    expect(r.previous).toBe(active.value.version)
    expect(predict(r.model, row)).toBe(predict(active.value, row))
  })

  it('keeps the active model, uncompiled, when the candidate has the same version', () => {
    const r = swapModel(active.value, text, CODE_FEATURES)
    expect(r).toEqual({ swapped: false, model: active.value, reason: 'same_version' })
  })

  it('keeps the active model and says why when the candidate is not JSON', () => {
    const r = swapModel(active.value, '{"model_version": "x", ', CODE_FEATURES)
    expect(r.swapped ? 'swapped' : r.reason).toBe('not_json')
    expect(r.model).toBe(active.value)
  })

  it('keeps the active model when the candidate was trained on another feature list', () => {
    const other = JSON.parse(withVersion('other-features')) as { features: { names: string[] } }
    other.features.names[0] = 'renamed'
    const r = swapModel(active.value, other, CODE_FEATURES)
    expect(r.swapped ? 'swapped' : r.reason).toBe('feature_mismatch')
    expect(r.model).toBe(active.value)
  })

  it('keeps the active model when there is no candidate', () => {
    expect(swapModel(active.value, null, CODE_FEATURES)).toEqual({ swapped: false, model: active.value, reason: 'no_candidate' })
  })

  it('offers no model when there was none and the candidate is refused', () => {
    const r = swapModel(null, '[]', CODE_FEATURES)
    expect(r).toMatchObject({ swapped: false, model: null, reason: 'bad_shape' })
  })

  it('accepts a parsed object as well as text', () => {
    const r = swapModel(null, JSON.parse(text), { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION })
    expect(r.swapped).toBe(true)
  })

})
