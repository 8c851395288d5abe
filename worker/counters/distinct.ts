// Distinct members per set over sliding windows: exact (up to EXACT_LIMIT ids per set),
// then a time-stamped HyperLogLog. Takes SqlStorage, members and the caller's time;
// returns counts per window. Stores 64-bit ids, never raw IPs. No clock.
import { EXACT_LIMIT, hllEstimate, hllPoint, memberId, type HllPoint } from '../../src/counters/sketch'
import { RETENTION_MS, WINDOWS, WINDOW_SPECS, type Windows, type WindowName } from '../../src/counters/windows'

export const DISTINCT_TABLES = [
  `CREATE TABLE IF NOT EXISTS members (set_name TEXT NOT NULL, member TEXT NOT NULL, seen INTEGER NOT NULL,
    PRIMARY KEY (set_name, member)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS sets (set_name TEXT PRIMARY KEY, dropped_at INTEGER NOT NULL, sketch_since INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS sketch (set_name TEXT NOT NULL, idx INTEGER NOT NULL, rho INTEGER NOT NULL, seen INTEGER NOT NULL,
    PRIMARY KEY (set_name, idx, rho)) WITHOUT ROWID`,
] as const

type SetState = { dropped_at: number; sketch_since: number }

function stateOf(sql: SqlStorage, set: string): SetState | null {
  return sql.exec<SetState>('SELECT dropped_at, sketch_since FROM sets WHERE set_name = ?', set).toArray()[0] ?? null
}

/** Adds one sighting of `member` at `now`. */
export function addMember(sql: SqlStorage, set: string, member: string, now: number): void {
  const id = memberId(member)
  let state = stateOf(sql, set)
  // A member seen before (the common case: a device's address, a person's own username): one statement.
  const known = sql.exec('UPDATE members SET seen = max(seen, ?) WHERE set_name = ? AND member = ?', now, set, id).rowsWritten > 0
  if (!known && countMembers(sql, set) < EXACT_LIMIT) {
    sql.exec('INSERT INTO members (set_name, member, seen) VALUES (?, ?, ?)', set, id, now)
  } else if (!known) {
    // Full: this sighting is not kept exactly. Windows that contain it read the sketch,
    // which (when it starts now) is backfilled with every kept id at its last sighting.
    if (state === null) backfill(sql, set)
    sql.exec(
      `INSERT INTO sets (set_name, dropped_at, sketch_since) VALUES (?, ?, ?)
       ON CONFLICT(set_name) DO UPDATE SET dropped_at = max(dropped_at, excluded.dropped_at)`,
      set,
      now,
      now,
    )
    state = { dropped_at: now, sketch_since: now }
  }
  if (state !== null) sketchAdd(sql, set, hllPoint(id), now)
}

/**
 * Takes `member` out of an exactly kept set (every window). A set that has overflowed to its sketch
 * keeps counting it there: a sketch cannot forget, so the count stays an upper bound.
 */
export function forgetMember(sql: SqlStorage, set: string, member: string): void {
  sql.exec('DELETE FROM members WHERE set_name = ? AND member = ?', set, memberId(member))
}

/**
 * Whether `member` was sighted in `set` after `since`, as an exactly kept member. A set past
 * EXACT_LIMIT may not have kept it: then false — no sighting is claimed that cannot be shown.
 */
export function sightedSince(sql: SqlStorage, set: string, member: string, since: number): boolean {
  return sql.exec('SELECT 1 FROM members WHERE set_name = ? AND member = ? AND seen > ?', set, memberId(member), since).toArray().length > 0
}

function countMembers(sql: SqlStorage, set: string): number {
  return sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM members WHERE set_name = ?', set).one().n
}

function backfill(sql: SqlStorage, set: string): void {
  const rows = sql.exec<{ member: string; seen: number }>('SELECT member, seen FROM members WHERE set_name = ?', set).toArray()
  for (const r of rows) sketchAdd(sql, set, hllPoint(r.member), r.seen)
}

/**
 * Keeps only the (rho, seen) pairs of a register that can still be a window's maximum
 * (Chabchoub & Hébrail's "possible future maxima"): a new pair makes every older pair
 * with rho' <= rho useless, and is itself useless under a newer pair with rho' >= rho.
 * A register then holds at most 33 pairs, typically a handful.
 */
function sketchAdd(sql: SqlStorage, set: string, p: HllPoint, seen: number): void {
  const dominated = sql
    .exec('SELECT 1 FROM sketch WHERE set_name = ? AND idx = ? AND rho >= ? AND seen >= ? LIMIT 1', set, p.idx, p.rho, seen)
    .toArray().length > 0
  if (dominated) return
  sql.exec('DELETE FROM sketch WHERE set_name = ? AND idx = ? AND rho <= ? AND seen <= ?', set, p.idx, p.rho, seen)
  sql.exec(
    `INSERT INTO sketch (set_name, idx, rho, seen) VALUES (?, ?, ?, ?)
     ON CONFLICT(set_name, idx, rho) DO UPDATE SET seen = max(seen, excluded.seen)`,
    set,
    p.idx,
    p.rho,
    seen,
  )
}

