// Zone-wide figures without a hot object: isolates add batched deltas to one of
// ZONE_SHARDS shard objects; each shard forwards its pending delta to the root by alarm
// (exactly once: numbered batches, an outbox and per-shard dedupe). Takes caller-timed
// deltas; returns the root's figures. Must not be called once per request.
import { DurableObject } from 'cloudflare:workers'
import { ZONE_ROOT_NAME, ZONE_SHARDS } from '../../src/counters/keys'
import { ZERO_WINDOWS, type Windows } from '../../src/counters/windows'
import { addDelta, emptyDelta, figuresFrom, ZONE_METRICS, ZONE_POLICY, type ZoneDelta, type ZoneFigures, type ZoneMetric } from '../../src/counters/zone'
import { BUCKETS_TABLE, bump, pruneBuckets, readWindows } from './buckets'
import { alarmDone, alarmTime, getMeta, migrate, PruneClock, scheduleAlarm, setMeta, type Migration } from './schema'

export const ZONE_MIGRATIONS: readonly Migration[] = [
  [
    BUCKETS_TABLE,
    'CREATE TABLE IF NOT EXISTS pending (metric TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID',
    'CREATE TABLE IF NOT EXISTS shard_seq (shard INTEGER PRIMARY KEY, epoch TEXT NOT NULL, seq INTEGER NOT NULL)',
  ],
]

const PRUNE_EVERY_MS = 60_000

interface Outbox {
  readonly seq: number
  readonly delta: ZoneDelta
}

export class ZoneStats extends DurableObject<Env> {
  readonly #pruning = new PruneClock(PRUNE_EVERY_MS)

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    migrate(ctx.storage, ZONE_MIGRATIONS)
    if (getMeta(ctx.storage.sql, 'epoch') === undefined) setMeta(ctx.storage.sql, 'epoch', crypto.randomUUID())
  }

  /** Shard role: takes an isolate's batched delta; returns the last zone figures it got from the root. */
  add(shard: number, delta: ZoneDelta, now: number): ZoneFigures | null {
    if (!Number.isInteger(shard) || shard < 0 || shard >= ZONE_SHARDS || !Number.isFinite(now)) throw new TypeError('bad zone add')
    const sql = this.ctx.storage.sql
    const clean = addDelta(emptyDelta(), delta)
    for (const m of ZONE_METRICS) {
      if (clean[m] > 0) sql.exec('INSERT INTO pending (metric, n) VALUES (?, ?) ON CONFLICT(metric) DO UPDATE SET n = n + excluded.n', m, clean[m])
    }
    setMeta(sql, 'shard', shard)
    setMeta(sql, 'last_now', Math.max(now, numberMeta(sql, 'last_now') ?? now))
    setMeta(sql, 'touched', 1)
    scheduleAlarm(this.ctx.storage, now + ZONE_POLICY.forwardEveryMs, 'if_none')
    const cached = getMeta(sql, 'figures')
    return typeof cached === 'string' ? (JSON.parse(cached) as ZoneFigures) : null
  }

  /** Root role: applies a shard's numbered batch once, returns the zone figures at `now`. */
  report(shard: number, epoch: string, seq: number, delta: ZoneDelta, now: number): ZoneFigures {
    if (!Number.isInteger(shard) || !Number.isInteger(seq) || typeof epoch !== 'string' || !Number.isFinite(now)) throw new TypeError('bad zone report')
    const sql = this.ctx.storage.sql
    const last = sql.exec<{ epoch: string; seq: number }>('SELECT epoch, seq FROM shard_seq WHERE shard = ?', shard).toArray()[0]
    if (last === undefined || last.epoch !== epoch || seq > last.seq) {
      const clean = addDelta(emptyDelta(), delta)
      for (const m of ZONE_METRICS) if (clean[m] > 0) bump(sql, m, clean[m], now)
      sql.exec('INSERT INTO shard_seq (shard, epoch, seq) VALUES (?, ?, ?) ON CONFLICT(shard) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq', shard, epoch, seq)
    }
    return this.figures(now)
  }

  /** Root role: the zone figures at `now` (admin stats). */
  figures(now: number): ZoneFigures {
    const sql = this.ctx.storage.sql
    if (this.#pruning.due(now)) pruneBuckets(sql, now)
    const stored = readWindows(sql, now)
    const windows = Object.fromEntries(ZONE_METRICS.map((m) => [m, stored.get(m) ?? ZERO_WINDOWS])) as Record<ZoneMetric, Windows>
    return figuresFrom(windows, now)
  }

  /** Shard role: forwards the outbox (or the pending delta as a new numbered batch) to the root. */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql
    const at = alarmTime(sql)
    const shard = numberMeta(sql, 'shard')
    if (at === null || shard === null) return
    const outbox = this.#outbox()
    setMeta(sql, 'touched', 0)
    try {
      const root = this.env.ZONE_STATS.get(this.env.ZONE_STATS.idFromName(ZONE_ROOT_NAME))
      // Report at the latest time this shard has seen (an alarm can run late, or — in tests — the
      // clock can jump), so the figures it hands back are never older than its newest batch.
      const reportAt = Math.max(at, numberMeta(sql, 'last_now') ?? at)
      const figures = await root.report(shard, String(getMeta(sql, 'epoch')), outbox.seq, outbox.delta, reportAt)
      setMeta(sql, 'outbox', null)
      setMeta(sql, 'figures', JSON.stringify(figures))
    } catch {
      // Kept in the outbox: the next alarm resends the same batch; the root drops duplicates.
    }
    alarmDone(sql)
    const busy = getMeta(sql, 'touched') === 1 || getMeta(sql, 'outbox') !== null
    if (busy) {
      const base = Math.max(at, numberMeta(sql, 'last_now') ?? at)
      scheduleAlarm(this.ctx.storage, base + ZONE_POLICY.forwardEveryMs, 'if_earlier')
    }
  }

  /** The batch to send: the unsent outbox, or the pending delta moved into a new one. */
  #outbox(): Outbox {
    const sql = this.ctx.storage.sql
    const saved = getMeta(sql, 'outbox')
    if (typeof saved === 'string') return JSON.parse(saved) as Outbox
    const delta = emptyDelta()
    for (const r of sql.exec<{ metric: string; n: number }>('SELECT metric, n FROM pending')) addDelta(delta, { [r.metric]: r.n })
    sql.exec('DELETE FROM pending')
    const seq = (numberMeta(sql, 'seq') ?? 0) + 1
    setMeta(sql, 'seq', seq)
    const box: Outbox = { seq, delta }
    setMeta(sql, 'outbox', JSON.stringify(box))
    return box
  }
}

function numberMeta(sql: SqlStorage, key: string): number | null {
  const v = getMeta(sql, key)
  return typeof v === 'number' ? v : null
}
