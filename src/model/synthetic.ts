// randomModelFile / randomRows: a shape (trees, depth, feature list) and a seed → a valid random
// ensemble or feature rows, for benchmarks and property tests. Never a model that decides anything.

import { prng } from './prng'
import type { ModelFile } from './format'

export interface RandomModelSpec {
  readonly trees: number
  readonly depth: number
  readonly features: readonly string[]
  readonly featureVersion: string
  readonly seed: number
  /** Probability that a node above the last level splits (1 = complete trees). */
  readonly splitProbability?: number
}

export function randomModelFile(spec: RandomModelSpec): ModelFile {
  const rnd = prng(spec.seed)
  const p = spec.splitProbability ?? 0.85
  const a = { offsets: [0], left: [] as number[], right: [] as number[], feature: [] as number[], threshold: [] as number[], default_left: [] as number[], value: [] as number[], cover: [] as number[] }
  let deepest = 0
  for (let t = 0; t < spec.trees; t++) {
    const start = a.left.length
    // Breadth-first growth: a queue of [local index, depth]; children are appended as a pair.
    const queue: Array<[number, number]> = [[0, 0]]
    pushNode(a, 100 + rnd() * 900)
    while (queue.length > 0) {
      const [i, d] = queue.shift()!
      const g = start + i
      if (d >= spec.depth || (i > 0 && rnd() > p)) {
        a.value[g] = Math.fround((rnd() - 0.5) * 0.4)
        deepest = Math.max(deepest, d)
        continue
      }
      const l = a.left.length - start
      a.left[g] = l
      a.right[g] = l + 1
      a.feature[g] = Math.floor(rnd() * spec.features.length)
      a.threshold[g] = Math.fround(rnd())
      a.default_left[g] = rnd() < 0.5 ? 1 : 0
      const c = a.cover[g]!
      const share = 0.1 + 0.8 * rnd()
      pushNode(a, c * share)
      pushNode(a, c * (1 - share))
      queue.push([l, d + 1], [l + 1, d + 1])
    }
    a.offsets.push(a.left.length)
  }
  return {
    schema_version: 1,
    model_version: `random-${spec.trees}x${spec.depth}-s${spec.seed}`,
    objective: 'binary:logistic',
    base_score: 0.5,
    features: { version: spec.featureVersion, names: spec.features },
    max_depth: deepest,
    trees: { count: spec.trees, ...a },
    metadata: { source: 'randomModelFile (synthetic, for benchmarks and tests)' },
  }
}

function pushNode(a: { left: number[]; right: number[]; feature: number[]; threshold: number[]; default_left: number[]; value: number[]; cover: number[] }, cover: number): void {
  a.left.push(-1)
  a.right.push(-1)
  a.feature.push(-1)
  a.threshold.push(0)
  a.default_left.push(0)
  a.value.push(0)
  a.cover.push(cover)
}

/** Rows of uniform [0, 1) float32 values with `missing` of the slots NaN. */
export function randomRows(n: number, features: number, missing: number, seed: number): Float32Array[] {
  const rnd = prng(seed)
  const rows: Float32Array[] = []
  for (let r = 0; r < n; r++) {
    const row = new Float32Array(features)
    for (let f = 0; f < features; f++) row[f] = rnd() < missing ? Number.NaN : rnd()
    rows.push(row)
  }
  return rows
}
