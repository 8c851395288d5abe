// predict / predictMargin: a compiled model and one feature row (Float32Array, NaN = missing) → the
// probability (or raw margin). Allocation-free and branch-free per split; must not keep the row.

import type { CompiledModel } from './compile'

/** Copy the row into two slots per feature: missing → −Inf (goes left) and +Inf (goes right). */
export function fillSlots(m: CompiledModel, row: Float32Array): Float32Array {
  const s = m.rowSlots
  const n = m.featureCount
  if (row.length !== n) throw new TypeError(`feature row has ${row.length} values, model ${m.version} expects ${n}`)
  for (let f = 0; f < n; f++) {
    const x = row[f]!
    const missing = x !== x
    s[2 * f] = missing ? -Infinity : x
    s[2 * f + 1] = missing ? Infinity : x
  }
  return s
}

/**
 * XGBoost's margin: float32(logit(base_score)) plus every tree's leaf, summed in float32 in tree
 * order. Eight trees descend together (their loads overlap); each level picks child 2k+1 or 2k+2
 * from (x ≥ t) as 0/1, so no branch depends on the data.
 */
export function predictMargin(m: CompiledModel, row: Float32Array): number {
  const s = fillSlots(m, row)
  const slot = m.slot
  const node = m.node
  const depth = m.depth
  const stride = m.stride
  const trees = m.treeCount
  const f = Math.fround
  let sum = m.baseMargin
  let t = 0
  for (; t + 8 <= trees; t += 8) {
    const b0 = (t * stride) | 0
    const b1 = (b0 + stride) | 0
    const b2 = (b1 + stride) | 0
    const b3 = (b2 + stride) | 0
    const b4 = (b3 + stride) | 0
    const b5 = (b4 + stride) | 0
    const b6 = (b5 + stride) | 0
    const b7 = (b6 + stride) | 0
    let k0 = 0
    let k1 = 0
    let k2 = 0
    let k3 = 0
    let k4 = 0
    let k5 = 0
    let k6 = 0
    let k7 = 0
    for (let d = 0; d < depth; d++) {
      k0 = ((k0 << 1) + 1 + (((s[slot[(b0 + k0) | 0]!]! >= node[(b0 + k0) | 0]!) as unknown as number) | 0)) | 0
      k1 = ((k1 << 1) + 1 + (((s[slot[(b1 + k1) | 0]!]! >= node[(b1 + k1) | 0]!) as unknown as number) | 0)) | 0
      k2 = ((k2 << 1) + 1 + (((s[slot[(b2 + k2) | 0]!]! >= node[(b2 + k2) | 0]!) as unknown as number) | 0)) | 0
      k3 = ((k3 << 1) + 1 + (((s[slot[(b3 + k3) | 0]!]! >= node[(b3 + k3) | 0]!) as unknown as number) | 0)) | 0
      k4 = ((k4 << 1) + 1 + (((s[slot[(b4 + k4) | 0]!]! >= node[(b4 + k4) | 0]!) as unknown as number) | 0)) | 0
      k5 = ((k5 << 1) + 1 + (((s[slot[(b5 + k5) | 0]!]! >= node[(b5 + k5) | 0]!) as unknown as number) | 0)) | 0
      k6 = ((k6 << 1) + 1 + (((s[slot[(b6 + k6) | 0]!]! >= node[(b6 + k6) | 0]!) as unknown as number) | 0)) | 0
      k7 = ((k7 << 1) + 1 + (((s[slot[(b7 + k7) | 0]!]! >= node[(b7 + k7) | 0]!) as unknown as number) | 0)) | 0
    }
    sum = f(sum + node[b0 + k0]!)
    sum = f(sum + node[b1 + k1]!)
    sum = f(sum + node[b2 + k2]!)
    sum = f(sum + node[b3 + k3]!)
    sum = f(sum + node[b4 + k4]!)
    sum = f(sum + node[b5 + k5]!)
    sum = f(sum + node[b6 + k6]!)
    sum = f(sum + node[b7 + k7]!)
  }
  for (; t < trees; t++) {
    const b = (t * stride) | 0
    let k = 0
    for (let d = 0; d < depth; d++) k = ((k << 1) + 1 + (((s[slot[(b + k) | 0]!]! >= node[(b + k) | 0]!) as unknown as number) | 0)) | 0
    sum = f(sum + node[b + k]!)
  }
  return sum
}

/** The probability XGBoost's predict() returns for binary:logistic: sigmoid(margin). */
export function predict(m: CompiledModel, row: Float32Array): number {
  return 1 / (1 + Math.exp(-predictMargin(m, row)))
}