type WindowRow = { w1m: number; w10m: number; w1h: number; w24h: number }

/** Sketch estimates are reused for this long per set (they are approximate anyway). */
export const SKETCH_REUSE_MS = 1_000

/** Per-object memo of the last sketch estimate per set. */
export type SketchMemo = Map<string, { readonly at: number; readonly est: Windows }>

/**
 * Distinct members of each set seen in (now - window, now]. Exact unless a sighting inside that
 * window was dropped for lack of room; then the sketch estimate (never below the exact lower bound),
 * recomputed at most every SKETCH_REUSE_MS. One query over the members and one over the set states
 * serve every set: a key answers all of them on every request.
 */
export function readDistinctSets<S extends string>(sql: SqlStorage, sets: readonly S[], now: number, memo?: SketchMemo): Record<S, Windows> {
  const since = (w: WindowName): number => now - WINDOW_SPECS[w].ms
  const exact = new Map(
    sql
      .exec<WindowRow & { set_name: string }>(
        `SELECT set_name, SUM(seen > ?) AS w1m, SUM(seen > ?) AS w10m, SUM(seen > ?) AS w1h, SUM(seen > ?) AS w24h
         FROM members GROUP BY set_name`,
        since('1m'), since('10m'), since('1h'), since('24h'),
      )
      .toArray()
      .map((r) => [r.set_name, r]),
  )
  const states = new Map(sql.exec<SetState & { set_name: string }>('SELECT set_name, dropped_at, sketch_since FROM sets').toArray().map((r) => [r.set_name, r]))
  const out = {} as Record<S, Windows>
  for (const set of sets) {
    const e = exact.get(set)
    const windows: Record<WindowName, number> = { '1m': e?.w1m ?? 0, '10m': e?.w10m ?? 0, '1h': e?.w1h ?? 0, '24h': e?.w24h ?? 0 }
    const state = states.get(set)
    if (state !== undefined && state.dropped_at > since('24h')) {
      const est = sketchEstimate(sql, set, now, memo)
      for (const w of WINDOWS) if (state.dropped_at > since(w)) windows[w] = Math.max(windows[w], est[w])
    }
    out[set] = windows
  }
  return out
}

/** All four windows' estimates from one scan of the set's registers. */
function sketchEstimate(sql: SqlStorage, set: string, now: number, memo?: SketchMemo): Windows {
  const cached = memo?.get(set)
  if (cached !== undefined && now >= cached.at && now - cached.at < SKETCH_REUSE_MS) return cached.est
  const since = (w: WindowName): number => now - WINDOW_SPECS[w].ms
  const rows = sql
    .exec<WindowRow>(
      `SELECT MAX(CASE WHEN seen > ? THEN rho ELSE 0 END) AS w1m, MAX(CASE WHEN seen > ? THEN rho ELSE 0 END) AS w10m,
              MAX(CASE WHEN seen > ? THEN rho ELSE 0 END) AS w1h, MAX(CASE WHEN seen > ? THEN rho ELSE 0 END) AS w24h, idx
       FROM sketch WHERE set_name = ? GROUP BY idx`,
      since('1m'), since('10m'), since('1h'), since('24h'), set,
    )
    .toArray() as (WindowRow & { idx: number })[]
  const regs = (key: keyof WindowRow) => rows.map((r) => ({ idx: r.idx, rho: r[key] }))
  const est: Windows = { '1m': hllEstimate(regs('w1m')), '10m': hllEstimate(regs('w10m')), '1h': hllEstimate(regs('w1h')), '24h': hllEstimate(regs('w24h')) }
  memo?.set(set, { at: now, est })
  return est
}

/** Forgets sightings older than the longest window; ends sketch mode once no window needs it. */
export function pruneDistinct(sql: SqlStorage, now: number): void {
  const floor = now - RETENTION_MS
  sql.exec('DELETE FROM members WHERE seen <= ?', floor)
  sql.exec('DELETE FROM sketch WHERE seen <= ?', floor)
  sql.exec('DELETE FROM sets WHERE dropped_at <= ?', floor)
  sql.exec('DELETE FROM sketch WHERE set_name NOT IN (SELECT set_name FROM sets)')
}

/** Newest sighting kept, or null (for idle-object cleanup). */
export function newestSighting(sql: SqlStorage): number | null {
  const row = sql.exec<{ t: number | null }>('SELECT MAX(seen) AS t FROM (SELECT seen FROM members UNION ALL SELECT seen FROM sketch)').toArray()[0]
  return row?.t ?? null
}
