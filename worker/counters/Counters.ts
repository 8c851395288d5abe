// The journey-counter object of one key (device, IP, IP prefix or username). Takes
// caller-timed observations, outcomes and deny entries over RPC; returns its windows.
// Every RPC method is synchronous (no await), so concurrent calls apply one at a time.
import { DurableObject } from 'cloudflare:workers'
import type { DenyEntry, DenyKind } from '../../src/counters/deny'
import { checkedPlace, HISTORY_MS, type AccountPlace } from '../../src/counters/history'
import { BATCHES_PER_CALL_MAX, BATCH_ACCEPT_MAX_OPS, type CounterBatch } from '../../src/counters/batch'
import { isMetric, isSetName, METRICS, SETS, type KeySnapshot, type DistinctAdd, type Metric, type Observation, type RecentBuckets, type SetName } from '../../src/counters/metrics'
import { RETENTION_MS, WINDOW_SPECS, ZERO_WINDOWS, type Windows } from '../../src/counters/windows'
import { bucketTable, ROWS_PER_METRIC_TABLE } from './buckets'
import { DENY_TABLES, lookupDeny, nextDenyExpiry, pruneDeny, putDeny, removeDeny } from './denyStore'
import { addMember, DISTINCT_TABLES, forgetMember, newestSighting, pruneDistinct, readDistinctSets, sightedSince, type SketchMemo } from './distinct'
import { HISTORY_TABLE, newestHistory, pruneHistory, readHistory, rememberPlace } from './history'
import { checkedNow, getMeta, migrate, PruneClock, pruningAlarm, scheduleAlarm, setMeta, type Migration } from './schema'

export interface DenyQuery {
  readonly key: string
  readonly kind: DenyKind
}

export interface ObserveInput {
  readonly now: number
  readonly bumps: readonly Metric[]
  readonly distinct: Observation['distinct']
  /** The deny entry this request would match in this object, if any. */
  readonly deny: DenyQuery | null
  /** A username's key, on a sign-in: the place to judge against the account's history (the answer's `history`). */
  readonly place?: AccountPlace | null
  /** Writes this isolate held for the key (worker/counters/ledger.ts), applied before the observation, each batch once. */
  readonly batches?: readonly CounterBatch[]
  /** A member to look up, after the observation: the answer's `probed` says whether it was sighted in the set in 10 minutes. */
  readonly probe?: DistinctAdd | null
}

/** One remembered sign-in of an account (the admin import: an operator's own login log). */
export interface HistoryEntry {
  readonly at: number
  readonly place: AccountPlace
}

/** Entries per import call. */
export const HISTORY_IMPORT_MAX = 500

/** Batch ids applied in the last APPLIED_KEEP_MS: a batch sent again (its confirm was lost) is not counted twice. */
const APPLIED_TABLE = 'CREATE TABLE IF NOT EXISTS applied (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID'
/**
 * Longer than a batch can be sent again after its ops' time: an isolate gives a batch up 30 minutes
 * after sealing it (ledger.ts BATCH_GIVE_UP_MS), and seals an op within 10 minutes (RIDER_MAX_AGE_MS).
 */
export const APPLIED_KEEP_MS = 60 * 60_000
/**
 * What replaced `applied` and its index: keyed by the batch's own time (its ops' latest, the same each
 * time it is sent), so the prune ranges over the primary key — one row written per batch, not two (an
 * index entry), and one deleted an hour later, not two.
 */
const APPLIED_BATCHES_TABLE = 'CREATE TABLE IF NOT EXISTS applied_batches (at INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (at, id)) WITHOUT ROWID'
const MAX_BATCH_ID_CHARS = 80

/** The applied-id prune deletes by age: without this index it read the whole table every minute. */
const APPLIED_AT_INDEX = 'CREATE INDEX IF NOT EXISTS applied_at ON applied (at)'

/** A key's windows: one row per bucket, a column per metric (buckets.ts: rows written are what storage is billed by). */
const COUNTS = bucketTable('counts', METRICS)
/** For tests: what a read of this table selects (usedColumns). */
export { COUNTS as COUNTERS_COUNTS }

