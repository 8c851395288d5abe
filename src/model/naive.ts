// buildNaive / naivePredictMargin: a validated ModelFile → an object graph of nodes, walked with
// if/else. Only a baseline for the benchmark and a cross-check in tests; never on the request path.

import { baseMarginOf } from './compile'
import type { ModelFile } from './format'

export interface NaiveNode {
  readonly leaf: boolean
  readonly value: number
  readonly feature: number
  readonly threshold: number
  readonly defaultLeft: boolean
  left: NaiveNode | null
  right: NaiveNode | null
}

export interface NaiveModel {
  readonly roots: readonly NaiveNode[]
  readonly baseMargin: number
}

export function buildNaive(file: ModelFile): NaiveModel {
  const t = file.trees
  const roots: NaiveNode[] = []
  for (let tree = 0; tree < t.count; tree++) {
    const start = t.offsets[tree]!
    const size = t.offsets[tree + 1]! - start
    const nodes: NaiveNode[] = []
    for (let i = 0; i < size; i++) {
      const g = start + i
      const leaf = t.left[g] === -1
      nodes.push({
        leaf,
        value: Math.fround(t.value[g]!),
        feature: leaf ? 0 : t.feature[g]!,
        threshold: Math.fround(t.threshold[g]!),
        defaultLeft: t.default_left[g] === 1,
        left: null,
        right: null,
      })
    }
    for (let i = 0; i < size; i++) {
      const n = nodes[i]!
      if (n.leaf) continue
      n.left = nodes[t.left[start + i]!]!
      n.right = nodes[t.right[start + i]!]!
    }
    roots.push(nodes[0]!)
  }
  return { roots, baseMargin: baseMarginOf(file.base_score) }
}

/** The same margin as predictMargin, by the textbook walk: missing → default child, x < t → left. */
export function naivePredictMargin(m: NaiveModel, row: Float32Array): number {
  let sum = m.baseMargin
  for (let t = 0; t < m.roots.length; t++) {
    let n = m.roots[t]!
    while (!n.leaf) {
      const x = row[n.feature]!
      if (x !== x) n = (n.defaultLeft ? n.left : n.right)!
      else n = (x < n.threshold ? n.left : n.right)!
    }
    sum = Math.fround(sum + n.value)
  }
  return sum
}

export function naivePredict(m: NaiveModel, row: Float32Array): number {
  return 1 / (1 + Math.exp(-naivePredictMargin(m, row)))
}
