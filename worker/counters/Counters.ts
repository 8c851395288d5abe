// The journey-counter object of one key (device, IP, IP prefix or username). Takes
// caller-timed observations, outcomes and deny entries over RPC; returns its windows.
// Every RPC method is synchronous (no await), so concurrent calls apply one at a time.
import { DurableObject } from 'cloudflare:workers'
import type { DenyEntry, DenyKind } from '../../src/counters/deny'
import { isMetric, isSetName, METRICS, SETS, type KeySnapshot, type DistinctAdd, type Metric, type Observation, type SetName } from '../../src/counters/metrics'
import { RETENTION_MS, ZERO_WINDOWS, type Windows } from '../../src/counters/windows'
import { BUCKETS_TABLE, bump, newestBucket, pruneBuckets, readWindows } from './buckets'
import { DENY_TABLES, lookupDeny, nextDenyExpiry, pruneDeny, putDeny, removeDeny } from './denyStore'
import { addMember, DISTINCT_TABLES, forgetMember, newestSighting, pruneDistinct, readDistinctSets, type SketchMemo } from './distinct'
import { alarmDone, alarmTime, migrate, scheduleAlarm, type Migration } from './schema'

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
}

export const COUNTERS_MIGRATIONS: readonly Migration[] = [[BUCKETS_TABLE, ...DISTINCT_TABLES, ...DENY_TABLES]]

/** Inline pruning runs at most this often per object (alarms handle idle objects). */
const PRUNE_EVERY_MS = 60_000
const MAX_MEMBER_CHARS = 256
/** The tables of buckets.ts and distinct.ts: what a key has counted (not its deny entries). */
const FORGETTABLE_TABLES = ['buckets', 'members', 'sets', 'sketch'] as const

export class Counters extends DurableObject<Env> {
  #nextPruneAt = Number.NEGATIVE_INFINITY
  readonly #sketchMemo: SketchMemo = new Map()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    migrate(ctx.storage, COUNTERS_MIGRATIONS)
  }

  /** Counts one request (and its username or IP), then returns the windows and deny hit. */
  observe(input: ObserveInput): KeySnapshot {
    const now = checkedNow(input.now)
    const sql = this.ctx.storage.sql
    for (const m of input.bumps) bump(sql, checkedMetric(m), 1, now)
    const adds = Array.isArray(input.distinct) ? input.distinct : []
    if (adds.length > SETS.length) throw new TypeError('too many distinct members')
    for (const add of adds) {
      const { set, member } = checkedMember(add)
      addMember(sql, set, member, now)
    }
    this.#afterWrite(now)
    const snap = this.#snapshot(now, input.deny)
    const total24h = METRICS.reduce((n, m) => n + snap.counts[m]['24h'], 0)
    return { ...snap, fresh: total24h === input.bumps.length }
  }

  /** Counts an origin outcome (called after the response, in waitUntil), its set member if any, and the member it takes back. */
  record(input: { readonly now: number; readonly metric: Metric; readonly distinct?: DistinctAdd | null; readonly forget?: DistinctAdd | null }): void {
    const now = checkedNow(input.now)
    const sql = this.ctx.storage.sql
    bump(sql, checkedMetric(input.metric), 1, now)
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

  /** Reads without counting (admin, tests). */
  peek(now: number, deny: DenyQuery | null = null): KeySnapshot {
    return { ...this.#snapshot(checkedNow(now), deny), fresh: false }
  }

  /** Stores (or replaces) a deny entry; an alarm deletes it at its exact expiry. */
  deny(entry: DenyEntry): void {
    checkedNow(entry.expiresAt)
    putDeny(this.ctx.storage.sql, entry)
    scheduleAlarm(this.ctx.storage, entry.expiresAt, 'if_earlier')
  }

  undeny(key: string): boolean {
    return removeDeny(this.ctx.storage.sql, key)
  }

  /** Forgets this key's counts and distinct sets (admin unblock: the source is judged afresh); deny entries stay. */
  forget(): void {
    const sql = this.ctx.storage.sql
    for (const table of FORGETTABLE_TABLES) sql.exec(`DELETE FROM ${table}`)
    this.#sketchMemo.clear()
  }

  /** Runs at its scheduled time: prunes, deletes expired entries, empties an idle object. */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql
    const now = alarmTime(sql)
    if (now === null) return
    this.#prune(now)
    alarmDone(sql)
    const dataUntil = Math.max(newestBucket(sql) ?? -1, newestSighting(sql) ?? -1)
    const expiry = nextDenyExpiry(sql)
    if (dataUntil < 0 && expiry === null) {
      await this.ctx.storage.deleteAll()
      migrate(this.ctx.storage, COUNTERS_MIGRATIONS)
      return
    }
    const next = Math.min(expiry ?? Number.POSITIVE_INFINITY, dataUntil < 0 ? Number.POSITIVE_INFINITY : dataUntil + RETENTION_MS)
    scheduleAlarm(this.ctx.storage, Math.max(next, now + 1), 'if_earlier')
  }

  #afterWrite(now: number): void {
    if (now >= this.#nextPruneAt) {
      this.#prune(now)
      this.#nextPruneAt = now + PRUNE_EVERY_MS
    }
    scheduleAlarm(this.ctx.storage, now + RETENTION_MS, 'if_none')
  }

  #prune(now: number): void {
    const sql = this.ctx.storage.sql
    pruneBuckets(sql, now)
    pruneDistinct(sql, now)
    pruneDeny(sql, now)
  }

  #snapshot(now: number, deny: DenyQuery | null): Omit<KeySnapshot, 'fresh'> {
    const sql = this.ctx.storage.sql
    const stored = readWindows(sql, now)
    const counts = Object.fromEntries(METRICS.map((m) => [m, stored.get(m) ?? ZERO_WINDOWS])) as Record<Metric, Windows>
    const distinct: Record<SetName, Windows> = readDistinctSets(sql, SETS, now, this.#sketchMemo)
    return { counts, distinct, deny: deny === null ? null : lookupDeny(sql, deny.key, deny.kind, now) }
  }
}

function checkedNow(now: unknown): number {
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError('now must be a finite time in ms')
  return now
}

function checkedMetric(m: unknown): Metric {
  if (!isMetric(m)) throw new TypeError(`unknown metric: ${String(m)}`)
  return m
}

function checkedMember(add: unknown): DistinctAdd {
  const { set, member } = (add ?? {}) as { set?: unknown; member?: unknown }
  if (!isSetName(set) || typeof member !== 'string' || member.length > MAX_MEMBER_CHARS) throw new TypeError('bad distinct member')
  return { set, member }
}
