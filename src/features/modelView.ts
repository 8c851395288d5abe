// modelView: takes the observed feature vector and the journey read; returns the copy the model
// scores (and the log line carries, so training sees the same). Rules keep reading the observed
// vector. Two adjustments, both so that counts describe the client and not its neighbours:
// - rates count page views: a browser's burst of scripts, styles, images and XHR around one page
//   load is one navigation, not a scrape (the counters keep every request for the rate rules);
// - on a shared address (an office, a campus, carrier-grade NAT: several distinct accounts sign in
//   successfully from the IP) the address's aggregate is not this client's behaviour: the ip_*
//   inputs become the client's own, and a client without a device cookie — whose "device" is the
//   address — has no journey inputs at all (as in a counters outage, which the model is trained on).
// - a device younger than the one-minute window, the only one minted on its address in 10 minutes,
//   reads the address's page views as its own when they are more: a browser's first page views (a
//   redirect to the sign-in, the form that delivered the SDK) come before its cookie exists, so its
//   own count starts at the mint and a person's first sign-in read as one device among many.
// Pure; the rules still see every observed count, so stuffing from a shared address is still counted.
import type { KeySnapshot } from '../counters/metrics'
import { clientOf, type JourneyRead } from '../counters/read'
import { JOURNEY_FEATURES } from './journey'
import { FEATURE_INDEX as I, type FeatureVector } from './list'

/**
 * A shared address: at least this many distinct usernames signed in from it in the last hour. Each is a
 * credential the origin accepted: minted cookies are free, and one account signed in again and again
 * is one person. Such an address is also a *crowd* for a client without a cookie (src/policy/decide.ts).
 */
export const SHARED_MIN_SIGNED_IN_USERS_1H = 3
/**
 * Or, for the model's view only: this many distinct established devices seen from it in the hour and
 * this many successful sign-ins — an office whose browsers run the SDK, before three of them signed in.
 */
export const SHARED_MIN_DEVICES_1H = 3
export const SHARED_MIN_LOGIN_SUCCESSES_1H = 2

/** The rate window a device must have existed for before its own count is the whole of it (s). */
export const DEVICE_RATE_WINDOW_S = 60

/**
 * Distinct browsers (User-Agent and Accept-Language) without a device cookie on an address in 10
 * minutes that make it look like many people — a household's phone and laptop are two. Cheap to fake
 * (rotate User-Agents), so it buys little: only that a cookie-less browser's page views and guest
 * checkouts there are judged on the request's own signals, with the rules' per-client bounds intact.
 */
export const MANY_BROWSERS_10M = 3

export interface AddressView {
  /** Several people are behind this IP (either test above): the model sees a client's own counts. */
  readonly shared: boolean
  /** 3+ accounts signed in from this IP in the hour: a cookie-less client here is a crowd. */
  readonly crowd: boolean
  /** MANY_BROWSERS_10M+ distinct browsers without cookies on this IP in 10 minutes. */
  readonly browsers: boolean
}

export function addressView(read: JourneyRead): AddressView {
  if (read.status !== 'ok' || read.counters.ip === null) return { shared: false, crowd: false, browsers: false }
  const ip = read.counters.ip
  const crowd = (ip.distinct.signed_in_users?.['1h'] ?? 0) >= SHARED_MIN_SIGNED_IN_USERS_1H
  const devices = (ip.distinct.devices?.['1h'] ?? 0) >= SHARED_MIN_DEVICES_1H && (ip.counts.login_successes?.['1h'] ?? 0) >= SHARED_MIN_LOGIN_SUCCESSES_1H
  const browsers = (ip.distinct.agents?.['10m'] ?? 0) >= MANY_BROWSERS_10M
  return { shared: crowd || devices, crowd, browsers }
}

/**
 * A key's rate as the model sees it: page views in the last minute — unless the key made no page view
 * in 10 minutes, when every request counts. Whether a request is a page view is the client's own claim
 * (Sec-Fetch-*): a script that calls everything a sub-resource would otherwise read as idle.
 */
function pageViews(key: KeySnapshot): number {
  const navigations = key.counts.navigations
  if (navigations === undefined || navigations['10m'] === 0) return key.counts.requests['1m']
  return navigations['1m']
}

export function modelView(observed: FeatureVector, read: JourneyRead, address: AddressView, hasDevice: boolean): FeatureVector {
  const vec = observed.slice()
  if (read.status !== 'ok') return vec
  const { ip } = read.counters
  const client = clientOf(read.counters)
  if (client !== null) vec[I.device_requests_1m] = pageViews(client)
  if (ip !== null) vec[I.ip_requests_1m] = pageViews(ip)
  if (!address.shared) {
    if (hasDevice && ip !== null && firstMinuteOfOnlyDevice(observed, ip)) vec[I.device_requests_1m] = Math.max(vec[I.device_requests_1m]!, vec[I.ip_requests_1m]!)
    return vec
  }
  // The client is its address here, and the address is many people: nothing in the journey is its own.
  if (!hasDevice) return withoutAddressJourney(vec)
  vec[I.ip_requests_1m] = vec[I.device_requests_1m]!
  vec[I.ip_failed_logins_10m] = vec[I.device_failed_logins_10m]!
  vec[I.ip_distinct_users_10m] = vec[I.device_distinct_users_10m]!
  vec[I.ip_signups_1h] = Number.NaN
  return vec
}

