// What one request or one origin outcome increments on each journey key. Takes the
// route class, method and key kind; returns metric names and set members; no I/O.
import { HIGH_RISK_CLASSES, type RouteClass } from '../config/routeClasses'
import type { DenyHit } from './deny'
import type { HistoryView } from './history'
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
  /** Page views: requests that are navigations (see navigation.ts), not sub-resources. */
  'navigations',
  /**
   * Page views read (a GET or HEAD navigation) on the IP key only: an address that posts a sign-in
   * without having loaded a page in the hour (cold_sign_in). A form submission is a navigation, not a view.
   */
  'page_views',
  /** New device cookies issued by collect (countMint: IP, prefix and ASN keys only). */
  'devices_minted',
  /** Reserved-path requests per source (worker/counters/reserved.ts): limits, not features. */
  'reserved_collect',
  'reserved_challenge',
  'reserved_verify',
  'admin_auth_failures',
  /**
   * On the IP key only: challenge pages shown on page reads to the address's clients (an interstitial
   * answered, not a sub-resource's owed one; an app's not), and challenges passed from the address (a
   * clearance issued: proof of work, Turnstile or the no-JavaScript wait). An address shown challenge
   * after challenge that passes none is ignoring them (src/policy/ignoredChallenges.ts).
   */
  'challenges_shown',
  'challenge_passes',
] as const
export type Metric = (typeof METRICS)[number]

export const isMetric = (v: unknown): v is Metric => typeof v === 'string' && (METRICS as readonly string[]).includes(v)

/**
 * Distinct-member sets: usernames tried by a device/IP/prefix, IPs trying a username, valid
 * device ids seen from an IP/prefix (many established devices behind one address = shared),
 * and, written after the origin's answer, usernames whose sign-in it refused (`failed_users`:
 * stuffing fails for most usernames it tries, an office's typos for a few, however often retried)
 * or accepted (`signed_in_users`: how many people an address carries, each a credential that works).
 * `tool_pages`: the distinct pages a declared tool (no browser's User-Agent) read from an address.
 */
export const SETS = ['users', 'ips', 'devices', 'failed_users', 'signed_in_users', 'failed_ips', 'agents', 'tool_pages'] as const
export type SetName = (typeof SETS)[number]

export const isSetName = (v: unknown): v is SetName => typeof v === 'string' && (SETS as readonly string[]).includes(v)

export interface DistinctAdd {
  readonly set: SetName
  readonly member: string
}

export interface Observation {
  readonly bumps: readonly Metric[]
  /** Members to add to this key's distinct sets (at most one per set). */
  readonly distinct: readonly DistinctAdd[]
}

export interface ObservedRequest {
  readonly routeClass: RouteClass
  readonly method: string
  /** The IP's counter key (its /64 for IPv6, see ipKey.ts): the member of a username's `ips` set. */
  readonly ip: string
  /** Keyed hash of the username (from the login/signup body), or null. */
  readonly user: string | null
  /** Device id from a valid cookie, or null. */
  readonly device: string | null
  /** A page view (navigation.ts); sub-resources and XHR count in `requests` only. */
  readonly navigation: boolean
  /** A digest of a cookie-less browser's User-Agent and Accept-Language (JourneyEvent.agent), or null. */
  readonly agent?: string | null
  /** A digest of the page a declared tool read (JourneyEvent.toolPage), or null. */
  readonly toolPage?: string | null
}

const isPost = (method: string): boolean => method.toUpperCase() === 'POST'
const isPageRead = (method: string): boolean => {
  const m = method.toUpperCase()
  return m === 'GET' || m === 'HEAD'
}

