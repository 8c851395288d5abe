// The console's tables inside the ZoneStats objects: a shard keeps what isolates sent until its
// alarm forwards it; the root keeps per-minute and per-hour counts for a week and the newest
// ROOT_SAMPLE_CAP decision lines. Takes the object's SqlStorage, batches and the caller's time; must
// not read the clock. Counts are keyed (dim, time, key) so a chart reads one dimension's range only.
import {
  cleanBatch,
  CONSOLE_DIMS,
  FORWARD_SAMPLE_CAP,
  MAX_KEYS_PER_HOUR,
  MAX_KEYS_PER_MINUTE,
  MINUTES_RETENTION_MS,
  MINUTE_MS,
  OTHER_KEY,
  pickSample,
  ROOT_SAMPLE_CAP,
  SHARD_SAMPLE_CAP,
  type ConsoleBatch,
  type ConsoleDim,
  type MinuteCell,
  type SampleLine,
} from '../../src/console/batch'

export const CONSOLE_MIGRATION: readonly string[] = [
  'CREATE TABLE IF NOT EXISTS console_pending (minute INTEGER NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (minute, dim, key)) WITHOUT ROWID',
  'CREATE TABLE IF NOT EXISTS console_pending_sample (ref TEXT PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS console_minutes (dim TEXT NOT NULL, minute INTEGER NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (dim, minute, key)) WITHOUT ROWID',
  'CREATE TABLE IF NOT EXISTS console_hours (dim TEXT NOT NULL, hour INTEGER NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (dim, hour, key)) WITHOUT ROWID',
  'CREATE TABLE IF NOT EXISTS console_sample (ref TEXT PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)',
  'CREATE INDEX IF NOT EXISTS console_sample_at ON console_sample (at)',
]

type KeyedTable = 'console_pending' | 'console_minutes' | 'console_hours'

/**
 * Adds `n` to a cell and returns the key it went under: its own while its (time, dimension) holds
 * fewer than `cap` keys (or already holds this one), else OTHER_KEY — the isolate's cap, kept again
 * where batches merge. Each isolate keeps its own 32, and `host` is the client's choice on a
 * wildcard route: without this, shard and root would take every random subdomain as a row, kept a
 * week. A key already held costs one UPDATE; `counts` carries the keys per slot across one batch
 * (one COUNT per new slot, not per cell).
 */