/**
 * A device minted less than a window ago, and the only device minted on this address in 10 minutes:
 * the address's cookie-less page views of the last minute are this browser's own before its cookie
 * (a second mint — a script rotating cookies — and the device's own count stands).
 */
function firstMinuteOfOnlyDevice(observed: FeatureVector, ip: KeySnapshot): boolean {
  const age = observed[I.device_age_s]!
  return Number.isFinite(age) && age < DEVICE_RATE_WINDOW_S && ip.counts.devices_minted?.['10m'] === 1
}

/** The same read as a client without a device would get it: the address is the client. */
export function withoutDevice(read: JourneyRead): JourneyRead {
  if (read.status !== 'ok' || read.counters.device === null) return read
  return { ...read, counters: { ...read.counters, device: null } }
}

/**
 * The request's own signals (headers, network, cookie, route) without any journey input: how the
 * model scores a page view of a client without a device cookie when deciding whether to challenge
 * it (src/policy/decide.ts). Such a client is its address, and an address's page views per minute
 * are one scraper or sixty people behind carrier-grade NAT who have not signed in yet — the model
 * cannot tell which, so the volume is left to the rules' explicit bounds (`scraping_rate`).
 */
export function ownSignalsOnly(vec: FeatureVector): FeatureVector {
  const own = vec.slice()
  for (const name of JOURNEY_FEATURES) own[I[name]] = Number.NaN
  return own
}

/**
 * The request without its address's journey, keeping what is its own on a sign-in: the username's
 * history (`user_*`) and the zone's failure ratio. A crowd's view, and a cookie-less browser's
 * sign-in on an address of many people whose refused usernames are few (signInAmongPeople).
 */
export function withoutAddressJourney(vec: FeatureVector): FeatureVector {
  const own = vec.slice()
  for (const name of JOURNEY_FEATURES) if (!name.startsWith('user_') && name !== 'zone_login_failure_ratio_10m') own[I[name]] = Number.NaN
  return own
}

/**
 * The client (device, else address) made no other page view in the last minute, but read pages
 * earlier in the last 10: a person who read a product page or the sign-in form for more than a
 * minute before posting it. The model's rates are per minute, so its view of such a write is of an
 * absence — what a script posting straight at a route also shows. False when unknown.
 */
export function pagesBeforeThisMinute(read: JourneyRead): boolean {
  if (read.status !== 'ok') return false
  const navigations = clientOf(read.counters)?.counts.navigations
  return navigations !== undefined && navigations['1m'] <= 1 && navigations['10m'] >= 2
}

/**
 * The address's usernames refused in 10 minutes are no more than those it got into in the hour:
 * people who mostly get in (an office's typos), not a stuffer (refused for nearly every username it
 * tries). Weighed against usernames let in, not tried: an attempt that never reaches the origin adds
 * a username tried for free. False when unknown. Keeping it true costs a stuffer one working account
 * per username refused (an account seen through every proxy counts for none, metrics.ts).
 */
export function refusedAreFew(read: JourneyRead): boolean {
  if (read.status !== 'ok' || read.counters.ip === null) return false
  const accepted = read.counters.ip.distinct.signed_in_users?.['1h']
  const refused = read.counters.ip.distinct.failed_users?.['10m']
  return accepted !== undefined && refused !== undefined && refused <= accepted
}

/**
 * This username was refused from this address in the last 10 minutes (its key's `failed_ips` holds
 * the address): the sign-in retries its own refusal — a person correcting a typo. False when unknown.
 * Judged on the username's counts, not the address's, it costs an attacker an attempt let through
 * and refused for that username from this address first, and buys only more guesses at the same
 * account: `credential_cracking` and the password's counts bound those.
 */
export function retriesOwnRefusal(read: JourneyRead): boolean {
  return read.status === 'ok' && read.counters.user?.probed === true
}

/**
 * The address read a page (a GET navigation) in the last 10 minutes. A person's cart add or checkout
 * follows the page it was made on; a script posting straight at the route reads none. False when
 * unknown. Costs a script one page read per address, which the page-view counters then see.
 */
export function addressReadAPage(read: JourneyRead): boolean {
  return read.status === 'ok' && (read.counters.ip?.counts.page_views?.['10m'] ?? 0) >= 1
}
