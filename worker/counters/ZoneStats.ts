// Zone-wide figures without a hot object: isolates add batched deltas to one of
// ZONE_SHARDS shard objects; each shard forwards its pending delta to the root by alarm
// (exactly once: numbered batches, an outbox and per-shard dedupe). Takes caller-timed
// deltas; returns the root's figures. Must not be called once per request.
import { DurableObject } from 'cloudflare:workers'
import { ZONE_ROOT_NAME, ZONE_SHARDS } from '../../src/counters/keys'
import { ZERO_WINDOWS, type Windows } from '../../src/counters/windows'
import { addDelta, emptyDelta, figuresFrom, ZONE_METRICS, ZONE_POLICY, type ZoneDelta, type ZoneFigures, type ZoneMetric } from '../../src/counters/zone'
import { ROOT_SAMPLE_CAP, wouldRows, type ConsoleBatch, type ConsoleDim, type SampleLine } from '../../src/console/batch'
import { matches, parseFilter, topSources, type SampleFilter, type SourceCount } from '../../src/console/filter'
import { isRange, spanOf, type Range, type Span } from '../../src/console/range'
import { addPending, applyAtRoot, CONSOLE_MIGRATION, pruneConsole, readLine, readSample, readSeries, readTotals, takePending, type SeriesRow } from '../console/store'
import { bucketTable, ROWS_PER_METRIC_TABLE } from './buckets'
import { alarmDone, alarmTime, getMeta, migrate, PruneClock, scheduleAlarm, setMeta, type Migration } from './schema'

/** The zone's windows: one row per bucket, a column per metric (buckets.ts). */
const COUNTS = bucketTable('counts', ZONE_METRICS)

export const ZONE_MIGRATIONS: readonly Migration[] = [
  [
    ROWS_PER_METRIC_TABLE,
    'CREATE TABLE IF NOT EXISTS pending (metric TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID',
    'CREATE TABLE IF NOT EXISTS shard_seq (shard INTEGER PRIMARY KEY, epoch TEXT NOT NULL, seq INTEGER NOT NULL)',
  ],
  // The console's per-minute counts and decision sample (worker/console/store.ts).
  CONSOLE_MIGRATION,
  [COUNTS.create, ...COUNTS.fromRowsPerMetric('buckets')],
  // Two bucket series, not four: the 10 min window from the 10 s series, the 24 h window from the 5 min one.
  COUNTS.fromFormerSeries(),
]

const PRUNE_EVERY_MS = 60_000

export interface ConsoleView {
  readonly span: Span
  readonly actions: SeriesRow[]
  readonly would: SeriesRow[]
  readonly totals: Readonly<Record<'action' | 'would' | 'route' | 'reason' | 'rule' | 'host', { key: string; n: number }[]>>
  readonly sampleSize: number
}

interface Outbox {
  readonly seq: number
  readonly delta: ZoneDelta
  /** The console's share, forwarded and deduped with the zone delta. */
  readonly console?: ConsoleBatch
}

