// Wilson score intervals for rates (the simulator's, the model card's): takes successes and trials, returns the 95 %
// interval [low, high] (null when there were no trials). Pure. Wilson rather than the normal
// approximation because the rates that matter sit at 0 or 1 (0 of 800 people, 40 of 40 attempts),
// where the normal interval collapses to a width of zero.

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054

export type Interval = readonly [low: number, high: number]

export function wilson(successes: number, trials: number, z = Z95): Interval | null {
  if (!(trials > 0)) return null
  if (!(successes >= 0 && successes <= trials)) throw new RangeError(`wilson: ${successes} successes of ${trials} trials`)
  const p = successes / trials
  const z2 = z * z
  const denom = 1 + z2 / trials
  const centre = (p + z2 / (2 * trials)) / denom
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))
  // Clamp the rounding at the ends: 0 of n has low exactly 0, n of n high exactly 1.
  return [successes === 0 ? 0 : Math.max(0, centre - half), successes === trials ? 1 : Math.min(1, centre + half)]
}

/** A rate with its count and interval, as the report carries every rate. */
export interface Rate {
  readonly k: number
  readonly n: number
  readonly share: number | null
  readonly ci95: Interval | null
}

export const rate = (k: number, n: number): Rate => ({ k, n, share: n === 0 ? null : k / n, ci95: wilson(k, n) })

/** Four decimals are plenty for a 95 % bound and keep the JSON line short. */
export const round4 = (i: Interval | null): Interval | null => (i === null ? null : [Math.round(i[0] * 1e4) / 1e4, Math.round(i[1] * 1e4) / 1e4])
