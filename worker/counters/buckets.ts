// Bucketed sliding-window counters in SQL: one row per (metric, bucket width, bucket start).
// Takes the object's SqlStorage and the caller's time; returns window sums. No clock.
import { bucketsFor, pruneFloors, windowFloors, WINDOW_SPECS, type Windows } from '../../src/counters/windows'

export const BUCKETS_TABLE = `CREATE TABLE IF NOT EXISTS buckets (
  metric TEXT NOT NULL, res INTEGER NOT NULL, start INTEGER NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (metric, res, start)) WITHOUT ROWID`

/** Adds `n` to `metric` at time `t`, in each window's bucket series. */
export function bump(sql: SqlStorage, metric: string, n: number, t: number): void {
  bumpAll(sql, [{ metric, n, at: t }])
}

/** Bound parameters per statement: a Durable Object's SQL takes at most 100. */
const MAX_PARAMS = 100
const PARAMS_PER_ROW = 4

/**
 * Adds each bump in each window's bucket series, as few statements as the parameter limit allows (one
 * for a request's bumps): every statement crosses into SQLite and was most of an observe's time
 * (`BENCH_ONLY=objects`). A multi-row upsert applies its rows in order, a repeated bucket included.
 */
export function bumpAll(sql: SqlStorage, bumps: readonly { readonly metric: string; readonly n: number; readonly at: number }[]): void {
  const rows: (string | number)[][] = []
  for (const b of bumps) for (const { res, start } of bucketsFor(b.at)) rows.push([b.metric, res, start, b.n])
  const perStatement = Math.floor(MAX_PARAMS / PARAMS_PER_ROW)
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement)
    sql.exec(
      `INSERT INTO buckets (metric, res, start, n) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')} ON CONFLICT(metric, res, start) DO UPDATE SET n = n + excluded.n`,
      ...chunk.flat(),
    )
  }
}

/** Takes back one `metric` counted at exactly `t` (a bump undone: same buckets), never below zero. */
export function unbump(sql: SqlStorage, metric: string, t: number): void {
  for (const { res, start } of bucketsFor(t)) {
    sql.exec('UPDATE buckets SET n = n - 1 WHERE metric = ? AND res = ? AND start = ? AND n > 0', metric, res, start)
  }
}

type SumRow = { metric: string; w1m: number; w10m: number; w1h: number; w24h: number }

/** Every metric's window sums at `now` (metrics never counted are absent). */
export function readWindows(sql: SqlStorage, now: number): Map<string, Windows> {
  const f = windowFloors(now)
  const s = WINDOW_SPECS
  const rows = sql
    .exec<SumRow>(
      `SELECT metric,
        SUM(CASE WHEN res = ? AND start >= ? THEN n ELSE 0 END) AS w1m,
        SUM(CASE WHEN res = ? AND start >= ? THEN n ELSE 0 END) AS w10m,
        SUM(CASE WHEN res = ? AND start >= ? THEN n ELSE 0 END) AS w1h,
        SUM(CASE WHEN res = ? AND start >= ? THEN n ELSE 0 END) AS w24h
      FROM buckets GROUP BY metric`,
      s['1m'].res, f['1m'], s['10m'].res, f['10m'], s['1h'].res, f['1h'], s['24h'].res, f['24h'],
    )
    .toArray()
  const out = new Map<string, Windows>()
  for (const r of rows) out.set(r.metric, { '1m': r.w1m, '10m': r.w10m, '1h': r.w1h, '24h': r.w24h })
  return out
}

/**
 * A key's windows (as readWindows) and its 1 min and 10 min buckets (KeySnapshot.recent) from one scan of the buckets a window still counts at `now` (the Counters
 * snapshot: one statement where it took two). Each window sums its own series' buckets from its floor;
 * the 1 min and 10 min series' nonzero buckets are also returned as flat triples.
 */
export function readBuckets(sql: SqlStorage, now: number): { readonly windows: Map<string, Windows>; readonly recent: Map<string, number[]> } {
  const f = windowFloors(now)
  const s = WINDOW_SPECS
  const rows = sql
    .exec(
      `SELECT metric, res, start, n FROM buckets
       WHERE n > 0 AND ((res = ? AND start >= ?) OR (res = ? AND start >= ?) OR (res = ? AND start >= ?) OR (res = ? AND start >= ?))`,
      s['1m'].res, f['1m'], s['10m'].res, f['10m'], s['1h'].res, f['1h'], s['24h'].res, f['24h'],
    )
    .raw()
  const windows = new Map<string, Windows>()
  const recent = new Map<string, number[]>()
  for (const [metricValue, resValue, startValue, nValue] of rows) {
    const metric = String(metricValue)
    const res = Number(resValue)
    const n = Number(nValue)
    let w = windows.get(metric) as Record<keyof Windows, number> | undefined
    if (w === undefined) windows.set(metric, (w = { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }))
    if (res === s['1m'].res) w['1m'] += n
    else if (res === s['10m'].res) w['10m'] += n
    else if (res === s['1h'].res) w['1h'] += n
    else w['24h'] += n
    if (res === s['1m'].res || res === s['10m'].res) {
      let list = recent.get(metric)
      if (list === undefined) recent.set(metric, (list = []))
      list.push(res, Number(startValue), n)
    }
  }
  return { windows, recent }
}

/** Deletes buckets no window can count any more at `now`. */
export function pruneBuckets(sql: SqlStorage, now: number): void {
  for (const { res, below } of pruneFloors(now)) sql.exec('DELETE FROM buckets WHERE res = ? AND start < ?', res, below)
}

/** Start of the newest bucket, or null when empty (for idle-object cleanup). */
export function newestBucket(sql: SqlStorage): number | null {
  const row = sql.exec<{ t: number | null }>('SELECT MAX(start) AS t FROM buckets').toArray()[0]
  return row?.t ?? null
}
