// Distinct counting past the exact limit: a HyperLogLog with 2^10 registers whose
// registers keep the time they were last raised, so any suffix window can be read.
// Takes member strings and register rows; returns points and estimates; no storage, no clock.

/** Members kept exactly per set; past this the set is counted by the sketch. */
export const EXACT_LIMIT = 64
export const HLL_P = 10
export const HLL_M = 1 << HLL_P
/** Relative standard error of the estimate: 1.04 / sqrt(m) = 3.25 %. */
export const HLL_STD_ERROR = 1.04 / Math.sqrt(HLL_M)

/** A 64-bit non-cryptographic hash (cyrb53-style mixing) as two unsigned 32-bit halves. */
export function hash64(text: string): readonly [number, number] {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return [h1 >>> 0, h2 >>> 0]
}

/** The stored form of a member in the exact set: 16 hex chars (never the raw IP). */
export function memberId(member: string): string {
  const [a, b] = hash64(member)
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')
}

export interface HllPoint {
  /** Register index, 0..HLL_M-1 (top HLL_P bits of one half). */
  readonly idx: number
  /** Rank: position of the first 1-bit of the other half, 1..33. */
  readonly rho: number
}

/** The register point of a member, from its memberId (so stored ids can be re-sketched). */
export function hllPoint(id: string): HllPoint {
  const a = Number.parseInt(id.slice(0, 8), 16) >>> 0
  const b = Number.parseInt(id.slice(8, 16), 16) >>> 0
  return { idx: b >>> (32 - HLL_P), rho: Math.clz32(a) + 1 }
}

/**
 * Estimate from registers given as (idx, rho) pairs, the largest rho per idx (absent =
 * 0). Small cardinalities use linear counting (Flajolet et al. 2007, small-range correction).
 */
export function hllEstimate(registers: Iterable<{ readonly idx: number; readonly rho: number }>): number {
  const best = new Uint8Array(HLL_M)
  for (const { idx, rho } of registers) {
    if (idx >= 0 && idx < HLL_M && rho > (best[idx] ?? 0)) best[idx] = Math.min(rho, 64)
  }
  let sum = 0
  let zeros = 0
  for (const r of best) {
    sum += 2 ** -r
    if (r === 0) zeros++
  }
  const alpha = 0.7213 / (1 + 1.079 / HLL_M)
  const raw = (alpha * HLL_M * HLL_M) / sum
  if (raw <= 2.5 * HLL_M && zeros > 0) return Math.round(HLL_M * Math.log(HLL_M / zeros))
  return Math.round(raw)
}
