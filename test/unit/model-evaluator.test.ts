import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileModel, type CompiledModel } from '../../src/model/compile'
import { contributions } from '../../src/model/contributions'
import { explain } from '../../src/model/explain'
import type { ModelFile } from '../../src/model/format'
import { buildNaive, naivePredictMargin } from '../../src/model/naive'
import { parseModel } from '../../src/model/parse'
import { predict, predictMargin } from '../../src/model/predict'
import { randomModelFile, randomRows } from '../../src/model/synthetic'
import { validateModelFile } from '../../src/model/validate'

const NAMES = Array.from({ length: 12 }, (_, i) => `f${i}`)
const EXPECT = { features: NAMES, featureVersion: 'prop-1' }
const tiny = parseModel(readFileSync(join(import.meta.dirname, '../fixtures/model/good/tiny.json'), 'utf8'), { features: ['f0', 'f1', 'f2', 'f3'], featureVersion: 'test-1' })
if (!tiny.ok) throw new Error(tiny.detail)
const row4 = (...v: number[]) => Float32Array.from(v)

/** Reference Saabas walk over the unpadded file: contribution = mean(child) − mean(node). */
function referenceContributions(file: ModelFile, row: Float32Array): Float64Array {
  const t = file.trees
  const out = new Float64Array(file.features.names.length)
  for (let tree = 0; tree < t.count; tree++) {
    const s = t.offsets[tree]!
    const mean = (i: number): number => {
      if (t.left[s + i] === -1) return Math.fround(t.value[s + i]!)
      const l = t.left[s + i]!, r = t.right[s + i]!
      const cl = t.cover[s + l]!, cr = t.cover[s + r]!
      return cl + cr > 0 ? (cl * mean(l) + cr * mean(r)) / (cl + cr) : (mean(l) + mean(r)) / 2
    }
    let i = 0
    while (t.left[s + i] !== -1) {
      const x = row[t.feature[s + i]!]!
      const next = Number.isNaN(x) ? (t.default_left[s + i] === 1 ? t.left[s + i]! : t.right[s + i]!) : x < Math.fround(t.threshold[s + i]!) ? t.left[s + i]! : t.right[s + i]!
      out[t.feature[s + i]!]! += mean(next) - mean(i)
      i = next
    }
  }
  return out
}

const arbModel = fc.record({ trees: fc.integer({ min: 1, max: 40 }), depth: fc.integer({ min: 0, max: 8 }), seed: fc.integer(), split: fc.double({ min: 0.3, max: 1, noNaN: true }) })
  .map(({ trees, depth, seed, split }) => randomModelFile({ trees, depth, features: NAMES, featureVersion: 'prop-1', seed, splitProbability: split }))
/** Values that hit the thresholds exactly, fall between them, are missing, infinite or −0. */
const arbValue = fc.oneof(fc.double({ min: -0.5, max: 1.5, noNaN: true }), fc.constantFrom(Number.NaN, 0, -0, 1, 0.5, Infinity, -Infinity), fc.integer({ min: 0, max: 1000 }).map((i) => i / 1000))
/** A random model with rows whose values are often exactly one of its thresholds. */
const arbCase = arbModel.chain((file) => {
  const thresholds = file.trees.threshold.filter((_, i) => file.trees.left[i] !== -1)
  const value = thresholds.length > 0 ? fc.oneof(arbValue, fc.constantFrom(...thresholds)) : arbValue
  const row = fc.array(value, { minLength: NAMES.length, maxLength: NAMES.length }).map((v) => Float32Array.from(v))
  return fc.tuple(fc.constant(file), fc.array(row, { minLength: 1, maxLength: 8 }))
})

