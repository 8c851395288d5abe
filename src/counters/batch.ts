// Counter writes an isolate holds for a key before they reach its object: page views and assets
// counted after the answer, and origin outcomes. Takes events and the caller's time; returns
// batches (exactly-once by id) and the counts a cached snapshot plus these writes add up to.
// No I/O, no clock. Which requests may be decided this way is `readsInline`.
import { CREDENTIAL_CLASSES, HIGH_RISK_CLASSES, type RouteClass } from '../config/routeClasses'
import type { AccountPlace } from './history'
import { METRICS, SETS, type KeySnapshot, type Metric, type SetName } from './metrics'
import { bucketStart, WINDOW_SPECS, WINDOWS, windowFloor, type WindowName, type Windows } from './windows'

/** The finest bucket (the 1 min window's): an event is stored at its start, which every coarser window's bucket contains. */
export const EVENT_GRAIN_MS = 10_000

export type CounterOp =
  | { readonly op: 'bump'; readonly metric: Metric; readonly at: number; readonly n: number }
  | { readonly op: 'add'; readonly set: SetName; readonly member: string; readonly at: number }
  | { readonly op: 'forget'; readonly set: SetName; readonly member: string }
  | { readonly op: 'remember'; readonly place: AccountPlace; readonly at: number }

/** Writes applied once by their key's object, whatever how often they are sent (the object keeps applied ids). */
export interface CounterBatch {
  readonly id: string
  readonly ops: readonly CounterOp[]
}

/**
 * Ops per batch an isolate seals, and what an object accepts (higher: a batch sealed by an older
 * version in flight across a deploy is still taken). Small, because a sign-in's read carries a batch
 * and waits for it to apply: 1,000 set adds took 39 ms, past the shared 25 ms budget — a client could
 * have padded its own address's read out of its sign-in.
 */
export const BATCH_MAX_OPS = 256
export const BATCH_ACCEPT_MAX_OPS = 4_096
/** Batches per call: a flush (in waitUntil) sends up to this many; a request's own read, READ_BATCHES_MAX. */
export const BATCHES_PER_CALL_MAX = 64
export const READ_BATCHES_MAX = 1
/** Writes held per key beyond which its requests read inline (each read carries a batch to the object) instead of adding more. */
export const HELD_OPS_MAX = 512

/** The bumps of one event, at its grain. */
export function bumpOps(metrics: readonly Metric[], at: number): CounterOp[] {
  const t = bucketStart(at, EVENT_GRAIN_MS)
  return metrics.map((metric) => ({ op: 'bump', metric, at: t, n: 1 }))
}

/**
 * Appends `ops` to `into`, folding a bump into an earlier bump of the same metric and grain (bumps
 * commute with everything), and a set add into an earlier add of the same member with no forget of
 * it between (the later time kept: a member's last sighting is what its windows count). A client
 * repeating itself holds one op, not one per request. Forgets and remembered places keep their order.
 */
export function appendOps(into: CounterOp[], ops: readonly CounterOp[]): void {
  for (const op of ops) {
    if (op.op === 'bump') {
      const i = into.findIndex((o) => o.op === 'bump' && o.metric === op.metric && o.at === op.at)
      if (i >= 0) {
        const o = into[i] as Extract<CounterOp, { op: 'bump' }>
        into[i] = { ...o, n: o.n + op.n }
        continue
      }
    } else if (op.op === 'add') {
      const i = lastAddOf(into, op.set, op.member)
      if (i >= 0) {
        const o = into[i] as Extract<CounterOp, { op: 'add' }>
        if (op.at > o.at) into[i] = { ...o, at: op.at }
        continue
      }
    }
    into.push(op)
  }
}

/** The index of the last add of `member` to `set` after any forget of it, or -1. */
function lastAddOf(ops: readonly CounterOp[], set: SetName, member: string): number {
  for (let i = ops.length - 1; i >= 0; i--) {
    const o = ops[i]!
    if ((o.op === 'add' || o.op === 'forget') && o.set === set && o.member === member) return o.op === 'add' ? i : -1
  }
  return -1
}

/** Bumps in `batches` (and `pending`) per metric and window at `now`, by the object's own window rule. */
export function heldCounts(ops: Iterable<CounterOp>, now: number): Map<Metric, Record<WindowName, number>> {
  const floors = WINDOWS.map((w) => [w, windowFloor(now, w)] as const)
  const out = new Map<Metric, Record<WindowName, number>>()
  for (const op of ops) {
    if (op.op !== 'bump' || op.at > now) continue
    let w = out.get(op.metric)
    if (w === undefined) out.set(op.metric, (w = { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }))
    for (const [name, floor] of floors) if (op.at >= floor) w[name] += op.n
  }
  return out
}

