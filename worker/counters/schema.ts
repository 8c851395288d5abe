// Schema versioning for the SQLite-backed objects: a `meta` table with a schema_version
// row and ordered, idempotent migrations; plus the alarm-time bookkeeping every object shares.
// Takes the object's storage; returns nothing. Must not read the clock.

export type Migration = readonly string[]

const META = 'CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v) WITHOUT ROWID'

export function getMeta(sql: SqlStorage, key: string): SqlStorageValue | undefined {
  const rows = sql.exec<{ v: SqlStorageValue }>('SELECT v FROM meta WHERE k = ?', key).toArray()
  return rows[0]?.v
}

export function setMeta(sql: SqlStorage, key: string, value: SqlStorageValue): void {
  sql.exec('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v', key, value)
}

export function deleteMeta(sql: SqlStorage, key: string): void {
  sql.exec('DELETE FROM meta WHERE k = ?', key)
}

/**
 * Brings the schema to `migrations.length`: runs migration i (1-based version i) only
 * when the stored version is below i, each in one transaction with its version bump.
 * A new object (version 0) runs `fresh` instead — the current schema, made at once, one
 * version write — when given, else every migration in one transaction: every DDL statement
 * and version write is a row written, and every new key is a new object.
 * Running it again is a no-op. Returns the version now in storage.
 */
export function migrate(storage: DurableObjectStorage, migrations: readonly Migration[], fresh?: Migration): number {
  const sql = storage.sql
  sql.exec(META)
  const stored = getMeta(sql, 'schema_version')
  let version = typeof stored === 'number' ? stored : 0
  if (version > migrations.length) throw new Error(`storage schema v${version} is newer than this code (v${migrations.length})`)
  if (version === 0 && migrations.length > 0) {
    storage.transactionSync(() => {
      for (const s of fresh ?? migrations.flat()) sql.exec(s)
      setMeta(sql, 'schema_version', migrations.length)
    })
    return migrations.length
  }
  for (const [i, statements] of migrations.entries()) {
    if (i + 1 <= version) continue
    storage.transactionSync(() => {
      for (const s of statements) sql.exec(s)
      setMeta(sql, 'schema_version', i + 1)
    })
    version = i + 1
  }
  return version
}

/**
 * Alarms run with the time they were scheduled for as their `now` (stored here when set),
 * never the wall clock: deletion is then exact and tests can freeze time.
 * `if_none` keeps any alarm already set; `if_earlier` moves it earlier only.
 */
export function scheduleAlarm(storage: DurableObjectStorage, at: number, mode: 'if_none' | 'if_earlier'): void {
  const current = getMeta(storage.sql, 'alarm_at')
  if (typeof current === 'number' && (mode === 'if_none' || current <= at)) return
  setMeta(storage.sql, 'alarm_at', at)
  storage.setAlarm(at).catch(() => deleteMeta(storage.sql, 'alarm_at'))
}

/** The scheduled time of the alarm now running, or null if it was not set by us. */
export function alarmTime(sql: SqlStorage): number | null {
  const at = getMeta(sql, 'alarm_at')
  return typeof at === 'number' ? at : null
}

/** Call once the alarm's work is done (a throw before this leaves the time for the retry). */
export function alarmDone(sql: SqlStorage): void {
  deleteMeta(sql, 'alarm_at')
}

/** A caller's time, checked: the objects never read the clock, and a bad time must not reach storage. */
export function checkedNow(now: unknown): number {
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError('now must be a finite time in ms')
  return now
}

/** Inline pruning on writes, at most once per `everyMs` of the callers' time (alarms handle idle objects). */
export class PruneClock {
  readonly #everyMs: number
  #next = Number.NEGATIVE_INFINITY
  constructor(everyMs: number) {
    this.#everyMs = everyMs
  }

  /** True when a prune is due at `now` (and the next one `everyMs` after it). */
  due(now: number): boolean {
    if (now < this.#next) return false
    this.#next = now + this.#everyMs
    return true
  }
}

/**
 * One run of a pruning object's alarm, at the time it was scheduled for: `prune(now)`, then the next
 * alarm at `nextAt(now)` — or, when that is null (nothing left to keep), every row deleted and the
 * schema made again (or, with `emptied`, on the object's next call), so an idle object holds nothing.
 * A throw before alarmDone leaves the time for the retry.
 */
export async function pruningAlarm(
  storage: DurableObjectStorage,
  migrations: readonly Migration[],
  prune: (now: number) => void,
  nextAt: (now: number) => number | null,
  /**
   * `emptied`: called instead of making the schema again at once — the object makes it on its next call
   * (an idle key then stores nothing, and its schema's rows are written only if it is used again).
   */
  how: { readonly emptied?: () => void } = {},
): Promise<void> {
  const sql = storage.sql
  const now = alarmTime(sql)
  if (now === null) return
  prune(now)
  alarmDone(sql)
  const next = nextAt(now)
  if (next === null) {
    await storage.deleteAll()
    if (how.emptied !== undefined) how.emptied()
    else migrate(storage, migrations)
    return
  }
  scheduleAlarm(storage, Math.max(next, now + 1), 'if_earlier')
}