export const COUNTERS_MIGRATIONS: readonly Migration[] = [
  [ROWS_PER_METRIC_TABLE, ...DISTINCT_TABLES, ...DENY_TABLES],
  [HISTORY_TABLE],
  [APPLIED_TABLE],
  [APPLIED_AT_INDEX],
  [COUNTS.create, ...COUNTS.fromRowsPerMetric('buckets')],
  // `applied` stays until its last id is an hour old (a batch applied before this may be sent again), then goes.
  [APPLIED_BATCHES_TABLE],
  // Two bucket series, not four: the 10 min window from the 10 s series, the 24 h window from the 5 min one.
  COUNTS.fromFormerSeries(),
]

/**
 * Tables a key makes when it first needs them, not with its object: a device's or an address's object
 * rarely or never holds a deny entry, and only a username's remembers places — and every table made is
 * rows written (two a table, one an index) on every new key. Absent, each reads as empty.
 */
const LATER_TABLES = { deny: DENY_TABLES, history: [HISTORY_TABLE] } as const
type LaterTable = keyof typeof LATER_TABLES

/** A new key's schema, made at once (the migrations' end state, without the former layout made and dropped, nor LATER_TABLES). */
export const COUNTERS_SCHEMA: Migration = [COUNTS.create, ...DISTINCT_TABLES, APPLIED_BATCHES_TABLE]

/** Inline pruning runs at most this often per object (alarms handle idle objects). */
const PRUNE_EVERY_MS = 60_000
const MAX_MEMBER_CHARS = 256
/** The tables of buckets.ts and distinct.ts: what a key has counted (not its deny entries). */
const FORGETTABLE_TABLES = ['counts', 'members', 'sets', 'sketch'] as const

