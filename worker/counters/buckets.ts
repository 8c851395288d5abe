// Bucketed sliding-window counters in SQL: one row per (bucket width, bucket start) holding every
// metric as a column. Takes the object's SqlStorage and the caller's time; returns window sums. No clock.
//
// Why one row for all metrics: SQLite-backed objects are billed by rows written ($1.00 per million, a
// thousand times a row read), and an event is counted in two bucket series (10 s and 5 min buckets,
// src/counters/windows.ts). A row per metric made a page view's three metrics twelve rows on each of
// its keys (with the four series then); a row per bucket makes any number of metrics two
// (`BENCH_ONLY=objects` prints rows written per call).
import { bucketsFor, FORMER_SERIES, seriesFloors, SHORT_SERIES, shortSeriesFloor, WINDOW_SPECS, WINDOWS, windowFloors, type WindowName, type Windows } from '../../src/counters/windows'

/** A column name is the metric's own name: snake case only, so it can never smuggle SQL. */
const COLUMN = /^[a-z][a-z0-9_]*$/
/** Bound parameters per statement: a Durable Object's SQL takes at most 100. */
const MAX_PARAMS = 100

export interface BucketTable {
  /** The table's CREATE statement, every metric a column. */
  readonly create: string
  /** Moves the counts of a row-per-metric table (`metric, res, start, n`, the former layout) into this one, then drops it. */
  fromRowsPerMetric(old: string): readonly string[]
  /**
   * Moves each former series (FORMER_SERIES: 1 min buckets, 1 h buckets) into the finer series its window
   * now reads: each former bucket's count less what the finer buckets inside it already hold (a shorter
   * window's, not yet pruned), put in the finer bucket at its start — so a moved event leaves its window
   * no later than it did before, never counted longer than the window. Then the former buckets go.
   */
  fromFormerSeries(): readonly string[]
  /** Adds a column for each metric the table lacks (a metric added since the object was made). Call after migrating. */
  addMissingColumns(sql: SqlStorage): void
  /**
   * Adds each bump in each series: one row per bucket touched, in as few statements as the parameter limit
   * allows. `used` (the object's usedColumns) gains the bumped metrics' columns.
   */
  bumpAll(sql: SqlStorage, bumps: readonly { readonly metric: string; readonly n: number; readonly at: number }[], used?: Set<number>): void
  /**
   * The columns (metric indices) any row holds a count in: a read given them selects only those — each
   * cell read crosses from SQLite into JS, and a key counts a few of the metrics. Kept by the object
   * (bumpAll adds to it); a column left in it after its counts are gone only costs its read.
   */
  usedColumns(sql: SqlStorage): Set<number>
  /** Takes back one `metric` counted at exactly `t` (a bump undone: same buckets), never below zero. */
  unbump(sql: SqlStorage, metric: string, t: number): void
  /**
   * Every metric's window sums at `now` (metrics never counted absent), and the short series' nonzero
   * buckets (the 1 min and 10 min windows') as flat (res, start, n) triples per metric (KeySnapshot.recent):
   * the short series row by row, each longer window one sum inside SQLite (a day is up to 289 rows of
   * 5 min buckets, and each cell read crosses into JS).
   */
  read(sql: SqlStorage, now: number, used?: ReadonlySet<number>): { readonly windows: Map<string, Windows>; readonly recent: Map<string, number[]> }
  /** Deletes buckets no window can count any more at `now`. */
  prune(sql: SqlStorage, now: number): void
  /** Start of the newest bucket, or null when empty (for idle-object cleanup). */
  newest(sql: SqlStorage): number | null
}

