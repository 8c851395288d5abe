// explain: a compiled model, one row and k → the k features that moved this row's margin most, with
// their Saabas contributions (margin units). Allocates only the k results; never changes the score.

import type { CompiledModel } from './compile'
import { contributions } from './contributions'

export interface Reason {
  readonly feature: string
  /** Margin units (log-odds): positive pushes toward bot / fraud, negative toward legitimate. */
  readonly contribution: number
}

/**
 * `abs` (default): the k largest |contribution|, both signs — why this score, high or low.
 * `positive`: the k largest contributions above zero — what pushed the risk up (for a block or
 * challenge reason). Ties break on feature order. Features contributing exactly 0 never appear.
 */
export const REASON_ORDERS = ['abs', 'positive'] as const
export type ReasonOrder = (typeof REASON_ORDERS)[number]

export function explain(m: CompiledModel, row: Float32Array, k: number, order: ReasonOrder = 'abs'): Reason[] {
  const c = contributions(m, row)
  const n = c.length
  const out: Reason[] = []
  const take = Math.min(Math.max(0, Math.floor(k)), n)
  // Selection by repeated max over ≤ n features: O(n·k), no sort, no temporary arrays.
  let prevKey = Infinity
  let prevIndex = -1
  for (let r = 0; r < take; r++) {
    let best = -1
    let bestKey = 0
    for (let i = 0; i < n; i++) {
      const v = c[i]!
      const key = order === 'abs' ? Math.abs(v) : v
      if (!(key > 0)) continue
      // Strictly after the previous pick in (key desc, index asc) order.
      if (key > prevKey || (key === prevKey && i <= prevIndex)) continue
      if (best === -1 || key > bestKey) {
        best = i
        bestKey = key
      }
    }
    if (best === -1) break
    out.push({ feature: m.features[best]!, contribution: c[best]! })
    prevKey = bestKey
    prevIndex = best
  }
  return out
}
