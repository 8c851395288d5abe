// The journey read one request gets: its keys, its event, and the counters (or why they
// are missing, key by key) plus any deny hit. Plain types and small pure helpers; no I/O, no clock.
import type { RouteClass } from '../config/routeClasses'
import type { DenyHit } from './deny'
import type { AccountPlace } from './history'
import type { KeyKind } from './keys'
import type { KeySnapshot } from './metrics'

export interface JourneyKeys {
  /** Device id from a valid cookie, or null. */
  readonly device: string | null
  /** CF-Connecting-IP; the client keys it by ipCounterKey (an IPv6 address by its /64). */
  readonly ip: string
  /** The /24 or /48 of the IP (src/config/cidr.ts `ipPrefix`). */
  readonly ipPrefix: string
  /** Keyed hash of the username from a login/signup body, or null. */
  readonly user: string | null
  /** The request's ASN (its `asn` key is read for device mints), or null / absent. */
  readonly asn?: number | null
  /** The request's cohort (keys.ts: `cookielessCohort`, `newDeviceSignInCohort`, `aliasedSignupCohort`), or null / absent when it belongs to none. */
  readonly cohort?: string | null
  /**
   * A sign-in's place (network, country, device): judged against its username's history on the way
   * in, remembered there when the origin lets it in. Null / absent for any other request.
   */
  readonly place?: AccountPlace | null
  /** A sign-in's password as a keyed digest (never the password), or null / absent. */
  readonly password?: string | null
}

/** What one password's hour looks like. Counted in its shard (worker/counters/PasswordTries.ts); each distinct count stops at PASSWORD_MAX_MEMBERS (a spray is far past any rule by then). */
export interface PasswordCounts {
  /** Usernames it was tried on. */
  readonly users: number
  /** Usernames it was refused for and not since let in with. */
  readonly failedUsers: number
  /** Usernames it let in, each from at most PERSON_MAX_ADDRESSES_1H addresses (metrics.ts). */
  readonly signedInUsers: number
  /** Addresses it was tried from. */
  readonly ips: number
  readonly failures: number
  readonly successes: number
}

export interface JourneyEvent {
  readonly routeClass: RouteClass
  readonly method: string
  readonly now: number
  /** A page view (src/counters/navigation.ts). Absent: counted as one, so nothing hides by omission. */
  readonly navigation?: boolean
  /**
   * A client without a device cookie that claims a browser: a digest of its User-Agent and Accept-Language
   * (memberId), for the address's `agents` set (how many browsers a cookie-less address shows). Null otherwise.
   */
  readonly agent?: string | null
  /**
   * A page read (GET, HEAD; not an asset) by a client whose User-Agent claims no browser, that no app
   * token, listed agent or verified crawler speaks for: a digest (memberId) of its path (not its query), for
   * the address's `tool_pages` set. Null otherwise.
   */
  readonly toolPage?: string | null
}

/** Why one key's read is missing; `unread`: a request decided on what the isolate holds, for a key this isolate has not read yet. */
export type KeyMissReason = 'timeout' | 'error' | 'overloaded' | 'unread'
export interface KeyMiss {
  readonly kind: KeyKind
  readonly reason: KeyMissReason
}

/**
 * Each key is read within its own deadline: a key that is late or fails is null here and named
 * in `missing`; the others are used (issue 12: one slow key must not blank every counter).
 */
export interface JourneyCounters {
  /** Null: no valid device cookie, or its read is missing (then `missing` names it). */
  readonly device: KeySnapshot | null
  readonly ip: KeySnapshot | null
  readonly prefix: KeySnapshot | null
  readonly user: KeySnapshot | null
  /** The ASN key (device mints there), read when the request has an ASN; null otherwise. */
  readonly asn: KeySnapshot | null
  /** The cohort key, read when the request belongs to one; null / absent otherwise. */
  readonly cohort?: KeySnapshot | null
  /** The password's hour, read on a sign-in that carried one; null / absent otherwise. */
  readonly password?: PasswordCounts | null
  /** Keys asked for that did not answer in time, in asking order. */
  readonly missing: readonly KeyMiss[]
  /** The username's key has missed its deadline again and again in this isolate (a signal, not a blind spot). */
  readonly userKeySlow: boolean
  /** Zone-wide failed / all logins over 10 min from the isolate's cached figures, or null. */
  readonly zoneLoginFailureRatio10m: number | null
}

/** `denied`: a cached deny hit answered without any call (the counters were not read). */
export const MISSING_REASONS = ['timeout', 'error', 'overloaded', 'denied', 'unread'] as const
export type MissingReason = (typeof MISSING_REASONS)[number]

/** `ok` when at least one key answered; `missing` when none did (or a cached deny hit answered alone). */
export type JourneyRead =
  | { readonly status: 'ok'; readonly counters: JourneyCounters; readonly deny: DenyHit | null }
  | { readonly status: 'missing'; readonly reason: MissingReason; readonly deny: DenyHit | null; readonly keys?: readonly KeyMiss[] }

/**
 * "The client": the device key, or the IP key for a request without a device cookie (scripts,
 * first visits), so cookie-less clients are still counted. Null when the device's own read is
 * missing: its figures are unknown, and the IP's are not the device's.
 */
export function clientOf(c: JourneyCounters): KeySnapshot | null {
  if (c.device !== null) return c.device
  return c.missing.some((m) => m.kind === 'device') ? null : c.ip
}

/** What the log line's `missing` says about the counters: `counters_<reason>` when none answered, `counters_<kind>_<reason>` per key. */
export function missingLabels(read: JourneyRead): string[] {
  if (read.status === 'ok') return read.counters.missing.map((m) => `counters_${m.kind}_${m.reason}`)
  if (read.reason === 'denied') return []
  return [`counters_${read.reason}`, ...(read.keys ?? []).map((m) => `counters_${m.kind}_${m.reason}`)]
}

/** The first hit by precedence device > ip > user_ip, or null. */
export function firstHit(hits: ReadonlyArray<DenyHit | null | undefined>): DenyHit | null {
  for (const h of hits) if (h) return h
  return null
}

/** Worst reason among failed calls: overloaded > error > timeout (the most actionable first); `unread` only when nothing else. */
export function worstReason(reasons: readonly KeyMissReason[]): KeyMissReason {
  if (reasons.includes('overloaded')) return 'overloaded'
  if (reasons.includes('error')) return 'error'
  if (reasons.length > 0 && reasons.every((r) => r === 'unread')) return 'unread'
  return 'timeout'
}
