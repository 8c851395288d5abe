// The console's share of the zone batch: per-minute counts by action, route class, reason,
// rule and host, and a bounded sample of recent decision lines. Takes decision log lines and
// merges batches; returns plain data for the isolate → shard → root path. No I/O, no clock.
import { ZONE_SHARDS } from '../counters/keys'
import type { DecisionLogLine } from '../log/logLine'
import { isMitigated } from './filter'

/**
 * What each per-minute cell counts; `route` keys are `<route class>|<action>`. `would` counts only the
 * decisions whose would_action differs from their action, keyed `<action>><would_action>` (see
 * SHIFT): in enforce they are the same, and a cell per request repeating `action` would be waste.
 * What enforce would have done is `action` with those decisions moved over (wouldRows).
 */
export const CONSOLE_DIMS = ['action', 'would', 'route', 'reason', 'rule', 'host'] as const
export type ConsoleDim = (typeof CONSOLE_DIMS)[number]
export const isConsoleDim = (v: unknown): v is ConsoleDim => typeof v === 'string' && (CONSOLE_DIMS as readonly string[]).includes(v)

/** One count: [minute (ms since epoch / 60 000), dimension, key, n]. */
export type MinuteCell = readonly [minute: number, dim: ConsoleDim, key: string, n: number]

/** The log line's own fields the console keeps, as the line has them. */
type KeptFields = 'ref' | 'method' | 'host' | 'path' | 'route' | 'ip' | 'asn' | 'country' | 'device' | 'user' | 'agent' | 'risk' | 'model_risk' |
  'action' | 'would_action' | 'mode' | 'reasons' | 'rules' | 'model' | 'config' | 'origin_status' | 'missing'

/** A decision line as the console keeps it: the log line's fields (no features beyond the line's) plus the User-Agent. */
export type SampleLine = Pick<DecisionLogLine, KeptFields> & {
  readonly at: number
  readonly detail: string | null
  readonly status: number | null
  /** The client's User-Agent, capped: hostile text, shown escaped. */
  readonly ua: string
  readonly features: Readonly<Record<string, number>> | null
  /** What decided it (deny_list, allow_list, rule, model, mode_off) and the app whose token it carried: the dry run needs both. Absent on lines kept before they were. */
  readonly source?: string
  readonly app?: string | null
}

export interface ConsoleBatch {
  readonly minutes: readonly MinuteCell[]
  readonly sample: readonly SampleLine[]
}

export const MINUTE_MS = 60_000
/** Keys are capped (a host or a reason is short; anything longer is an attack on the table). */
export const MAX_KEY_CHARS = 100
export const MAX_UA_CHARS = 256
export const MAX_SAMPLE_PATH = 256
/** Distinct keys per (minute, dimension) an isolate, a shard and the root keep; the rest count under OTHER_KEY. */
export const MAX_KEYS_PER_MINUTE = 32
/** Distinct keys per (hour, dimension) the root's hour table keeps (the day and week views read it). */
export const MAX_KEYS_PER_HOUR = 4 * MAX_KEYS_PER_MINUTE
export const OTHER_KEY = '(other)'
/** Lines an isolate keeps between flushes (the newest); a shard keeps SHARD_SAMPLE_CAP, the root ROOT_SAMPLE_CAP. */
export const ISOLATE_SAMPLE_CAP = 150
export const SHARD_SAMPLE_CAP = 300
export const ROOT_SAMPLE_CAP = 2_000
/**
 * Lines an isolate flush and a shard forward carry at most (mitigated first, then the newest): the
 * root takes at most ZONE_SHARDS × this = ROOT_SAMPLE_CAP per forward period (5 s), so what it
 * keeps reaches back at least one forward period on the busiest zone, and ROOT_SAMPLE_CAP lines'
 * worth of decisions on a quieter one. Without a quota every line flowed on at full rate, to be
 * deleted at the root seconds later (an insert and a delete per line).
 */
