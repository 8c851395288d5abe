// The console's time ranges: which minutes a chart covers and how they are bucketed. Takes the
// range name and the caller's time; returns minute bounds. No clock.
import { MINUTE_MS } from './batch'

export const RANGES = ['hour', 'day', 'week'] as const
export type Range = (typeof RANGES)[number]
export const isRange = (v: unknown): v is Range => typeof v === 'string' && (RANGES as readonly string[]).includes(v)

export interface Span {
  readonly range: Range
  /** First minute covered (inclusive) and the end (exclusive), in minutes since the epoch. */
  readonly fromMinute: number
  readonly toMinute: number
  readonly bucketMinutes: number
  readonly buckets: number
  /** Totals read from the hourly rows (a day or a week), else from the minutes. */
  readonly hours: boolean
}

const SHAPE: Readonly<Record<Range, { bucketMinutes: number; buckets: number }>> = {
  hour: { bucketMinutes: 1, buckets: 60 },
  day: { bucketMinutes: 15, buckets: 96 },
  week: { bucketMinutes: 60, buckets: 168 },
}

export function spanOf(range: Range, now: number): Span {
  const { bucketMinutes, buckets } = SHAPE[range]
  // Buckets end with the current (partial) one; a day or a week ends on an hour, so its totals (read
  // from the hourly rows) cover exactly the minutes its bars do.
  const align = range === 'hour' ? 1 : 60
  const toMinute = (Math.floor(now / MINUTE_MS / align) + 1) * align
  return { range, fromMinute: toMinute - bucketMinutes * buckets, toMinute, bucketMinutes, buckets, hours: range !== 'hour' }
}