export class Counters extends DurableObject<Env> {
  readonly #pruning = new PruneClock(PRUNE_EVERY_MS)
  readonly #sketchMemo: SketchMemo = new Map()
  /** When an unblock last made this key forget (meta `forgotten_at`): held writes from before it are not applied. */
  #forgottenAt: number
  /** The idle alarm emptied this object: its schema is made again by the next call, not at once (an idle key stores nothing). */
  #emptied = false
  /** The former applied-id table is still here (an object made before migration 6), until its ids are an hour old. */
  #legacyApplied: boolean
  /** Which LATER_TABLES this object has made (an object made before they were later has them all). */
  #made: Record<LaterTable, boolean>
  /** The metric columns `counts` may hold a count in (buckets.ts usedColumns): read once, then kept by each bump. */
  #used: Set<number> | null = null

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    migrate(ctx.storage, COUNTERS_MIGRATIONS, COUNTERS_SCHEMA)
    COUNTS.addMissingColumns(ctx.storage.sql)
    const tables = tableNames(ctx.storage.sql)
    this.#legacyApplied = tables.has('applied')
    this.#made = { deny: tables.has('deny'), history: tables.has('history') }
    const at = getMeta(ctx.storage.sql, 'forgotten_at')
    this.#forgottenAt = typeof at === 'number' ? at : Number.NEGATIVE_INFINITY
  }

  /** Counts one request (and its username or IP), then returns the windows and deny hit. */
  observe(input: ObserveInput): KeySnapshot {
    const now = checkedNow(input.now)
    const sql = this.#sql()
    const probe = input.probe == null ? null : checkedMember(input.probe) // bad input throws before anything is written
    const applied = this.#applyBatches(input.batches, now)
    COUNTS.bumpAll(sql, input.bumps.map((m) => ({ metric: checkedMetric(m), n: 1, at: now })), this.#usedColumns(sql))
    const adds = Array.isArray(input.distinct) ? input.distinct : []
    if (adds.length > SETS.length) throw new TypeError('too many distinct members')
    for (const add of adds) {
      const { set, member } = checkedMember(add)
      addMember(sql, set, member, now)
    }
    this.#afterWrite(now)
    const snap = this.#snapshot(now, input.deny)
    const total24h = METRICS.reduce((n, m) => n + snap.counts[m]['24h'], 0)
    const place = input.place == null ? null : checkedPlace(input.place)
    const history = place === null ? {} : { history: readHistory(sql, place, now, this.#made.history) }
    const probed = probe === null ? {} : { probed: sightedSince(sql, probe.set, probe.member, now - WINDOW_SPECS['10m'].ms) }
    return { ...snap, fresh: total24h === input.bumps.length + applied, ...history, ...probed }
  }

  /** Applies the writes an isolate held for this key (a flush after the answer), then returns the windows and deny hit. */
  apply(input: { readonly now: number; readonly batches: readonly CounterBatch[]; readonly deny: DenyQuery | null }): KeySnapshot {
    const now = checkedNow(input.now)
    const applied = this.#applyBatches(input.batches, now)
    this.#afterWrite(now)
    const snap = this.#snapshot(now, input.deny)
    const total24h = METRICS.reduce((n, m) => n + snap.counts[m]['24h'], 0)
    return { ...snap, fresh: applied > 0 && total24h === applied }
  }

  /** Each batch not applied before, in order; returns the bumps counted. Bad input throws before anything is written. */
  #applyBatches(batches: unknown, now: number): number {
    if (batches === undefined) return 0
    if (!Array.isArray(batches) || batches.length > BATCHES_PER_CALL_MAX) throw new TypeError('bad batches')
    const checked = batches.map(checkedBatch)
    const sql = this.#sql()
    let bumped = 0
    for (const b of checked) {
      // One statement: a batch id already there writes nothing, and the batch is skipped.
      if (this.#legacyApplied && sql.exec('SELECT 1 FROM applied WHERE id = ?', b.id).toArray().length > 0) continue
      if (sql.exec('INSERT OR IGNORE INTO applied_batches (at, id) VALUES (?, ?)', batchTime(b, now), b.id).rowsWritten === 0) continue
      // Bumps commute with every other op: the batch's go in together, in as few statements as fit.
      const bumps: { metric: Metric; n: number; at: number }[] = []
      for (const op of b.ops) {
        // Held by an isolate from before an unblock made this key forget: counted again, it would list
        // the source anew. (A bump's time is its 10 s grain's start: up to 10 s after the unblock go too.)
        if ('at' in op && op.at < this.#forgottenAt) continue
        if (op.op === 'bump') {
          bumps.push({ metric: op.metric, n: op.n, at: op.at })
          bumped += op.n
        } else if (op.op === 'add') addMember(sql, op.set, op.member, op.at)
        else if (op.op === 'forget') forgetMember(sql, op.set, op.member)
        else rememberPlace(this.#make('history'), op.place, op.at)
      }
      COUNTS.bumpAll(sql, bumps, this.#usedColumns(sql))
    }
    return bumped
  }

  /**
   * Counts an origin outcome (called after the response, in waitUntil), its set member if any, and the
   * member it takes back; `remember`: an accepted sign-in's place, on its username's key.
   */
  record(input: {
    readonly now: number
    readonly metric: Metric
    readonly distinct?: DistinctAdd | null
    readonly forget?: DistinctAdd | null
    readonly remember?: AccountPlace | null
  }): void {
    const now = checkedNow(input.now)
    const sql = this.#sql()
    COUNTS.bumpAll(sql, [{ metric: checkedMetric(input.metric), n: 1, at: now }], this.#usedColumns(sql))
    if (input.remember != null) {
      const place = checkedPlace(input.remember)
      if (place === null) throw new TypeError('bad place')
      rememberPlace(this.#make('history'), place, now)
    }
    if (input.distinct != null) {
      const { set, member } = checkedMember(input.distinct)
      addMember(sql, set, member, now)
    }
    if (input.forget != null) {
      const { set, member } = checkedMember(input.forget)
      forgetMember(sql, set, member)
    }
    this.#afterWrite(now)
  }

  /**
   * Takes back one count of `metric` made by an observe at exactly `now` (an admin attempt counted on
   * arrival that turned out not to be a failure). Never below zero.
   */
  takeBack(input: { readonly now: number; readonly metric: Metric }): void {
    const now = checkedNow(input.now)
    COUNTS.unbump(this.#sql(), checkedMetric(input.metric), now)
  }

  /**
   * Remembers sign-ins the operator imports from its own login log (an account's past before edgeward
   * saw it): entries older than HISTORY_MS or after `now` are skipped. Returns how many were kept.
   */
  importHistory(input: { readonly now: number; readonly entries: readonly HistoryEntry[] }): number {
    const now = checkedNow(input.now)
    if (!Array.isArray(input.entries) || input.entries.length > HISTORY_IMPORT_MAX) throw new TypeError('bad history entries')
    let kept = 0
    for (const e of input.entries) {
      const place = checkedPlace(e?.place)
      const at = e?.at
      if (place === null || typeof at !== 'number' || !Number.isFinite(at)) throw new TypeError('bad history entry')
      if (at > now || at <= now - HISTORY_MS) continue
      rememberPlace(this.#make('history'), place, at)
      kept++
    }
    if (kept > 0) this.#afterWrite(now)
    return kept
  }

  /** Reads without counting (admin, tests). */
  peek(now: number, deny: DenyQuery | null = null): KeySnapshot {
    return { ...this.#snapshot(checkedNow(now), deny), fresh: false }
  }

  /** Stores (or replaces) a deny entry; an alarm deletes it at its exact expiry. */
  deny(entry: DenyEntry): void {
    checkedNow(entry.expiresAt)
    putDeny(this.#make('deny'), entry)
    scheduleAlarm(this.ctx.storage, entry.expiresAt, 'if_earlier')
  }

  undeny(key: string): boolean {
    return this.#made.deny && removeDeny(this.#sql(), key)
  }

  /** Forgets this key's counts and distinct sets (admin unblock: the source is judged afresh); deny entries and an account's places stay. */
  forget(now: number = Date.now()): void {
    const sql = this.#sql()
    for (const table of FORGETTABLE_TABLES) sql.exec(`DELETE FROM ${table}`)
    this.#sketchMemo.clear()
    // Other isolates may still hold writes counted before this: their flush must not bring the counts back.
    this.#forgottenAt = Math.max(this.#forgottenAt, checkedNow(now))
    setMeta(sql, 'forgotten_at', this.#forgottenAt)
  }

  #usedColumns(sql: SqlStorage): Set<number> {
    return (this.#used ??= COUNTS.usedColumns(sql))
  }

  /** This object's SQL, its schema made again first if the idle alarm emptied it. */
  #sql(): SqlStorage {
    if (this.#emptied) {
      migrate(this.ctx.storage, COUNTERS_MIGRATIONS, COUNTERS_SCHEMA)
      this.#emptied = false
      this.#legacyApplied = false
      this.#made = { deny: false, history: false }
    }
    return this.ctx.storage.sql
  }

  /** This object's SQL, with `table` made first if it has not been. */
  #make(table: LaterTable): SqlStorage {
    const sql = this.#sql()
    if (!this.#made[table]) {
      for (const statement of LATER_TABLES[table]) sql.exec(statement)
      this.#made[table] = true
    }
    return sql
  }

  /** Runs at its scheduled time: prunes, deletes expired entries, empties an idle object. */
  override async alarm(): Promise<void> {
    if (this.#emptied) return // an alarm left from before the object was emptied: nothing is stored
    const sql = this.ctx.storage.sql
    await pruningAlarm(this.ctx.storage, COUNTERS_MIGRATIONS, (now) => this.#prune(now), () => {
      const dataUntil = Math.max(COUNTS.newest(sql) ?? -1, newestSighting(sql) ?? -1)
      const historyUntil = this.#made.history ? (newestHistory(sql) ?? -1) : -1
      const expiry = this.#made.deny ? nextDenyExpiry(sql) : null
      if (dataUntil < 0 && historyUntil < 0 && expiry === null) return null
      const after = (t: number, ms: number): number => (t < 0 ? Number.POSITIVE_INFINITY : t + ms)
      return Math.min(expiry ?? Number.POSITIVE_INFINITY, after(dataUntil, RETENTION_MS), after(historyUntil, HISTORY_MS))
    }, {
      emptied: () => {
        this.#emptied = true
        this.#used = null
      },
    })
  }

  #afterWrite(now: number): void {
    if (this.#pruning.due(now)) this.#prune(now)
    scheduleAlarm(this.ctx.storage, now + RETENTION_MS, 'if_none')
  }

  #prune(now: number): void {
    const sql = this.#sql()
    COUNTS.prune(sql, now)
    pruneDistinct(sql, now)
    if (this.#made.history) pruneHistory(sql, now)
    if (this.#made.deny) pruneDeny(sql, now)
    sql.exec('DELETE FROM applied_batches WHERE at < ?', now - APPLIED_KEEP_MS)
    if (this.#legacyApplied) {
      sql.exec('DELETE FROM applied WHERE at < ?', now - APPLIED_KEEP_MS)
      if (sql.exec('SELECT 1 FROM applied LIMIT 1').toArray().length === 0) {
        sql.exec('DROP TABLE applied') // its index with it
        this.#legacyApplied = false
      }
    }
  }

  #snapshot(now: number, deny: DenyQuery | null): Omit<KeySnapshot, 'fresh'> {
    const sql = this.#sql()
    const buckets = COUNTS.read(sql, now, this.#usedColumns(sql))
    const counts = Object.fromEntries(METRICS.map((m) => [m, buckets.windows.get(m) ?? ZERO_WINDOWS])) as Record<Metric, Windows>
    const distinct: Record<SetName, Windows> = readDistinctSets(sql, SETS, now, this.#sketchMemo)
    const recent = Object.fromEntries(buckets.recent) as RecentBuckets
    return { counts, distinct, deny: deny === null || !this.#made.deny ? null : lookupDeny(sql, deny.key, deny.kind, now), recent }
  }
}


/** A batch's time for its applied id: its ops' latest (the same each time it is sent), or `now` for one of forgets only (applied twice, still the same). */
function batchTime(b: CounterBatch, now: number): number {
  let t = Number.NEGATIVE_INFINITY
  for (const op of b.ops) if ('at' in op && op.at > t) t = op.at
  return t === Number.NEGATIVE_INFINITY ? now : t
}

function tableNames(sql: SqlStorage): Set<string> {
  return new Set(sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((r) => r.name))
}

function checkedMetric(m: unknown): Metric {
  if (!isMetric(m)) throw new TypeError(`unknown metric: ${String(m)}`)
  return m
}

/** A batch as sent by the ledger: ids and ops checked, times finite and not in the future, counts positive integers. */
function checkedBatch(b: unknown): CounterBatch {
  const { id, ops } = (b ?? {}) as { id?: unknown; ops?: unknown }
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_BATCH_ID_CHARS || !Array.isArray(ops) || ops.length > BATCH_ACCEPT_MAX_OPS) throw new TypeError('bad batch')
  const at = (t: unknown): number => {
    if (typeof t !== 'number' || !Number.isFinite(t)) throw new TypeError('bad batch time')
    return t
  }
  return {
    id,
    ops: ops.map((o: unknown) => {
      const op = (o ?? {}) as Record<string, unknown>
      switch (op.op) {
        case 'bump': {
          const n = op.n
          if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1_000_000) throw new TypeError('bad bump')
          return { op: 'bump', metric: checkedMetric(op.metric), at: at(op.at), n }
        }
        case 'add':
          return { op: 'add', ...checkedMember(op), at: at(op.at) }
        case 'forget':
          return { op: 'forget', ...checkedMember(op) }
        case 'remember': {
          const place = checkedPlace(op.place)
          if (place === null) throw new TypeError('bad place')
          return { op: 'remember', place, at: at(op.at) }
        }
        default:
          throw new TypeError('bad op')
      }
    }),
  }
}

function checkedMember(add: unknown): DistinctAdd {
  const { set, member } = (add ?? {}) as { set?: unknown; member?: unknown }
  if (!isSetName(set) || typeof member !== 'string' || member.length > MAX_MEMBER_CHARS) throw new TypeError('bad distinct member')
  return { set, member }
}

