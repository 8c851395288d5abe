// validateTrees: the untrusted `trees` object, the declared depth and the feature count → the first
// problem found, or undefined when every tree is a well-formed binary tree. Never throws, never allocates per node.

import { err, type Err } from '../util/result'
import { MODEL_LIMITS, type ModelProblem } from './format'

type Problem = Err<ModelProblem>
const NODE_ARRAYS = ['left', 'right', 'feature', 'threshold', 'default_left', 'value', 'cover'] as const
const MAX_TREE_NODES = 2 ** (MODEL_LIMITS.maxDepth + 1) - 1

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number')
const finite32 = (x: number): boolean => Number.isFinite(Math.fround(x))

export function validateTrees(v: unknown, declaredDepth: number, featureCount: number): Problem | undefined {
  if (!isObj(v)) return err('bad_shape', 'trees: not an object')
  const count = v.count
  if (!Number.isInteger(count) || (count as number) < 1) return err('bad_shape', 'trees.count: a positive integer')
  if ((count as number) > MODEL_LIMITS.maxTrees) return err('too_large', `trees.count: more than ${MODEL_LIMITS.maxTrees} trees`)
  const padded = (count as number) * (2 ** (declaredDepth + 1) - 1)
  if (padded > MODEL_LIMITS.maxPaddedNodes) return err('too_large', `trees: ${padded} padded nodes exceed ${MODEL_LIMITS.maxPaddedNodes}`)

  const offsets = v.offsets
  if (!isNumberArray(offsets) || offsets.length !== (count as number) + 1) {
    return err('bad_shape', 'trees.offsets: an array of count + 1 numbers')
  }
  if (offsets[0] !== 0) return err('bad_tree', 'trees.offsets[0]: must be 0')
  for (let t = 0; t < (count as number); t++) {
    const size = offsets[t + 1]! - offsets[t]!
    if (!Number.isInteger(offsets[t + 1]) || size < 1) return err('bad_tree', `trees.offsets[${t + 1}]: trees must have at least one node`)
    if (size > MAX_TREE_NODES) return err('too_large', `trees[${t}]: ${size} nodes is deeper than ${MODEL_LIMITS.maxDepth} levels allow`)
  }
  const nodes = offsets[count as number]!
  for (const key of NODE_ARRAYS) {
    const a = v[key]
    if (!isNumberArray(a) || a.length !== nodes) return err('bad_shape', `trees.${key}: an array of ${nodes} numbers`)
  }
  const arrays = v as unknown as Record<(typeof NODE_ARRAYS)[number], number[]>
  const numbers = checkNumbers(arrays, nodes)
  if (numbers) return numbers

  const depth = new Int32Array(MAX_TREE_NODES)
  const parents = new Int32Array(MAX_TREE_NODES)
  let deepest = 0
  for (let t = 0; t < (count as number); t++) {
    const start = offsets[t]!
    const size = offsets[t + 1]! - start
    depth.fill(0, 0, size)
    parents.fill(0, 0, size)
    for (let i = 0; i < size; i++) {
      const g = start + i
      if (i > 0 && parents[i] !== 1) return err('bad_tree', `trees[${t}] node ${i}: has ${parents[i]} parents, a tree node has exactly 1`)
      const l = arrays.left[g]!
      const r = arrays.right[g]!
      const f = arrays.feature[g]!
      if (l === -1 && r === -1) {
        if (f !== -1) return err('bad_tree', `trees.feature[${g}]: a leaf has feature -1`)
        if (depth[i]! > deepest) deepest = depth[i]!
        continue
      }
      if (!Number.isInteger(f) || f < 0 || f >= featureCount) return err('bad_tree', `trees.feature[${g}]: feature index out of range 0…${featureCount - 1}`)
      for (const c of [l, r]) {
        if (!Number.isInteger(c) || c <= i || c >= size) return err('bad_tree', `trees[${t}] node ${i}: child ${c} must be a later node of the same tree`)
        parents[c]!++
        depth[c] = depth[i]! + 1
      }
      if (l === r) return err('bad_tree', `trees[${t}] node ${i}: left and right child are the same node`)
    }
  }
  if (deepest !== declaredDepth) return err('bad_tree', `max_depth: declared ${declaredDepth}, deepest tree has ${deepest}`)
  return undefined
}

function checkNumbers(a: Record<(typeof NODE_ARRAYS)[number], number[]>, nodes: number): Problem | undefined {
  for (let g = 0; g < nodes; g++) {
    if (!finite32(a.threshold[g]!)) return err('not_finite', `trees.threshold[${g}]: not a finite float32`)
    if (!finite32(a.value[g]!)) return err('not_finite', `trees.value[${g}]: not a finite float32`)
    const c = a.cover[g]!
    if (!Number.isFinite(c) || c < 0) return err('not_finite', `trees.cover[${g}]: not a finite number ≥ 0`)
    const d = a.default_left[g]!
    if (d !== 0 && d !== 1) return err('bad_shape', `trees.default_left[${g}]: 0 or 1`)
  }
  return undefined
}
