// The admin registry: an index of deny entries (for listing; enforcement lives in each
// key's Counters object) and durable fraud labels. Takes caller-timed admin calls over
// RPC; returns lists and counts. Never on the request path.
import { DurableObject } from 'cloudflare:workers'
import { LABELS, type Label, type LabelInput } from '../../src/counters/adminInput'
import { denyKey, type DenyEntry, type DenyTarget } from '../../src/counters/deny'
import { alarmDone, alarmTime, migrate, scheduleAlarm, type Migration } from './schema'
import { wafSettings } from '../waf/settings'
import { nextWafDue, queueWafAdd, queueWafLift, syncWaf, WAF_SYNC_GUARD_MS, WAF_TABLES, wafStatus, type WafStatus } from '../waf/sync'

export const REGISTRY_MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE IF NOT EXISTS deny_index (key TEXT PRIMARY KEY, target TEXT NOT NULL, reason TEXT NOT NULL,
      created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
    'CREATE INDEX IF NOT EXISTS deny_index_expiry ON deny_index (expires_at)',
    `CREATE TABLE IF NOT EXISTS labels (seq INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT, device TEXT, user TEXT,
      label TEXT NOT NULL, note TEXT, created_at INTEGER NOT NULL)`,
  ],
  // IPs waiting to be added to or lifted from the Cloudflare IP List (worker/waf/sync.ts).
  [...WAF_TABLES],
]

export const MAX_LABELS_STORED = 100_000
export const MAX_DENY_LISTED = 10_000

export interface LabelRecord extends LabelInput {
  readonly seq: number
  readonly created_at: number
}

/** `full`: nothing was added (the store would pass MAX_LABELS_STORED). */
export interface AddLabelsResult {
  readonly full: boolean
  readonly added: number
  readonly total: number
}

type LabelRow = { seq: number; ref: string | null; device: string | null; user: string | null; label: string; note: string | null; created_at: number }

