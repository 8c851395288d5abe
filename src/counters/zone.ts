// Zone-wide figures for distributed, low-and-slow attacks: per-isolate deltas, the flush
// policy and the figures read back. Takes counts and times; returns figures; no I/O, no clock.
import type { Windows } from './windows'

export const ZONE_METRICS = ['requests', 'login_successes', 'login_failures', 'new_ips', 'new_users'] as const
export type ZoneMetric = (typeof ZONE_METRICS)[number]

export const isZoneMetric = (v: unknown): v is ZoneMetric =>
  typeof v === 'string' && (ZONE_METRICS as readonly string[]).includes(v)

export type ZoneDelta = Record<ZoneMetric, number>

export interface ZoneFigures {
  /** When the root object computed these (its caller's `now`). */
  readonly at: number
  readonly windows: Readonly<Record<ZoneMetric, Windows>>
  /** failures / (failures + successes) over 10 min; null below MIN_LOGINS_FOR_RATIO. */
  readonly loginFailureRatio10m: number | null
}

/** Below this many logins in 10 min, the ratio says nothing and is reported missing. */
export const MIN_LOGINS_FOR_RATIO = 20

export const ZONE_POLICY = {
  /** An isolate flushes (and refreshes its figures) at most this often in steady state. */
  flushEveryMs: 5_000,
  /** …or sooner, once this many events are pending… */
  burstEvents: 256,
  /** …but never twice within this gap. */
  minGapMs: 1_000,
  /** A shard forwards its pending delta to the root this often (alarm). */
  forwardEveryMs: 5_000,
  /** Figures older than this are not used for features. */
  maxFiguresAgeMs: 60_000,
} as const

export function emptyDelta(): ZoneDelta {
  return { requests: 0, login_successes: 0, login_failures: 0, new_ips: 0, new_users: 0 }
}

export function deltaEvents(d: Readonly<ZoneDelta>): number {
  return ZONE_METRICS.reduce((n, m) => n + d[m], 0)
}

/** Adds `b` into `a` (mutates `a`, returns it). Ignores non-finite or negative counts. */
export function addDelta(a: ZoneDelta, b: Readonly<Partial<Record<string, unknown>>>): ZoneDelta {
  for (const m of ZONE_METRICS) {
    const v = b[m]
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) a[m] += Math.floor(v)
  }
  return a
}

export interface FlushState {
  readonly pendingEvents: number
  readonly lastFlushAt: number
  readonly inflight: boolean
}

/** True when an isolate should send its delta (and read the figures back) now. */
export function flushDue(s: FlushState, now: number): boolean {
  if (s.inflight) return false
  const since = now - s.lastFlushAt
  if (since < ZONE_POLICY.minGapMs) return false
  return since >= ZONE_POLICY.flushEveryMs || s.pendingEvents >= ZONE_POLICY.burstEvents
}

export function loginFailureRatio(failures: number, successes: number): number | null {
  const total = failures + successes
  return total < MIN_LOGINS_FOR_RATIO ? null : failures / total
}

export function figuresFrom(windows: Readonly<Record<ZoneMetric, Windows>>, at: number): ZoneFigures {
  return {
    at,
    windows,
    loginFailureRatio10m: loginFailureRatio(windows.login_failures['10m'], windows.login_successes['10m']),
  }
}

/** The ratio a request's features may use: fresh enough figures only, else null. */
export function usableRatio(figures: ZoneFigures | null, now: number): number | null {
  if (figures === null || now - figures.at > ZONE_POLICY.maxFiguresAgeMs) return null
  return figures.loginFailureRatio10m
}
