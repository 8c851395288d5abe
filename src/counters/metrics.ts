// What one request or one origin outcome increments on each journey key. Takes the
// route class, method and key kind; returns metric names and set members; no I/O.
import { HIGH_RISK_CLASSES, type RouteClass } from '../config/routeClasses'
import type { DenyHit } from './deny'
import type { KeyKind } from './keys'
import type { Outcome } from './outcome'
import type { Windows } from './windows'

export const METRICS = [
  'requests',
  'login_attempts',
  'login_failures',
  'login_successes',
  'high_risk_visits',
  'cart_adds',
  'checkouts',
  'checkout_declines',
  'checkout_successes',
  'signup_attempts',
  'signups',
  'signup_failures',
] as const
export type Metric = (typeof METRICS)[number]

export const isMetric = (v: unknown): v is Metric => typeof v === 'string' && (METRICS as readonly string[]).includes(v)

/** Distinct-member sets: usernames tried by a device/IP/prefix, IPs trying a username. */
export const SETS = ['users', 'ips'] as const
export type SetName = (typeof SETS)[number]

export const isSetName = (v: unknown): v is SetName => typeof v === 'string' && (SETS as readonly string[]).includes(v)

export interface Observation {
  readonly bumps: readonly Metric[]
  /** A member to add to one distinct set of this key, or null. */
  readonly distinct: { readonly set: SetName; readonly member: string } | null
}

export interface ObservedRequest {
  readonly routeClass: RouteClass
  readonly method: string
  readonly ip: string
  /** Keyed hash of the username (from the login/signup body), or null. */
  readonly user: string | null
}

const isPost = (method: string): boolean => method.toUpperCase() === 'POST'

/** The request-path increments for one key kind. Login attempts and usernames count here. */
export function observationFor(kind: KeyKind, req: ObservedRequest): Observation {
  const post = isPost(req.method)
  const bumps: Metric[] = ['requests']
  if (post && req.routeClass === 'login') bumps.push('login_attempts')
  if (post && req.routeClass === 'signup') bumps.push('signup_attempts')
  if (post && req.routeClass === 'cart') bumps.push('cart_adds')
  if (post && req.routeClass === 'checkout') bumps.push('checkouts')
  if (HIGH_RISK_CLASSES.includes(req.routeClass)) bumps.push('high_risk_visits')

  let distinct: Observation['distinct'] = null
  if (post && req.routeClass === 'login') {
    if (kind === 'user') distinct = { set: 'ips', member: req.ip }
    else if (req.user !== null) distinct = { set: 'users', member: req.user }
  }
  return { bumps, distinct }
}

const OUTCOME_METRIC: Readonly<Record<Outcome, Metric>> = {
  login_success: 'login_successes',
  login_failure: 'login_failures',
  signup_success: 'signups',
  signup_failure: 'signup_failures',
  checkout_success: 'checkout_successes',
  checkout_decline: 'checkout_declines',
}

/** The after-response increment for an origin outcome (same on every key kind). */
export function outcomeMetric(outcome: Outcome): Metric {
  return OUTCOME_METRIC[outcome]
}

/** What one key's object answers: its windows, distinct sets, deny hit and freshness. */
export interface KeySnapshot {
  readonly counts: Readonly<Record<Metric, Windows>>
  readonly distinct: Readonly<Record<SetName, Windows>>
  /** A live deny entry for the target this call asked about, or null. */
  readonly deny: DenyHit | null
  /** True when the key had no counted activity in the 24 h before this observation. */
  readonly fresh: boolean
}