export const FORWARD_SAMPLE_CAP = Math.floor(ROOT_SAMPLE_CAP / ZONE_SHARDS)
/** The root keeps a week of minutes. */
export const MINUTES_RETENTION_MS = 7 * 24 * 3_600_000

export const emptyBatch = (): ConsoleBatch => ({ minutes: [], sample: [] })

export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS)

const cap = (s: string, n: number): string => (s.length > n ? s.slice(0, n) : s)

/** The sample's copy of a log line (`ua` from the request, capped). */
export function sampleLineFrom(line: DecisionLogLine, at: number, ua: string | null): SampleLine {
  return {
    at,
    ref: line.ref,
    method: cap(line.method, 16),
    host: cap(line.host, MAX_KEY_CHARS),
    path: cap(line.path, MAX_SAMPLE_PATH),
    route: line.route,
    ip: line.ip,
    asn: line.asn,
    country: line.country,
    device: line.device,
    user: line.user,
    agent: line.agent,
    risk: line.risk,
    model_risk: line.model_risk,
    action: line.action,
    would_action: line.would_action,
    mode: line.mode,
    reasons: line.reasons.slice(0, 16).map((r) => cap(r, MAX_KEY_CHARS)),
    rules: line.rules.slice(0, 16).map((r) => cap(r, MAX_KEY_CHARS)),
    model: line.model,
    config: line.config,
    origin_status: line.origin_status,
    missing: line.missing.slice(0, 16),
    detail: line.detail ?? null,
    status: line.status ?? null,
    ua: cap(ua ?? '', MAX_UA_CHARS),
    features: line.features ?? null,
    source: line.source,
    app: line.app,
  }
}

/** The cells one decision adds (each n = 1). */
export function cellsOf(s: SampleLine): MinuteCell[] {
  const m = minuteOf(s.at)
  const cells: MinuteCell[] = [
    [m, 'action', s.action, 1],
    [m, 'route', `${s.route}|${s.action}`, 1],
    [m, 'host', s.host, 1],
  ]
  if (s.would_action !== s.action) cells.push([m, 'would', `${s.action}${SHIFT}${s.would_action}`, 1])
  for (const r of new Set(s.reasons)) cells.push([m, 'reason', r, 1])
  for (const r of new Set(s.rules)) cells.push([m, 'rule', r, 1])
  return cells // keys are capped where they are added
}

/** At most `n` of `lines`: the mitigated ones first, then the rest, newest first within each; returned oldest first. */
export function pickSample(lines: readonly SampleLine[], n: number): SampleLine[] {
  if (lines.length <= n) return [...lines]
  const newest = [...lines].sort((a, b) => b.at - a.at)
  const picked = [...newest.filter((s) => isMitigated(s.action)), ...newest.filter((s) => !isMitigated(s.action))].slice(0, Math.max(0, n))
  return picked.sort((a, b) => a.at - b.at)
}

/** Between the action and the would_action in a `would` key. */
export const SHIFT = '>'

/**
 * What enforce would have done, per key (and per bucket, when rows have one): the `action` counts
 * with each `would` count (`<action>><would_action>`) moved from its action to its would_action.
 * A `would` key without SHIFT (`(other)`) is left out. Rows with nothing left are dropped.
 */
export function wouldRows<R extends { readonly key: string; readonly n: number; readonly bucket?: number }>(actions: readonly R[], shifts: readonly R[]): { bucket?: number; key: string; n: number }[] {
  const out = new Map<string, { bucket?: number; key: string; n: number }>()
  const at = (bucket: number | undefined, key: string) => {
    const id = `${bucket ?? ''}\u0000${key}`
    let row = out.get(id)
    if (row === undefined) out.set(id, (row = bucket === undefined ? { key, n: 0 } : { bucket, key, n: 0 }))
    return row
  }
  for (const r of actions) at(r.bucket, r.key).n += r.n
  for (const r of shifts) {
    const i = r.key.indexOf(SHIFT)
    if (i <= 0 || i === r.key.length - 1) continue
    at(r.bucket, r.key.slice(0, i)).n -= r.n
    at(r.bucket, r.key.slice(i + 1)).n += r.n
  }
  return [...out.values()].filter((r) => r.n > 0)
}