export function bucketTable(table: string, metrics: readonly string[]): BucketTable {
  for (const name of [table, ...metrics]) if (!COLUMN.test(name)) throw new TypeError(`not a column name: ${name}`)
  const column = new Map(metrics.map((m, i) => [m, i]))
  const allColumns = metrics.map((_m, i) => i)
  const quoted = metrics.map((m) => `"${m}"`)
  /** The windows read row by row from the short series (its buckets go out as `recent`), and those summed in SQLite. */
  const shortWindows = WINDOWS.filter((w) => WINDOW_SPECS[w].res === SHORT_SERIES)
  const longWindows = WINDOWS.filter((w) => WINDOW_SPECS[w].res !== SHORT_SERIES)
  /** An upsert's SET: each column adds the incoming count (bumps and moved buckets alike). */
  const addIncoming = (cols: readonly string[]) => cols.map((q) => `${q} = ${q} + excluded.${q}`).join(', ')
  const indexOf = (metric: string): number => {
    const i = column.get(metric)
    if (i === undefined) throw new TypeError(`unknown metric: ${metric}`)
    return i
  }

  return {
    create: `CREATE TABLE IF NOT EXISTS ${table} (res INTEGER NOT NULL, start INTEGER NOT NULL, ${quoted.map((q) => `${q} INTEGER NOT NULL DEFAULT 0`).join(', ')}, PRIMARY KEY (res, start)) WITHOUT ROWID`,

    fromRowsPerMetric: (old) => {
      if (!COLUMN.test(old)) throw new TypeError(`not a table name: ${old}`)
      return [
        `INSERT INTO ${table} (res, start, ${quoted.join(', ')}) SELECT res, start, ${metrics.map((m) => `SUM(CASE WHEN metric = '${m}' THEN n ELSE 0 END)`).join(', ')} FROM ${old} GROUP BY res, start`,
        `DROP TABLE ${old}`,
      ]
    },

    fromFormerSeries: () => {
      const left = (q: string) => `MAX(m.${q} - COALESCE(SUM(t.${q}), 0), 0)`
      return FORMER_SERIES.flatMap(({ former, into }) => [
        // WHERE true: SQLite's upsert after a SELECT needs a WHERE to parse.
        `INSERT INTO ${table} (res, start, ${quoted.join(', ')})
         SELECT ${into}, m.start, ${quoted.map(left).join(', ')}
         FROM ${table} m LEFT JOIN ${table} t ON t.res = ${into} AND t.start >= m.start AND t.start < m.start + ${former}
         WHERE m.res = ${former} GROUP BY m.start
         ON CONFLICT(res, start) DO UPDATE SET ${addIncoming(quoted)}`,
        `DELETE FROM ${table} WHERE res = ${former}`,
      ])
    },

    addMissingColumns: (sql) => {
      const have = new Set(sql.exec(`SELECT * FROM ${table} LIMIT 0`).columnNames)
      for (const q of metrics) if (!have.has(q)) sql.exec(`ALTER TABLE ${table} ADD COLUMN "${q}" INTEGER NOT NULL DEFAULT 0`)
    },

    bumpAll: (sql, bumps, inUse) => {
      // Folded first: a batch's bumps in one bucket are one row, whatever the metrics.
      const rows = new Map<string, { res: number; start: number; n: Map<number, number> }>()
      const used = new Set<number>()
      for (const b of bumps) {
        const i = indexOf(b.metric)
        used.add(i)
        inUse?.add(i)
        for (const { res, start } of bucketsFor(b.at)) {
          const key = `${res}:${start}`
          let row = rows.get(key)
          if (row === undefined) rows.set(key, (row = { res, start, n: new Map() }))
          row.n.set(i, (row.n.get(i) ?? 0) + b.n)
        }
      }
      if (rows.size === 0) return
      const cols = [...used].sort((a, b) => a - b)
      const names = cols.map((i) => quoted[i]!)
      const perStatement = Math.max(1, Math.floor(MAX_PARAMS / (2 + cols.length)))
      const all = [...rows.values()].map((r) => [r.res, r.start, ...cols.map((i) => r.n.get(i) ?? 0)])
      const tuple = `(${['?', '?', ...cols.map(() => '?')].join(', ')})`
      const update = addIncoming(names)
      for (let i = 0; i < all.length; i += perStatement) {
        const chunk = all.slice(i, i + perStatement)
        sql.exec(
          `INSERT INTO ${table} (res, start, ${names.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')} ON CONFLICT(res, start) DO UPDATE SET ${update}`,
          ...chunk.flat(),
        )
      }
    },

    unbump: (sql, metric, t) => {
      const q = quoted[indexOf(metric)]!
      for (const { res, start } of bucketsFor(t)) sql.exec(`UPDATE ${table} SET ${q} = ${q} - 1 WHERE res = ? AND start = ? AND ${q} > 0`, res, start)
    },

    usedColumns: (sql) => {
      const row = sql.exec(`SELECT ${quoted.map((q) => `MAX(${q})`).join(', ')} FROM ${table}`).raw().next()
      const used = new Set<number>()
      if (row.done === true) return used
      row.value.forEach((v, i) => {
        if (Number(v) > 0) used.add(i)
      })
      return used
    },

    read: (sql, now, used) => {
      const cols = used === undefined ? allColumns : [...used].sort((a, b) => a - b)
      const windows = new Map<string, Windows>()
      const recent = new Map<string, number[]>()
      if (cols.length === 0) return { windows, recent }
      const f = windowFloors(now)
      const of = (metric: string): Record<WindowName, number> => {
        let w = windows.get(metric) as Record<WindowName, number> | undefined
        if (w === undefined) windows.set(metric, (w = { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }))
        return w
      }
      const selected = cols.map((i) => quoted[i]).join(', ')
      for (const row of sql.exec(`SELECT start, ${selected} FROM ${table} WHERE res = ? AND start >= ?`, SHORT_SERIES, shortSeriesFloor(now)).raw()) {
        const start = Number(row[0])
        for (let j = 0; j < cols.length; j++) {
          const n = Number(row[j + 1])
          if (!(n > 0)) continue
          const metric = metrics[cols[j]!]!
          const w = of(metric)
          for (const name of shortWindows) if (start >= f[name]) w[name] += n
          let list = recent.get(metric)
          if (list === undefined) recent.set(metric, (list = []))
          list.push(SHORT_SERIES, start, n)
        }
      }
      const sums = cols.map((i) => `SUM(${quoted[i]})`).join(', ')
      for (const name of longWindows) {
        const row = sql.exec(`SELECT ${sums} FROM ${table} WHERE res = ? AND start >= ?`, WINDOW_SPECS[name].res, f[name]).raw().next()
        if (row.done === true) continue
        for (let j = 0; j < cols.length; j++) {
          const n = Number(row.value[j])
          if (n > 0) of(metrics[cols[j]!]!)[name] += n
        }
      }
      return { windows, recent }
    },

    prune: (sql, now) => {
      for (const { res, below } of seriesFloors(now)) sql.exec(`DELETE FROM ${table} WHERE res = ? AND start < ?`, res, below)
    },

    newest: (sql) => {
      const row = sql.exec<{ t: number | null }>(`SELECT MAX(start) AS t FROM ${table}`).toArray()[0]
      return row?.t ?? null
    },
  }
}

/** The former layout (one row per metric and bucket): created by the first migrations, moved by a later one. */
export const ROWS_PER_METRIC_TABLE = `CREATE TABLE IF NOT EXISTS buckets (
  metric TEXT NOT NULL, res INTEGER NOT NULL, start INTEGER NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (metric, res, start)) WITHOUT ROWID`