/**
 * The snapshot's windows of `metric` as of `now`: its 1 min and 10 min windows re-summed from the
 * buckets it carries (`recent`), those the window still counts at `now` — a snapshot up to a minute
 * old otherwise reads a 1-minute rate over up to two. The 1 h and 24 h windows as answered (a minute
 * is within their own bucket's grain). Without `recent` (a test double, an older object), as answered.
 */
export function agedWindows(snap: KeySnapshot, metric: Metric, now: number): Windows {
  const answered = snap.counts[metric]
  if (snap.recent === undefined) return answered
  const triples = snap.recent[metric] ?? []
  const f1m = windowFloor(now, '1m')
  const f10m = windowFloor(now, '10m')
  let m1 = 0
  let m10 = 0
  for (let i = 0; i + 2 < triples.length; i += 3) {
    const res = triples[i]!
    const start = triples[i + 1]!
    const n = triples[i + 2]!
    // Both windows count from the one short series: a bucket can be in both.
    if (res === WINDOW_SPECS['1m'].res && start >= f1m) m1 += n
    if (res === WINDOW_SPECS['10m'].res && start >= f10m) m10 += n
  }
  return { '1m': m1, '10m': m10, '1h': answered['1h'], '24h': answered['24h'] }
}

/**
 * Sets a held view reads as an upper bound — the snapshot's count plus the distinct members held for
 * the set — rather than lagging by a flush: `tool_pages`, which only a rule reads (a fast scraper
 * read 6 more pages in the 2 s a flush took). A member already in the snapshot counts twice, so
 * a monitor polling two URLs reads at most 4.
 */
const UPPER_BOUND_SETS: ReadonlySet<SetName> = new Set<SetName>(['tool_pages'])

/**
 * What a key looks like now from this isolate: its last snapshot (or nothing counted, when never
 * read), aged to `now` (agedWindows), plus the bumps it holds for the key. Distinct sets are the
 * snapshot's (a set member may already be in it): they lag by one flush — but UPPER_BOUND_SETS.
 */
export function heldView(snap: KeySnapshot | null, heldOps: Iterable<CounterOp>, now: number): KeySnapshot {
  const held = [...heldOps]
  const add = heldCounts(held, now)
  const zero: Windows = { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }
  // A plain loop: this runs for each of a request's keys, and the map-to-entries form allocated twice per metric.
  const counts = {} as Record<Metric, Windows>
  for (const m of METRICS) {
    const base = snap === null ? zero : agedWindows(snap, m, now)
    const more = add.get(m)
    counts[m] = more === undefined ? base : { '1m': base['1m'] + more['1m'], '10m': base['10m'] + more['10m'], '1h': base['1h'] + more['1h'], '24h': base['24h'] + more['24h'] }
  }
  const base = snap?.distinct ?? (Object.fromEntries(SETS.map((s) => [s, zero])) as KeySnapshot['distinct'])
  const distinct = { ...base }
  for (const set of UPPER_BOUND_SETS) {
    const latest = new Map<string, number>()
    for (const op of held) if (op.op === 'add' && op.set === set && op.at <= now) latest.set(op.member, Math.max(op.at, latest.get(op.member) ?? op.at))
    if (latest.size === 0) continue
    const w = { ...base[set] }
    for (const at of latest.values()) for (const name of WINDOWS) if (at > now - WINDOW_SPECS[name].ms) w[name] += 1
    distinct[set] = w
  }
  return { counts, distinct, deny: snap?.deny ?? null, fresh: false }
}

/** Route classes whose requests always wait for a read of their keys: credentials, money and account changes. */
export const INLINE_CLASSES: ReadonlySet<RouteClass> = new Set<RouteClass>([...CREDENTIAL_CLASSES, ...HIGH_RISK_CLASSES, 'checkout'])

/**
 * Whether a request waits for its keys' objects. Reads (GET / HEAD) of pages, assets and the API do
 * not: they are decided on what the isolate knows and counted after the answer. Any write, any
 * credential, cohort or password key, and the sensitive classes (INLINE_CLASSES) wait, in one round trip.
 */
export function readsInline(e: { readonly routeClass: RouteClass; readonly method: string; readonly user: string | null; readonly cohort?: string | null; readonly password?: string | null }): boolean {
  const m = e.method.toUpperCase()
  if (m !== 'GET' && m !== 'HEAD') return true
  if (e.user !== null || e.cohort != null || e.password != null) return true
  return INLINE_CLASSES.has(e.routeClass)
}
