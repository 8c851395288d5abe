// Sliding-window arithmetic over fixed buckets. Takes times in ms (the caller's `now`),
// returns bucket starts and window floors; no clock, no storage.

export const WINDOWS = ['1m', '10m', '1h', '24h'] as const
export type WindowName = (typeof WINDOWS)[number]

export interface WindowSpec {
  /** Window length (ms). */
  readonly ms: number
  /** Bucket width (ms) used to count this window. */
  readonly res: number
}

/**
 * Each window is counted from a bucket series: 1 min and 10 min from 10 s buckets, 1 h and 24 h from
 * 5 min buckets. Two series, not four (until 2026-12-07: 10 s, 1 min, 5 min, 1 h): every series is a
 * row written per event on each key, and storage is billed by rows written. What it costs: a read
 * covers up to 61 + 289 buckets instead of 7 + 11 + 13 + 25 (rows read cost a thousandth of a row
 * written; the long windows are summed inside SQLite, buckets.ts), and the edges are finer — the
 * 10 min window's 10 s, not a minute, the 24 h window's 5 min, not an hour.
 */
export const WINDOW_SPECS: Readonly<Record<WindowName, WindowSpec>> = {
  '1m': { ms: 60_000, res: 10_000 },
  '10m': { ms: 600_000, res: 10_000 },
  '1h': { ms: 3_600_000, res: 300_000 },
  '24h': { ms: 86_400_000, res: 300_000 },
}

/** The bucket widths an event is counted in, one row each: the distinct `res` of WINDOW_SPECS. */
export const SERIES: readonly number[] = [...new Set(WINDOWS.map((w) => WINDOW_SPECS[w].res))]

/** The series the 1 min and 10 min windows share: a snapshot carries its buckets (KeySnapshot.recent). */
export const SHORT_SERIES = WINDOW_SPECS['1m'].res

/**
 * Series written before 2026-12-07 and the series each moved into (buckets.ts fromFormerSeries): the
 * 10 min window's 1 min buckets into the 10 s series, the 24 h window's 1 h buckets into the 5 min one.
 */
export const FORMER_SERIES: ReadonlyArray<{ readonly former: number; readonly into: number }> = [
  { former: 60_000, into: 10_000 },
  { former: 3_600_000, into: 300_000 },
]

/** The longest window: nothing older than this is ever read. */
export const RETENTION_MS = WINDOW_SPECS['24h'].ms

export type Windows = Readonly<Record<WindowName, number>>

export const ZERO_WINDOWS: Windows = Object.freeze({ '1m': 0, '10m': 0, '1h': 0, '24h': 0 })

/** Start of the bucket of width `res` that holds time `t`. */
export function bucketStart(t: number, res: number): number {
  return Math.floor(t / res) * res
}

/**
 * The oldest bucket start a window still counts at `now`: the first multiple of `res`
 * strictly after `now - ms`. A bucket counts when its start is >= this floor, so an
 * event is counted for at least `ms - res` and at most `ms` after it happened — never
 * longer than the window.
 */
export function windowFloor(now: number, w: WindowName): number {
  const { ms, res } = WINDOW_SPECS[w]
  return bucketStart(now - ms, res) + res
}

/** Every window's floor at `now`, in WINDOWS order. */
export function windowFloors(now: number): Readonly<Record<WindowName, number>> {
  return { '1m': windowFloor(now, '1m'), '10m': windowFloor(now, '10m'), '1h': windowFloor(now, '1h'), '24h': windowFloor(now, '24h') }
}

/** Bucket starts (one per series) that an event at `t` increments. */
export function bucketsFor(t: number): ReadonlyArray<{ readonly res: number; readonly start: number }> {
  return SERIES.map((res) => ({ res, start: bucketStart(t, res) }))
}

/** Pure reference count: sum of `rows` per window at `now` (used by tests and small reads). */
export function sumWindows(rows: Iterable<{ res: number; start: number; n: number }>, now: number): Windows {
  const floors = windowFloors(now)
  const out: Record<WindowName, number> = { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }
  for (const row of rows) {
    for (const w of WINDOWS) {
      if (row.res === WINDOW_SPECS[w].res && row.start >= floors[w]) out[w] += row.n
    }
  }
  return out
}

/** Each series' longest window (WINDOWS is in order of length): its floor is the series' oldest bucket still read. */
const SERIES_LONGEST: readonly WindowName[] = SERIES.map((res) => WINDOWS.filter((w) => WINDOW_SPECS[w].res === res).at(-1)!)

/**
 * For each series, the oldest bucket start any of its windows still counts at `now`: a read need
 * look no further back, and a bucket below it can be deleted.
 */
export function seriesFloors(now: number): ReadonlyArray<{ readonly res: number; readonly below: number }> {
  return SERIES.map((res, i) => ({ res, below: windowFloor(now, SERIES_LONGEST[i]!) }))
}

/** The short series' floor at `now` (seriesFloors' entry for SHORT_SERIES): the oldest 10 s bucket a read needs. */
export function shortSeriesFloor(now: number): number {
  return windowFloor(now, SERIES_LONGEST[SERIES.indexOf(SHORT_SERIES)]!)
}
