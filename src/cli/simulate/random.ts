// Seeded randomness for the simulator: takes a seed (and a key, so each session draws from its
// own stream whatever order sessions run in), returns helpers over src/model/prng. Not for secrets.
import { prng, type Rng } from '../../model/prng'

export interface Random {
  readonly next: Rng
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number
  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks by weight: [[item, weight], …]. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T
  /** Log-normal with the given median and spread (sigma of the log). */
  lognormal(median: number, sigma: number): number
  normal(mean: number, sd: number): number
  shuffle<T>(items: readonly T[]): T[]
  /** A child stream for `key`, independent of how much this one has been used. */
  fork(key: string): Random
}

/** FNV-1a of a string, to turn (seed, key) into a 32-bit seed. */
export function hashKey(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

export function random(seed: number, key = ''): Random {
  const base = hashKey(seed, key)
  const next = prng(base)
  const r: Random = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    between: (lo, hi) => lo + next() * (hi - lo),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new TypeError('pick from an empty list')
      return items[Math.floor(next() * items.length)]!
    },
    weighted: (items) => {
      const total = items.reduce((s, [, w]) => s + w, 0)
      let x = next() * total
      for (const [item, w] of items) {
        x -= w
        if (x < 0) return item
      }
      return items[items.length - 1]![0]
    },
    lognormal: (median, sigma) => median * Math.exp(sigma * r.normal(0, 1)),
    normal: (mean, sd) => {
      const u = Math.max(next(), 1e-12)
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
    },
    shuffle: (items) => {
      const out = [...items]
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[out[i], out[j]] = [out[j]!, out[i]!]
      }
      return out
    },
    fork: (k) => random(base, k),
  }
  return r
}
