// Per-source limits on the Worker's own routes (/__edgeward/*). Takes the method, the normalised
// path, counts and the configured limits; returns the route family, what it counts, and whether a
// source is past a limit. Pure: the counting lives in worker/counters/reserved.ts.
import type { Metric } from './metrics'
import type { WindowName } from './windows'

export const RESERVED_FAMILIES = ['collect', 'challenge', 'verify', 'admin', 'other'] as const
export type ReservedFamily = (typeof RESERVED_FAMILIES)[number]

/**
 * `reserved_limits` in the config (defaults: collect 30/min per IP and 120/min per /24, challenge
 * 30/min, verify 20/min, admin auth failures 10 per 10 min). A browser posts collect once or twice
 * per page load and solves a challenge with one page and one verify: a person, or an office behind
 * one address, stays far below; a script minting a cookie per attempt or farming challenges does not.
 */
export interface ReservedLimits {
  readonly collect_per_ip_1m: number
  readonly collect_per_prefix_1m: number
  readonly challenge_per_ip_1m: number
  readonly verify_per_ip_1m: number
  readonly admin_failures_per_ip_10m: number
}

/**
 * The family of a reserved request. `null`: never limited or deny-checked (GET sdk.js, health:
 * asset-like and polled). `other`: unknown reserved paths, deny-checked only.
 */
export function reservedFamily(method: string, normalisedPath: string): ReservedFamily | null {
  const m = method.toUpperCase()
  if ((m === 'GET' || m === 'HEAD') && (normalisedPath === '/__edgeward/sdk.js' || normalisedPath === '/__edgeward/health')) return null
  if (normalisedPath === '/__edgeward/admin' || normalisedPath.startsWith('/__edgeward/admin/')) return 'admin'
  if (normalisedPath === '/__edgeward/console' || normalisedPath.startsWith('/__edgeward/console/')) return 'admin'
  // An app token is an identity minted like a device cookie: the same per-source limits.
  if (m === 'POST' && (normalisedPath === '/__edgeward/collect' || normalisedPath === '/__edgeward/app/token')) return 'collect'
  if (m === 'POST' && normalisedPath === '/__edgeward/challenge/verify') return 'verify'
  // The no-JavaScript wait is a challenge page load too: the same per-IP limit.
  if (normalisedPath === '/__edgeward/challenge' || normalisedPath === '/__edgeward/challenge/wait') return 'challenge'
  return 'other'
}

/**
 * What a family counts on the source's IP key as the request arrives. Admin: an attempt that carries a
 * credential counts as `admin_auth_failures` on arrival and is taken back if it was not a failure
 * (worker/counters/reserved.ts), so its count is read with this request's own attempt left out.
 */
export const FAMILY_METRIC: Readonly<Record<ReservedFamily, Metric | null>> = {
  collect: 'reserved_collect',
  challenge: 'reserved_challenge',
  verify: 'reserved_verify',
  admin: null,
  other: null,
}

/** The counts a limit decision reads: per window of the family's metric, after this request was counted (admin: before it). */
export interface ReservedCounts {
  readonly ip: number | null
  readonly prefix: number | null
}

export interface LimitHit {
  /** `reserved_limit:collect:ip` — the log line's reason. */
  readonly reason: string
  /** Seconds until the window that tripped has surely let go. */
  readonly retryAfterS: number
}

const WINDOW_S: Readonly<Record<WindowName, number>> = { '1m': 60, '10m': 600, '1h': 3600, '24h': 86_400 }

/** The window each family's limit is read over. */
export const FAMILY_WINDOW: Readonly<Record<ReservedFamily, WindowName>> = { collect: '1m', challenge: '1m', verify: '1m', admin: '10m', other: '1m' }

/**
 * Past a limit when the count (this request included, for counted families) is above it; an
 * admin source is refused once its failures (and attempts still in flight) reached the limit. A missing count is never a hit
 * (limits fail open; deny lists do not).
 */
export function limitHit(family: ReservedFamily, counts: ReservedCounts, limits: ReservedLimits): LimitHit | null {
  const retryAfterS = WINDOW_S[FAMILY_WINDOW[family]]
  const over = (n: number | null, limit: number): boolean => n !== null && n > limit
  switch (family) {
    case 'collect':
      if (over(counts.ip, limits.collect_per_ip_1m)) return { reason: 'reserved_limit:collect:ip', retryAfterS }
      if (over(counts.prefix, limits.collect_per_prefix_1m)) return { reason: 'reserved_limit:collect:prefix', retryAfterS }
      return null
    case 'challenge':
      return over(counts.ip, limits.challenge_per_ip_1m) ? { reason: 'reserved_limit:challenge:ip', retryAfterS } : null
    case 'verify':
      return over(counts.ip, limits.verify_per_ip_1m) ? { reason: 'reserved_limit:verify:ip', retryAfterS } : null
    case 'admin':
      return counts.ip !== null && counts.ip >= limits.admin_failures_per_ip_10m ? { reason: 'reserved_limit:admin_auth:ip', retryAfterS } : null
    case 'other':
      return null
  }
}

/** An answer from an admin route that counts as a failed authentication. */
export const isAdminAuthFailure = (status: number): boolean => status === 401
