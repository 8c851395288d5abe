// contributions: a compiled model and one row → per-feature Saabas contributions in margin units
// (written into model.contrib, returned), plus nothing else. Allocation-free; overwrites its scratch.

import type { CompiledModel } from './compile'
import { fillSlots } from './predict'

/**
 * Walks the same padded paths as predictMargin. Each split on the path credits its feature with
 * expected(child) − expected(node); padding splits have equal values and credit nothing. By
 * telescoping, Σ contributions = Σ leaves − Σ root expectations = margin − model.bias.
 * The returned array is the model's scratch: read it before the next call.
 */
export function contributions(m: CompiledModel, row: Float32Array): Float64Array {
  const s = fillSlots(m, row)
  const c = m.contrib
  c.fill(0)
  const slot = m.slot
  const node = m.node
  const e = m.expected
  const depth = m.levels
  const stride = m.stride
  for (let t = 0; t < m.treeCount; t++) {
    const b = (t * stride) | 0
    let k = 0
    for (let d = 0; d < depth; d++) {
      const at = (b + k) | 0
      const sl = slot[at]!
      const next = ((k << 1) + 1 + (((s[sl]! >= node[at]!) as unknown as number) | 0)) | 0
      const f = sl >>> 1
      c[f] = c[f]! + e[b + next]! - e[at]!
      k = next
    }
  }
  return c
}