/**
 * Pending minutes and sample between flushes (per isolate). Bounded: MAX_KEYS_PER_MINUTE keys per
 * (minute, dimension), the newest ISOLATE_SAMPLE_CAP lines.
 */
export class PendingConsole {
  readonly #cells = new Map<string, { minute: number; dim: ConsoleDim; key: string; n: number }>()
  readonly #keysPer = new Map<string, number>()
  #sample: SampleLine[] = []
  readonly #sampleCap: number

  constructor(sampleCap = ISOLATE_SAMPLE_CAP) {
    this.#sampleCap = sampleCap
  }

  add(cells: readonly MinuteCell[]): void {
    for (const [minute, dim, key, n] of cells) {
      if (!Number.isInteger(minute) || !isConsoleDim(dim) || typeof key !== 'string' || !Number.isFinite(n) || n <= 0) continue
      const slot = `${minute}\u0000${dim}`
      let k = key.length > MAX_KEY_CHARS ? key.slice(0, MAX_KEY_CHARS) : key
      // minute and dim come from fixed sets and the key is last: the id is unambiguous.
      let id = `${slot}\u0000${k}`
      if (!this.#cells.has(id)) {
        const used = this.#keysPer.get(slot) ?? 0
        if (used >= MAX_KEYS_PER_MINUTE) {
          k = OTHER_KEY
          id = `${slot}\u0000${k}`
        }
        if (!this.#cells.has(id)) this.#keysPer.set(slot, used + 1)
      }
      const cell = this.#cells.get(id)
      if (cell === undefined) this.#cells.set(id, { minute, dim, key: k, n: Math.floor(n) })
      else cell.n += Math.floor(n)
    }
  }

  note(line: SampleLine): void {
    this.add(cellsOf(line))
    this.#sample.push(line)
    // Trimmed in halves, not per line: a busy isolate past the cap does not copy the list on every request.
    if (this.#sample.length >= this.#sampleCap * 2) this.#sample = this.#sample.slice(-this.#sampleCap)
  }

  get size(): number {
    return this.#cells.size + Math.min(this.#sample.length, this.#sampleCap)
  }

  /** Everything pending (of the lines kept, at most the cap: mitigated first, then the newest), and empties itself. */
  take(): ConsoleBatch {
    const minutes = [...this.#cells.values()].map((c) => [c.minute, c.dim, c.key, c.n] as const)
    const sample = pickSample(this.#sample, Math.min(this.#sampleCap, FORWARD_SAMPLE_CAP))
    this.#cells.clear()
    this.#keysPer.clear()
    this.#sample = []
    return { minutes, sample }
  }
}

/** A batch from the wire, checked (a shard or root must not store what it cannot read). */
export function cleanBatch(x: unknown): ConsoleBatch {
  if (typeof x !== 'object' || x === null) return emptyBatch()
  const b = x as { minutes?: unknown; sample?: unknown }
  const minutes = Array.isArray(b.minutes)
    ? b.minutes.filter(
        (c): c is MinuteCell =>
          Array.isArray(c) && c.length === 4 && Number.isInteger(c[0]) && isConsoleDim(c[1]) && typeof c[2] === 'string' && Number.isFinite(c[3]) && (c[3] as number) > 0,
      )
    : []
  const sample = Array.isArray(b.sample)
    ? b.sample.filter((s): s is SampleLine => typeof s === 'object' && s !== null && typeof (s as SampleLine).ref === 'string' && Number.isFinite((s as SampleLine).at))
    : []
  return { minutes, sample }
}
