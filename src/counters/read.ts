// The journey read one request gets: its keys, its event, and the counters (or why they
// are missing) plus any deny hit. Plain types and two pure helpers; no I/O, no clock.
import type { RouteClass } from '../config/routeClasses'
import type { DenyHit } from './deny'
import type { KeySnapshot } from './metrics'

export interface JourneyKeys {
  /** Device id from a valid cookie, or null. */
  readonly device: string | null
  /** CF-Connecting-IP (canonicalised by the client). */
  readonly ip: string
  /** The /24 or /48 of the IP (src/config/cidr.ts `ipPrefix`). */
  readonly ipPrefix: string
  /** Keyed hash of the username from a login/signup body, or null. */
  readonly user: string | null
}

export interface JourneyEvent {
  readonly routeClass: RouteClass
  readonly method: string
  readonly now: number
}

export interface JourneyCounters {
  readonly device: KeySnapshot | null
  readonly ip: KeySnapshot
  readonly prefix: KeySnapshot
  readonly user: KeySnapshot | null
  /** Zone-wide failed / all logins over 10 min from the isolate's cached figures, or null. */
  readonly zoneLoginFailureRatio10m: number | null
}

/** `denied`: a cached deny hit answered without any call (the counters were not read). */
export const MISSING_REASONS = ['timeout', 'error', 'overloaded', 'denied'] as const
export type MissingReason = (typeof MISSING_REASONS)[number]

export type JourneyRead =
  | { readonly status: 'ok'; readonly counters: JourneyCounters; readonly deny: DenyHit | null }
  | { readonly status: 'missing'; readonly reason: MissingReason; readonly deny: DenyHit | null }

/** The first hit by precedence device > ip > user_ip, or null. */
export function firstHit(hits: ReadonlyArray<DenyHit | null | undefined>): DenyHit | null {
  for (const h of hits) if (h) return h
  return null
}

/** Worst reason among failed calls: overloaded > error > timeout (the most actionable first). */
export function worstReason(reasons: readonly Exclude<MissingReason, 'denied'>[]): Exclude<MissingReason, 'denied'> {
  if (reasons.includes('overloaded')) return 'overloaded'
  if (reasons.includes('error')) return 'error'
  return 'timeout'
}