export class ZoneStats extends DurableObject<Env> {
  readonly #pruning = new PruneClock(PRUNE_EVERY_MS)

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    migrate(ctx.storage, ZONE_MIGRATIONS)
    COUNTS.addMissingColumns(ctx.storage.sql)
    if (getMeta(ctx.storage.sql, 'epoch') === undefined) setMeta(ctx.storage.sql, 'epoch', crypto.randomUUID())
  }

  /** Shard role: takes an isolate's batched delta; returns the last zone figures it got from the root. */
  add(shard: number, delta: ZoneDelta, now: number, console?: ConsoleBatch): ZoneFigures | null {
    if (!Number.isInteger(shard) || shard < 0 || shard >= ZONE_SHARDS || !Number.isFinite(now)) throw new TypeError('bad zone add')
    const sql = this.ctx.storage.sql
    const clean = addDelta(emptyDelta(), delta)
    for (const m of ZONE_METRICS) {
      if (clean[m] > 0) sql.exec('INSERT INTO pending (metric, n) VALUES (?, ?) ON CONFLICT(metric) DO UPDATE SET n = n + excluded.n', m, clean[m])
    }
    if (console !== undefined) addPending(sql, console)
    setMeta(sql, 'shard', shard)
    setMeta(sql, 'last_now', Math.max(now, numberMeta(sql, 'last_now') ?? now))
    setMeta(sql, 'touched', 1)
    scheduleAlarm(this.ctx.storage, now + ZONE_POLICY.forwardEveryMs, 'if_none')
    const cached = getMeta(sql, 'figures')
    return typeof cached === 'string' ? (JSON.parse(cached) as ZoneFigures) : null
  }

  /** Root role: applies a shard's numbered batch once, returns the zone figures at `now`. */
  report(shard: number, epoch: string, seq: number, delta: ZoneDelta, now: number, console?: ConsoleBatch): ZoneFigures {
    if (!Number.isInteger(shard) || !Number.isInteger(seq) || typeof epoch !== 'string' || !Number.isFinite(now)) throw new TypeError('bad zone report')
    const sql = this.ctx.storage.sql
    const last = sql.exec<{ epoch: string; seq: number }>('SELECT epoch, seq FROM shard_seq WHERE shard = ?', shard).toArray()[0]
    if (last === undefined || last.epoch !== epoch || seq > last.seq) {
      const clean = addDelta(emptyDelta(), delta)
      COUNTS.bumpAll(sql, ZONE_METRICS.filter((m) => clean[m] > 0).map((m) => ({ metric: m, n: clean[m], at: now })))
      if (console !== undefined) applyAtRoot(sql, console)
      sql.exec('INSERT INTO shard_seq (shard, epoch, seq) VALUES (?, ?, ?) ON CONFLICT(shard) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq', shard, epoch, seq)
    }
    return this.figures(now)
  }

  /** Root role: the zone figures at `now` (admin stats). */
  figures(now: number): ZoneFigures {
    const sql = this.ctx.storage.sql
    if (this.#pruning.due(now)) {
      COUNTS.prune(sql, now)
      pruneConsole(sql, now)
    }
    const stored = COUNTS.read(sql, now).windows
    const windows = Object.fromEntries(ZONE_METRICS.map((m) => [m, stored.get(m) ?? ZERO_WINDOWS])) as Record<ZoneMetric, Windows>
    return figuresFrom(windows, now)
  }

  /** Root role: the console's charts and tops over `range` at `now` (worker/console/store.ts). */
  consoleView(range: Range, now: number): ConsoleView {
    if (!isRange(range) || !Number.isFinite(now)) throw new TypeError('bad console view')
    const sql = this.ctx.storage.sql
    const span = spanOf(range, now)
    const top = (dim: ConsoleDim, limit: number) => readTotals(sql, dim, span.fromMinute, span.toMinute, span.hours, limit)
    const actions = readSeries(sql, 'action', span.fromMinute, span.toMinute, span.bucketMinutes)
    // `would` holds only the decisions enforce would have treated otherwise (src/console/batch.ts): the rest is `action`.
    const would = wouldRows(actions, readSeries(sql, 'would', span.fromMinute, span.toMinute, span.bucketMinutes)) as SeriesRow[]
    const wouldTotals = wouldRows(top('action', 100), top('would', 1_000))
      .sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, 10)
    return {
      span,
      actions,
      would,
      totals: { action: top('action', 10), would: wouldTotals, route: top('route', 60), reason: top('reason', 10), rule: top('rule', 10), host: top('host', 10) },
      sampleSize: sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM console_sample').one().n,
    }
  }

  /** Root role: the newest sample lines matching `filter` (at most `limit`, without features), and how many matched. */
  consoleFind(filter: SampleFilter, limit: number): { lines: SampleLine[]; matched: number; scanned: number } {
    const all = readSample(this.ctx.storage.sql, ROOT_SAMPLE_CAP)
    const checked = parseFilter(filterStrings(filter))
    const hits = all.filter((s) => matches(s, checked))
    const n = Math.max(1, Math.min(ROOT_SAMPLE_CAP, Math.floor(limit) || 1))
    return { lines: hits.slice(0, n).map((s) => ({ ...s, features: null })), matched: hits.length, scanned: all.length }
  }

  /** Root role: the sample's top sources (IP, ASN, country, device, user), each with its mitigated count. */
  consoleSources(limit: number): Record<'ip' | 'asn' | 'country' | 'device' | 'user', SourceCount[]> {
    const all = readSample(this.ctx.storage.sql, ROOT_SAMPLE_CAP)
    const n = Math.max(1, Math.min(50, Math.floor(limit) || 1))
    return { ip: topSources(all, 'ip', n), asn: topSources(all, 'asn', n), country: topSources(all, 'country', n), device: topSources(all, 'device', n), user: topSources(all, 'user', n) }
  }

  /** Root role: the whole sample with its features, newest first (the console's dry run re-decides it). */
  consoleSample(): SampleLine[] {
    return readSample(this.ctx.storage.sql, ROOT_SAMPLE_CAP)
  }

  /** Root role: one sample line by its ref, or null when it is not (or no longer) in the sample. */
  consoleLine(ref: string): SampleLine | null {
    return typeof ref === 'string' ? readLine(this.ctx.storage.sql, ref) : null
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
      const figures = await root.report(shard, String(getMeta(sql, 'epoch')), outbox.seq, outbox.delta, reportAt, outbox.console)
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
    const box: Outbox = { seq, delta, console: takePending(sql) }
    setMeta(sql, 'outbox', JSON.stringify(box))
    return box
  }
}

/** A filter that crossed RPC, re-checked as if it were a query (the caller is trusted, the values came from a browser). */
function filterStrings(f: SampleFilter): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  if (typeof f === 'object' && f !== null) for (const [k, v] of Object.entries(f)) out[k] = typeof v === 'string' || typeof v === 'number' ? String(v) : undefined
  return out
}

function numberMeta(sql: SqlStorage, key: string): number | null {
  const v = getMeta(sql, key)
  return typeof v === 'number' ? v : null
}