/** The request-path increments for one key kind. Login attempts and usernames count here. */
export function observationFor(kind: KeyKind, req: ObservedRequest): Observation {
  const post = isPost(req.method)
  const bumps: Metric[] = ['requests']
  if (post && req.routeClass === 'login') bumps.push('login_attempts')
  if (post && req.routeClass === 'signup') bumps.push('signup_attempts')
  if (post && req.routeClass === 'cart') bumps.push('cart_adds')
  if (post && req.routeClass === 'checkout') bumps.push('checkouts')
  if (HIGH_RISK_CLASSES.includes(req.routeClass)) bumps.push('high_risk_visits')
  if (req.navigation) bumps.push('navigations')
  if (kind === 'ip' && req.navigation && isPageRead(req.method)) bumps.push('page_views')

  const distinct: DistinctAdd[] = []
  if (post && req.routeClass === 'login') {
    if (kind === 'user') distinct.push({ set: 'ips', member: req.ip })
    else if (req.user !== null) distinct.push({ set: 'users', member: req.user })
  }
  // Shared addresses: how many established devices an IP / prefix carries. One sighting per page view
  // is enough for an hourly distinct count: a page load's scripts, styles and XHR add no member write.
  if ((kind === 'ip' || kind === 'prefix') && req.device !== null && req.navigation) distinct.push({ set: 'devices', member: req.device })
  // And how many browsers it shows without cookies: a cold carrier-grade NAT address (dozens of people,
  // none signed in yet) against one scraper with one browser's headers. Hashed in the object (memberId).
  if (kind === 'ip' && req.device === null && req.navigation && req.agent != null) distinct.push({ set: 'agents', member: req.agent })
  // And how many distinct pages a declared tool read from it: a monitor polls one or two, a scraper walks the catalogue.
  if (kind === 'ip' && req.toolPage != null && isPageRead(req.method)) distinct.push({ set: 'tool_pages', member: req.toolPage })
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

/**
 * An account signed in from more addresses than this in the hour is not a person of each of them: a
 * roaming account, or one an attacker signs in with through every proxy to make it look shared.
 */
export const PERSON_MAX_ADDRESSES_1H = 2

/**
 * The after-response set member on a device / IP / prefix key, else null: a refused sign-in's username,
 * or an accepted one's when its account was seen from at most PERSON_MAX_ADDRESSES_1H addresses in the
 * hour (`userAddresses1h`, this one included; null: unknown, not counted).
 */
export function outcomeDistinct(kind: KeyKind, outcome: Outcome, user: string | null, userAddresses1h: number | null = null, ip: string | null = null): DistinctAdd | null {
  if (user === null) return null
  if (kind === 'user') return outcome === 'login_failure' && ip !== null ? { set: 'failed_ips', member: ip } : null
  if (outcome === 'login_failure') return { set: 'failed_users', member: user }
  if (outcome === 'login_success' && userAddresses1h !== null && userAddresses1h <= PERSON_MAX_ADDRESSES_1H) return { set: 'signed_in_users', member: user }
  return null
}

/**
 * The set member an outcome takes back, else null: an accepted sign-in takes its username out of
 * `failed_users` on the device / IP / prefix key, and its address out of the username's `failed_ips`.
 * Refused and then let in from the same client was a typo, not a guess — an office where half the
 * people mistyped once is not stuffing, and an account's owner who mistyped from home and from the
 * office is not many addresses attacking it. Taking one out costs the account's working password.
 */
export function outcomeForget(kind: KeyKind, outcome: Outcome, user: string | null, ip: string | null = null): DistinctAdd | null {
  if (user === null || outcome !== 'login_success') return null
  if (kind === 'user') return ip === null ? null : { set: 'failed_ips', member: ip }
  return { set: 'failed_users', member: user }
}

/** What one key's object answers: its windows, distinct sets, deny hit and freshness. */
export interface KeySnapshot {
  readonly counts: Readonly<Record<Metric, Windows>>
  readonly distinct: Readonly<Record<SetName, Windows>>
  /** A live deny entry for the target this call asked about, or null. */
  readonly deny: DenyHit | null
  /** True when the key had no counted activity in the 24 h before this observation. */
  readonly fresh: boolean
  /** A username's key asked about a sign-in's place: how familiar the account finds it. */
  readonly history?: HistoryView
  /**
   * The observation asked about a member (`probe`): whether it was sighted in its set in the last 10
   * minutes. A username's key is asked, on a sign-in, whether it was refused from this address.
   */
  readonly probed?: boolean
  /**
   * The buckets of the 1-minute and 10-minute windows at the answer's time, per metric counted in
   * them: a snapshot an isolate keeps for up to a minute re-sums these at the request's time, so a
   * 1-minute rate does not read its events of up to two minutes (src/counters/batch.ts heldView).
   * Absent from a test double or an older object: the windows are taken as answered.
   */
  readonly recent?: RecentBuckets
}

/**
 * Per metric, the short series (10 s buckets, read by the 1 min and 10 min windows) as flat triples:
 * bucket width (ms), bucket start, count, … (flat numbers: cheap to pass over RPC, and typed the same
 * on both sides). The width is carried so a series of another width is never mistaken for it.
 */
export type RecentBuckets = Readonly<Partial<Record<Metric, readonly number[]>>>
