// splitRows / splitGroups / takeRows: a row count (or each row's group), test fraction and seed → a
// deterministic train/test split; a row-major matrix and row indices → those rows as a new matrix.
// Pure; for training only.

import { prng } from './prng'

/** 0 … n−1 in a seeded Fisher–Yates order. */
function shuffledIndices(n: number, seed: number): number[] {
  const rnd = prng(seed)
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    const tmp = order[i]!
    order[i] = order[j]!
    order[j] = tmp
  }
  return order
}

export function splitRows(n: number, testFraction: number, seed: number): { train: number[]; test: number[] } {
  const order = shuffledIndices(n, seed ^ 0x5eed)
  const cut = Math.round(n * testFraction)
  return { test: order.slice(0, cut).sort((a, b) => a - b), train: order.slice(cut).sort((a, b) => a - b) }
}

/**
 * A split by group (a session, or a whole run = one simulator seed): every row of a group lands on
 * the same side, so the test set never holds rows of a session the model trained on (a row-level
 * split leaks that session's device, address and timing into both sides). Groups are taken into
 * the test set in a seeded order until it holds at least `testFraction` of the rows.
 */
export function splitGroups(groups: readonly string[], testFraction: number, seed: number): { train: number[]; test: number[]; testGroups: number; groups: number } {
  const unique = [...new Set(groups)]
  const rowsOf = new Map<string, number>()
  for (const g of groups) rowsOf.set(g, (rowsOf.get(g) ?? 0) + 1)
  const want = Math.round(groups.length * testFraction)
  const inTest = new Set<string>()
  let taken = 0
  for (const i of shuffledIndices(unique.length, seed ^ 0x9e0f)) {
    if (taken >= want) break
    const g = unique[i]!
    inTest.add(g)
    taken += rowsOf.get(g)!
  }
  const train: number[] = []
  const test: number[] = []
  groups.forEach((g, i) => (inTest.has(g) ? test : train).push(i))
  return { train, test, testGroups: inTest.size, groups: unique.length }
}

export function takeRows(x: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width)
  rows.forEach((r, i) => out.set(x.subarray(r * width, (r + 1) * width), i * width))
  return out
}