describe('padded branch-free evaluator', () => {
  it('follows XGBoost split semantics: x < t left, x ≥ t right, NaN to the default side', () => {
    const m = tiny.value
    // tree 0: f0 < 0.5 → (f1 < 10 → −0.2 | 0.1); f0 ≥ 0.5 → 0.4; NaN f0 → left. tree 1: f2 < −1 → 0.05 else −0.05; NaN → right.
    expect(predictMargin(m, row4(0.5, 0, 0, 0))).toBe(Math.fround(0.4 - 0.05))
    expect(predictMargin(m, row4(Math.fround(0.49999997), 9.999999, -1.5, 0))).toBe(Math.fround(Math.fround(-0.2) + Math.fround(0.05)))
    expect(predictMargin(m, row4(Number.NaN, 10, Number.NaN, 0))).toBe(Math.fround(Math.fround(0.1) - Math.fround(0.05)))
    expect(predictMargin(m, row4(Number.NaN, Number.NaN, -Infinity, 0))).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.05)))
    expect(predictMargin(m, row4(-Infinity, -0, Infinity, 0))).toBe(Math.fround(Math.fround(-0.2) - Math.fround(0.05)))
  })

  it('turns the margin into a probability with the logistic function and base_score 0.5 as margin 0', () => {
    const r = row4(0.5, 0, 0, 0)
    expect(predict(tiny.value, r)).toBeCloseTo(1 / (1 + Math.exp(-predictMargin(tiny.value, r))), 15)
    expect(tiny.value.baseMargin).toBe(0)
    expect(Object.is(tiny.value.baseMargin, -0)).toBe(false)
  })

  it('equals the naive object-graph walk bit for bit on random models and rows', () => {
    fc.assert(
      fc.property(arbCase, ([file, rows]) => {
        expect(validateModelFile(file, EXPECT).ok).toBe(true)
        const padded = compileModel(file)
        const naive = buildNaive(file)
        for (const row of rows) expect(predictMargin(padded, row)).toBe(naivePredictMargin(naive, row))
      }),
      { numRuns: 150 },
    )
  })

  it('equals the naive walk beyond the six straight-line levels and for tree counts off the group of eight', () => {
    // Depths 7–10 run the loop after level 6 (up to four times); depths below 6 are padded to 6;
    // tree counts that are not a multiple of 8 end with padding trees whose leaves are −0.
    for (const [trees, depth] of [[13, 10], [9, 9], [17, 7], [1, 6], [7, 2], [3, 0]] as const) {
      const file = randomModelFile({ trees, depth, features: NAMES, featureVersion: 'prop-1', seed: trees * 31 + depth, splitProbability: 0.95 })
      expect(validateModelFile(file, EXPECT).ok).toBe(true)
      const padded = compileModel(file)
      expect(padded.levels).toBe(Math.max(6, file.max_depth))
      expect(padded.groups * 8).toBeGreaterThanOrEqual(trees)
      const naive = buildNaive(file)
      for (const row of randomRows(200, NAMES.length, 0.2, trees + depth)) expect(predictMargin(padded, row)).toBe(naivePredictMargin(naive, row))
    }
  })

  it('refuses a row of the wrong length as a programming error', () => {
    expect(() => predict(tiny.value, new Float32Array(3))).toThrow(TypeError)
  })

  it('does not change the row it scores', () => {
    const r = row4(Number.NaN, 3, -2, 1)
    predict(tiny.value, r)
    explain(tiny.value, r, 3)
    expect(Array.from(r)).toEqual([Number.NaN, 3, -2, 1])
  })
})

describe('reasons (Saabas contributions)', () => {
  const check = (m: CompiledModel, file: ModelFile, row: Float32Array) => {
    const c = contributions(m, row)
    const sum = c.reduce((a, b) => a + b, 0)
    expect(sum).toBeCloseTo(predictMargin(m, row) - m.bias, 4)
    const ref = referenceContributions(file, row)
    c.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 9))
  }

  it('sum to the margin minus the bias and equal a walk of the unpadded trees', () => {
    fc.assert(
      fc.property(arbCase, ([file, rows]) => {
        const m = compileModel(file)
        for (const row of rows) check(m, file, row)
      }),
      { numRuns: 100 },
    )
  })

  it('credit only the features on the path for the tiny model', () => {
    const c = contributions(tiny.value, row4(0.7, Number.NaN, -3, 5))
    expect(c[1]).toBe(0)
    expect(c[3]).toBe(0)
    // tree 0 root mean = (60·(25·−0.2 + 35·0.1)/60 + 40·0.4)/100 = 0.145 → right leaf 0.4.
    expect(c[0]).toBeCloseTo(Math.fround(0.4) - 0.145, 6)
  })

  it('name the top k by |contribution| with their signs, largest first', () => {
    const m = tiny.value
    const r = explain(m, row4(0.1, 3, 5, 0), 4)
    const all = Array.from(contributions(m, row4(0.1, 3, 5, 0)))
    expect(r.map((x) => x.feature)).toEqual(['f1', 'f0', 'f2'])
    expect(r.map((x) => x.contribution)).toEqual([all[1], all[0], all[2]])
    expect(explain(m, row4(0.1, 3, 5, 0), 1)).toHaveLength(1)
    expect(explain(m, row4(0.1, 3, 5, 0), 0)).toEqual([])
  })

  it('in positive order, name only features that pushed the score up', () => {
    // f0 = 0.1 goes left (−0.17), f1 = 12 reaches leaf 0.1 (+0.125), f2 = −3 reaches leaf 0.05 (+0.07).
    const r = explain(tiny.value, row4(0.1, 12, -3, 0), 4, 'positive')
    expect(r.map((x) => x.feature)).toEqual(['f1', 'f2'])
    for (const x of r) expect(x.contribution).toBeGreaterThan(0)
    for (let i = 1; i < r.length; i++) expect(r[i - 1]!.contribution).toBeGreaterThanOrEqual(r[i]!.contribution)
  })
})