export class Registry extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    migrate(ctx.storage, REGISTRY_MIGRATIONS)
  }

  indexDeny(entry: DenyEntry): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO deny_index (key, target, reason, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET target = excluded.target, reason = excluded.reason,
         created_at = excluded.created_at, expires_at = excluded.expires_at`,
      denyKey(entry.target),
      JSON.stringify(entry.target),
      entry.reason,
      entry.createdAt,
      entry.expiresAt,
    )
    scheduleAlarm(this.ctx.storage, entry.expiresAt, 'if_earlier')
    if (wafSettings(this.env) !== null && queueWafAdd(this.ctx.storage.sql, entry)) this.#wakeForWaf()
  }

  /** `now` (the caller's time) dates the WAF lift; the wall clock when not given. */
  unindexDeny(key: string, now: number = Date.now()): boolean {
    if (wafSettings(this.env) !== null && queueWafLift(this.ctx.storage.sql, key, now)) this.#wakeForWaf()
    return this.ctx.storage.sql.exec('DELETE FROM deny_index WHERE key = ?', key).rowsWritten > 0
  }

  /** The IP List sync's state, for `GET stats`. */
  wafStatus(): WafStatus {
    return wafStatus(this.ctx.storage.sql, wafSettings(this.env) !== null)
  }

  #wakeForWaf(): void {
    const due = nextWafDue(this.ctx.storage.sql)
    if (due !== null) scheduleAlarm(this.ctx.storage, due, 'if_earlier')
  }

  /** Live entries at `now`, soonest expiry first. */
  listDeny(now: number, limit = MAX_DENY_LISTED): DenyEntry[] {
    const rows = this.ctx.storage.sql
      .exec<{ target: string; reason: string; created_at: number; expires_at: number }>(
        'SELECT target, reason, created_at, expires_at FROM deny_index WHERE expires_at > ? ORDER BY expires_at LIMIT ?',
        now,
        Math.min(Math.max(1, limit), MAX_DENY_LISTED),
      )
      .toArray()
    return rows.map((r) => ({ target: JSON.parse(r.target) as DenyTarget, reason: r.reason, createdAt: r.created_at, expiresAt: r.expires_at }))
  }

  countDeny(now: number): number {
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM deny_index WHERE expires_at > ?', now).one().n
  }

  addLabels(items: readonly LabelInput[], now: number): AddLabelsResult {
    const sql = this.ctx.storage.sql
    const total = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM labels').one().n
    if (total + items.length > MAX_LABELS_STORED) return { full: true, added: 0, total }
    for (const l of items) {
      sql.exec(
        'INSERT INTO labels (ref, device, user, label, note, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        l.ref ?? null,
        l.device ?? null,
        l.user ?? null,
        l.label,
        l.note ?? null,
        now,
      )
    }
    return { full: false, added: items.length, total: total + items.length }
  }

  /** Labels in insertion order after `afterSeq`, at most `limit`. */
  exportLabels(afterSeq: number, limit: number): LabelRecord[] {
    const rows = this.ctx.storage.sql
      .exec<LabelRow>('SELECT seq, ref, device, user, label, note, created_at FROM labels WHERE seq > ? ORDER BY seq LIMIT ?', afterSeq, limit)
      .toArray()
    return rows.map((r) => ({
      seq: r.seq,
      created_at: r.created_at,
      label: isLabel(r.label) ? r.label : 'fraud',
      ...(r.ref !== null ? { ref: r.ref } : {}),
      ...(r.device !== null ? { device: r.device } : {}),
      ...(r.user !== null ? { user: r.user } : {}),
      ...(r.note !== null ? { note: r.note } : {}),
    }))
  }

  labelCounts(): { total: number; fraud: number; legitimate: number } {
    const rows = this.ctx.storage.sql.exec<{ label: string; n: number }>('SELECT label, COUNT(*) AS n FROM labels GROUP BY label').toArray()
    const by = (l: string): number => rows.find((r) => r.label === l)?.n ?? 0
    return { total: rows.reduce((n, r) => n + r.n, 0), fraud: by('fraud'), legitimate: by('legitimate') }
  }

  /**
   * Deletes index entries at their exact expiry (an IP's leaves the IP List too), sends the IP List
   * its due adds and lifts when configured, then waits for the next expiry or due row.
   */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql
    const now = alarmTime(sql)
    if (now === null) return
    const waf = wafSettings(this.env)
    if (waf !== null) {
      for (const r of sql.exec<{ key: string }>('SELECT key FROM deny_index WHERE expires_at <= ?', now).toArray()) queueWafLift(sql, r.key, now)
    }
    sql.exec('DELETE FROM deny_index WHERE expires_at <= ?', now)
    alarmDone(sql)
    // The next alarm is set before the sync waits on the API: a run cut short there (a deploy, the
    // alarm's wall-clock limit) is retried with no alarm time and does nothing, so without it every
    // later expiry — and its lift from the IP List — would wait for the next denial to set one.
    // Rows still queued then get a retry once the longest run could have ended.
    this.#scheduleNext(now, waf !== null && nextWafDue(sql) !== null ? now + WAF_SYNC_GUARD_MS : null)
    if (waf === null) return
    // Off the request path; never throws. Denials and lifts arriving meanwhile queue and set their own alarm.
    await syncWaf(sql, waf, now)
    this.#scheduleNext(now, nextWafDue(sql))
  }

  /** The alarm at the next deny-index expiry, or at `other` when earlier (both no earlier than just after `now`). */
  #scheduleNext(now: number, other: number | null): void {
    const next = this.ctx.storage.sql.exec<{ t: number | null }>('SELECT MIN(expires_at) AS t FROM deny_index').toArray()[0]?.t ?? null
    for (const t of [next, other]) if (t !== null) scheduleAlarm(this.ctx.storage, Math.max(t, now + 1), 'if_earlier')
  }
}

const isLabel = (v: string): v is Label => (LABELS as readonly string[]).includes(v)
