// splitRows / takeRows: a row count, test fraction and seed → a deterministic train/test split; a
// row-major matrix and row indices → those rows as a new matrix. Pure; for training only.

import { prng } from './prng'

export function splitRows(n: number, testFraction: number, seed: number): { train: number[]; test: number[] } {
  const rnd = prng(seed ^ 0x5eed)
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    const tmp = order[i]!
    order[i] = order[j]!
    order[j] = tmp
  }
  const cut = Math.round(n * testFraction)
  return { test: order.slice(0, cut).sort((a, b) => a - b), train: order.slice(cut).sort((a, b) => a - b) }
}

export function takeRows(x: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width)
  rows.forEach((r, i) => out.set(x.subarray(r * width, (r + 1) * width), i * width))
  return out
}
