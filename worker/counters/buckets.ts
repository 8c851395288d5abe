// Bucketed sliding-window counters in SQL: one row per (metric, bucket width, bucket start).
// Takes the object's SqlStorage and the caller's time; returns window sums. No clock.
import { bucketsFor, pruneFloors, windowFloors, WINDOW_SPECS, type Windows } from '../../src/counters/windows'

export const BUCKETS_TABLE = `CREATE TABLE IF NOT EXISTS buckets (
  metric TEXT NOT NULL, res INTEGER NOT NULL, start INTEGER NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (metric, res, start)) WITHOUT ROWID`

/** Adds `n` to `metric` at time `t`, in each window's bucket series. */
export function bump(sql: SqlStorage, metric: string, n: number, t: number): void {
  for (const { res, start } of bucketsFor(t)) {
    sql.exec(
      'INSERT INTO buckets (metric, res, start, n) VALUES (?, ?, ?, ?) ON CONFLICT(metric, res, start) DO UPDATE SET n = n + excluded.n',
      metric,
      res,
      start,
      n,
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

/** The 1 min and 10 min windows' buckets at `now`, per metric, as flat triples (KeySnapshot.recent). */
export function readRecent(sql: SqlStorage, now: number): Map<string, number[]> {
  const f = windowFloors(now)
  const s = WINDOW_SPECS
  const rows = sql
    .exec<{ metric: string; res: number; start: number; n: number }>(
      'SELECT metric, res, start, n FROM buckets WHERE ((res = ? AND start >= ?) OR (res = ? AND start >= ?)) AND n > 0',
      s['1m'].res, f['1m'], s['10m'].res, f['10m'],
    )
    .toArray()
  const out = new Map<string, number[]>()
  for (const r of rows) {
    let list = out.get(r.metric)
    if (list === undefined) out.set(r.metric, (list = []))
    list.push(r.res, r.start, r.n)
  }
  return out
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