function addCapped(sql: SqlStorage, table: KeyedTable, time: number, dim: ConsoleDim, key: string, n: number, cap: number, counts: Map<string, number>): string {
  const col = table === 'console_hours' ? 'hour' : 'minute'
  let k = key
  if (k !== OTHER_KEY) {
    const held = sql.exec(`UPDATE ${table} SET n = n + ? WHERE ${col} = ? AND dim = ? AND key = ?`, n, time, dim, k)
    held.toArray()
    if (held.rowsWritten > 0) return k
    const slot = `${time}\u0000${dim}`
    const used = counts.get(slot) ?? sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${col} = ? AND dim = ? AND key != ?`, time, dim, OTHER_KEY).one().n
    if (used >= cap) {
      counts.set(slot, used)
      k = OTHER_KEY
    } else counts.set(slot, used + 1)
  }
  sql.exec(`INSERT INTO ${table} (${col}, dim, key, n) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n`, time, dim, k, n)
  return k
}

/** Shard: adds an isolate's batch to what waits for the next forward (the newest SHARD_SAMPLE_CAP lines; MAX_KEYS_PER_MINUTE keys per minute and dimension). */
export function addPending(sql: SqlStorage, raw: unknown): void {
  const batch = cleanBatch(raw)
  const counts = new Map<string, number>()
  for (const [minute, dim, key, n] of batch.minutes) {
    addCapped(sql, 'console_pending', minute, dim, key, Math.floor(n), MAX_KEYS_PER_MINUTE, counts)
  }
  for (const s of batch.sample) sql.exec('INSERT OR REPLACE INTO console_pending_sample (ref, at, body) VALUES (?, ?, ?)', s.ref, s.at, JSON.stringify(s))
  if (batch.sample.length > 0) trim(sql, 'console_pending_sample', SHARD_SAMPLE_CAP)
}

/** Shard: everything pending, moved out (into the outbox the caller keeps). */
export function takePending(sql: SqlStorage): ConsoleBatch {
  const minutes = sql
    .exec<{ minute: number; dim: string; key: string; n: number }>('SELECT minute, dim, key, n FROM console_pending')
    .toArray()
    .map((r) => [r.minute, r.dim, r.key, r.n])
  const pending = sql
    .exec<{ body: string }>('SELECT body FROM console_pending_sample ORDER BY at')
    .toArray()
    .map((r) => JSON.parse(r.body) as unknown)
  sql.exec('DELETE FROM console_pending')
  sql.exec('DELETE FROM console_pending_sample')
  // A forward carries its quota of lines, mitigated first: the root could not keep more for long.
  const batch = cleanBatch({ minutes, sample: pending })
  return { minutes: batch.minutes, sample: pickSample(batch.sample, FORWARD_SAMPLE_CAP) }
}

/**
 * Root: applies a shard's batch (the caller dedupes batches), keeps a week and ROOT_SAMPLE_CAP lines,
 * MAX_KEYS_PER_MINUTE keys per minute and MAX_KEYS_PER_HOUR per hour in each dimension.
 */
export function applyAtRoot(sql: SqlStorage, raw: unknown): void {
  const batch = cleanBatch(raw)
  const perMinute = new Map<string, number>()
  const perHour = new Map<string, number>()
  for (const [minute, dim, key, n] of batch.minutes) {
    const hour = Math.floor(minute / 60)
    const kept = addCapped(sql, 'console_minutes', minute, dim, key, Math.floor(n), MAX_KEYS_PER_MINUTE, perMinute)
    addCapped(sql, 'console_hours', hour, dim, kept, Math.floor(n), MAX_KEYS_PER_HOUR, perHour)
  }
  for (const s of batch.sample) sql.exec('INSERT OR REPLACE INTO console_sample (ref, at, body) VALUES (?, ?, ?)', s.ref, s.at, JSON.stringify(s))
  if (batch.sample.length > 0) trim(sql, 'console_sample', ROOT_SAMPLE_CAP)
}

/** Root: drops counts older than the retention (called with the prune clock). */
export function pruneConsole(sql: SqlStorage, now: number): void {
  const oldest = Math.floor((now - MINUTES_RETENTION_MS) / MINUTE_MS)
  for (const dim of CONSOLE_DIMS) {
    sql.exec('DELETE FROM console_minutes WHERE dim = ? AND minute < ?', dim, oldest)
    sql.exec('DELETE FROM console_hours WHERE dim = ? AND hour < ?', dim, Math.floor(oldest / 60))
  }
}

function trim(sql: SqlStorage, table: 'console_sample' | 'console_pending_sample', keep: number): void {
  const edge = sql.exec<{ at: number }>(`SELECT at FROM ${table} ORDER BY at DESC LIMIT 1 OFFSET ?`, keep - 1).toArray()[0]
  if (edge !== undefined) {
    sql.exec(`DELETE FROM ${table} WHERE at < ?`, edge.at)
    // Lines at the same millisecond as the edge: keep the newest `keep` by ref order, deterministic.
    const over = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n - keep
    if (over > 0) sql.exec(`DELETE FROM ${table} WHERE ref IN (SELECT ref FROM ${table} WHERE at = ? ORDER BY ref LIMIT ?)`, edge.at, over)
  }
}

/** Counts in one dimension over [from, to) minutes, summed per bucket of `bucket` minutes (or per hour row when `hours`). */
export type SeriesRow = {
  readonly bucket: number
  readonly key: string
  readonly n: number
}

export function readSeries(sql: SqlStorage, dim: ConsoleDim, fromMinute: number, toMinute: number, bucketMinutes: number): SeriesRow[] {
  if (bucketMinutes % 60 === 0) {
    const per = bucketMinutes / 60
    const from = Math.floor(fromMinute / 60)
    return sql
      .exec<SeriesRow>(
        'SELECT (hour - ?) / ? AS bucket, key, SUM(n) AS n FROM console_hours WHERE dim = ? AND hour >= ? AND hour < ? GROUP BY bucket, key',
        from, per, dim, from, Math.ceil(toMinute / 60),
      )
      .toArray()
  }
  return sql
    .exec<SeriesRow>(
      'SELECT (minute - ?) / ? AS bucket, key, SUM(n) AS n FROM console_minutes WHERE dim = ? AND minute >= ? AND minute < ? GROUP BY bucket, key',
      fromMinute, bucketMinutes, dim, fromMinute, toMinute,
    )
    .toArray()
}

/** Totals per key in one dimension over [from, to) minutes, largest first, `limit` of them. */
export function readTotals(sql: SqlStorage, dim: ConsoleDim, fromMinute: number, toMinute: number, hours: boolean, limit: number): { key: string; n: number }[] {
  if (hours) {
    return sql
      .exec<{ key: string; n: number }>(
        'SELECT key, SUM(n) AS n FROM console_hours WHERE dim = ? AND hour >= ? AND hour < ? GROUP BY key ORDER BY n DESC, key LIMIT ?',
        dim, Math.floor(fromMinute / 60), Math.ceil(toMinute / 60), limit,
      )
      .toArray()
  }
  return sql
    .exec<{ key: string; n: number }>(
      'SELECT key, SUM(n) AS n FROM console_minutes WHERE dim = ? AND minute >= ? AND minute < ? GROUP BY key ORDER BY n DESC, key LIMIT ?',
      dim, fromMinute, toMinute, limit,
    )
    .toArray()
}

/** The sample, newest first. */
export function readSample(sql: SqlStorage, limit: number): SampleLine[] {
  return sql
    .exec<{ body: string }>('SELECT body FROM console_sample ORDER BY at DESC, ref DESC LIMIT ?', limit)
    .toArray()
    .map((r) => JSON.parse(r.body) as SampleLine)
}

export function readLine(sql: SqlStorage, ref: string): SampleLine | null {
  const row = sql.exec<{ body: string }>('SELECT body FROM console_sample WHERE ref = ?', ref).toArray()[0]
  return row === undefined ? null : (JSON.parse(row.body) as SampleLine)
}

export const cellCount = (b: ConsoleBatch): number => b.minutes.length + b.sample.length
export type { MinuteCell }
