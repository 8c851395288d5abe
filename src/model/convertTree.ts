// convertTree: one tree of an XGBoost JSON model + a feature-index map → its nodes renumbered
// breadth-first (children as a pair) appended to the flat arrays. Returns a problem or the tree depth.

import { err, ok, type Result } from '../util/result'
import { shortestFloat32 } from './float32'

export interface FlatArrays {
  readonly left: number[]
  readonly right: number[]
  readonly feature: number[]
  readonly threshold: number[]
  readonly default_left: number[]
  readonly value: number[]
  readonly cover: number[]
}

export type TreeProblem = 'bad_tree' | 'unsupported' | 'feature_mismatch'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const numbers = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? v : undefined)
/** XGBoost ≤ 1.7 writes default_left as 0/1; later versions may write booleans. */
const flags = (v: unknown): number[] | undefined =>
  Array.isArray(v) && v.every((x) => x === 0 || x === 1 || typeof x === 'boolean') ? v.map((x) => (x === true || x === 1 ? 1 : 0)) : undefined

export function convertTree(tree: unknown, at: number, featureMap: readonly number[], out: FlatArrays): Result<number, TreeProblem> {
  const where = `trees[${at}]`
  if (!isRecord(tree)) return err('bad_tree', `${where}: not an object`)
  const left = numbers(tree.left_children)
  const right = numbers(tree.right_children)
  const index = numbers(tree.split_indices)
  const cond = numbers(tree.split_conditions)
  const hess = numbers(tree.sum_hessian)
  const dflt = flags(tree.default_left)
  if (!left || !right || !index || !cond || !hess || !dflt) return err('bad_tree', `${where}: missing or non-numeric node arrays`)
  const n = left.length
  if (n === 0 || [right, index, cond, hess, dflt].some((a) => a.length !== n)) return err('bad_tree', `${where}: node arrays differ in length`)
  const types = tree.split_type === undefined ? [] : numbers(tree.split_type)
  if (!types || types.some((x) => x !== 0)) return err('unsupported', `${where}: categorical splits are not supported`)

  // Breadth-first from the root: XGBoost may keep deleted (unreachable) nodes; they are dropped.
  const order = [0]
  const depth = [0]
  const seen = new Uint8Array(n)
  seen[0] = 1
  let deepest = 0
  for (let q = 0; q < order.length; q++) {
    const i = order[q]!
    const d = depth[q]!
    const l = left[i]!
    const r = right[i]!
    const isLeaf = l === -1
    out.cover.push(Number(hess[i]!.toPrecision(7)))
    if (isLeaf) {
      if (r !== -1) return err('bad_tree', `${where} node ${i}: has one child`)
      out.left.push(-1)
      out.right.push(-1)
      out.feature.push(-1)
      out.threshold.push(0)
      out.default_left.push(0)
      out.value.push(shortestFloat32(cond[i]!))
      deepest = Math.max(deepest, d)
      continue
    }
    for (const c of [l, r]) {
      if (!Number.isInteger(c) || c <= 0 || c >= n || seen[c] === 1) return err('bad_tree', `${where} node ${i}: bad child ${c}`)
      seen[c] = 1
      order.push(c)
      depth.push(d + 1)
    }
    const f = featureMap[index[i]!]
    if (!Number.isInteger(index[i]) || f === undefined || f < 0) return err('feature_mismatch', `${where} node ${i}: split on unknown feature ${index[i]}`)
    out.left.push(order.length - 2)
    out.right.push(order.length - 1)
    out.feature.push(f)
    out.threshold.push(shortestFloat32(cond[i]!))
    out.default_left.push(dflt[i]!)
    out.value.push(0)
  }
  return ok(deepest)
}
