// The journey-counter values rules can read besides the model's features (the feature list does
// not change for them). Takes a journey read; returns one flat record by dotted rule name.
// Pure. A key whose read is missing (or a read that is missing) gives null: comparisons are false.
import { clientOf, type JourneyRead } from './read'
import type { KeySnapshot } from './metrics'
import type { WindowName, Windows } from './windows'

/** Name → type, merged into RULE_VARIABLES (src/policy/rules/ast.ts). */
export const COUNTER_RULE_VARIABLES = {
  /** Page views (navigation.ts) in the last minute: of the client (device, else IP), the IP, the prefix. */
  'device.navigations_1m': 'number',
  'ip.navigations_1m': 'number',
  'prefix.navigations_1m': 'number',
  /** Pages the IP read (GET/HEAD navigations) in the hour: a browser signs in from a form it loaded. */
  'ip.page_views_1h': 'number',
  /** Distinct valid device ids seen from the IP / prefix in the last hour (shared address: office, CGNAT). */
  'ip.distinct_devices_1h': 'number',
  'prefix.distinct_devices_1h': 'number',
  /** New device cookies issued to this IP / prefix / ASN (collect's countMint). */
  'ip.devices_minted_10m': 'number',
  'ip.devices_minted_1h': 'number',
  'prefix.devices_minted_10m': 'number',
  'prefix.devices_minted_1h': 'number',
  'asn.devices_minted_10m': 'number',
  'asn.devices_minted_1h': 'number',
  /** The /24 (IPv4) or /48 (IPv6) prefix's own counters. */
  'prefix.requests_1m': 'number',
  'prefix.failed_logins_10m': 'number',
  'prefix.distinct_users_10m': 'number',
  /** The IP's sign-in attempts and successes: failures as a share of attempts tell stuffing from an office's typos. */
  'ip.login_attempts_10m': 'number',
  'ip.login_successes_1h': 'number',
  /** The client's (device, else IP) accepted sign-ins: a change of password or profile right after one is a takeover's path. */
  'device.login_successes_10m': 'number',
  /** Distinct usernames whose sign-in the origin refused, from the client (device, else IP) / the IP. */
  'device.failed_users_10m': 'number',
  'ip.failed_users_10m': 'number',
  /**
   * Distinct usernames the origin let in from the IP in the last hour: the people behind a shared
   * address (carrier-grade NAT, an office), each a working credential — not a cookie minted for free.
   */
  'ip.signed_in_users_1h': 'number',
  /** …and from the client (device, else IP): what a client's refused usernames are weighed against. */
  'device.signed_in_users_1h': 'number',
  /** Addresses whose sign-in to this username the origin refused in the hour and that have not got in since. */
  'user.failed_ips_1h': 'number',
  /** On a sign-up: accounts its mailbox (aliases folded, src/signals/email.ts) opened in the hour. */
  'user.signups_1h': 'number',
  /**
   * The site's sign-ins by browsers without a device cookie (the `cohort` key; null for any other
   * request): usernames refused in 10 min and not let in since, and usernames let in in the hour.
   */
  'cohort.failed_users_10m': 'number',
  'cohort.signed_in_users_1h': 'number',
  /**
   * The same two of the site's sign-ins by new browsers (a device cookie bound to this client, not yet
   * established) to accounts not let in for 30 days (src/counters/keys.ts `newDeviceSignInCohort`;
   * null for any other request).
   */
  'new_devices.failed_users_10m': 'number',
  'new_devices.signed_in_users_1h': 'number',
  /**
   * A sign-in's password (its keyed digest; null for any other request): usernames it was tried on in
   * the hour, refused for (and not let in since), let in for, and the addresses it came from.
   */
  'password.distinct_users_1h': 'number',
  'password.failed_users_1h': 'number',
  'password.signed_in_users_1h': 'number',
  'password.distinct_ips_1h': 'number',
  /** …and its refused and accepted sign-ins, counted (a sign-in whose username could not be read adds no username). */
  'password.failed_logins_1h': 'number',
  'password.login_successes_1h': 'number',
  /** The site's checkouts by browsers without a device cookie (null for any other request): cards declined in 10 min, paid in the hour. */
  'cohort.checkout_declines_10m': 'number',
  'cohort.checkout_successes_1h': 'number',
  /** The site's sign-ups at an aliased address, from any client (null for any other request): in 10 min and in 24 h. */
  'cohort.signup_attempts_10m': 'number',
  'cohort.signup_attempts_24h': 'number',
  /**
   * The account's own places (src/counters/history.ts), on a sign-in: days in the last 30 it was let
   * in, and whether this sign-in's network (ASN), country and device are among those it was let in
   * from. Null without a username, a read, or the request's own value (no cf, no device cookie).
   */
  'user.signin_days_30d': 'number',
  'user.known_network': 'bool',
  'user.known_country': 'bool',
  'user.known_device': 'bool',
  /**
   * Challenge pages the IP's clients were shown on page reads in 10 min, and challenges passed from
   * the IP in them (src/policy/ignoredChallenges.ts).
   */
  'ip.challenges_shown_10m': 'number',
  'ip.challenge_passes_10m': 'number',
  /**
   * Distinct pages (paths, queries aside; not assets) read from the IP in 10 min by declared tools — a
   * User-Agent that claims no browser, with no app token, listed agent or verified crawler behind it.
   */
  'ip.tool_pages_10m': 'number',
  /** The username's counter key missed its deadline again and again in this isolate (false without a username). */
  user_key_slow: 'bool',
} as const
export type CounterRuleVariable = keyof typeof COUNTER_RULE_VARIABLES
export type CounterRuleValues = Readonly<Record<CounterRuleVariable, number | boolean | null>>

const COUNTER_NAMES = Object.keys(COUNTER_RULE_VARIABLES) as CounterRuleVariable[]

/** Every counter variable null (no read, or a read that is missing). */
export const NO_COUNTER_VALUES: CounterRuleValues = Object.freeze(Object.fromEntries(COUNTER_NAMES.map((n) => [n, null])) as Record<CounterRuleVariable, null>)

/** A window's count, or null when the key (or, from an older object, the metric) is absent. */
const at = (w: Windows | undefined, name: WindowName): number | null => (w === undefined ? null : w[name])

/**
 * `newDevices`: the request's cohort key is the new browsers' sign-ins (keys.ts `newDeviceSignInCohort`):
 * its sets read as `new_devices.*`, and `cohort.*` stays null — a rule written for the cookie-less
 * cohort never reads the other one's counts.
 */
export function counterRuleValues(read: JourneyRead | null, opts: { readonly newDevices?: boolean } = {}): CounterRuleValues {
  if (read === null || read.status !== 'ok') return NO_COUNTER_VALUES
  const c = read.counters
  const cohort = opts.newDevices === true ? null : c.cohort
  const newDevices = opts.newDevices === true ? c.cohort : null
  const { ip, prefix, asn } = c
  const client: KeySnapshot | null = clientOf(c)
  return {
    'device.navigations_1m': at(client?.counts.navigations, '1m'),
    'ip.navigations_1m': at(ip?.counts.navigations, '1m'),
    'prefix.navigations_1m': at(prefix?.counts.navigations, '1m'),
    'ip.page_views_1h': at(ip?.counts.page_views, '1h'),
    'ip.distinct_devices_1h': at(ip?.distinct.devices, '1h'),
    'prefix.distinct_devices_1h': at(prefix?.distinct.devices, '1h'),
    'ip.devices_minted_10m': at(ip?.counts.devices_minted, '10m'),
    'ip.devices_minted_1h': at(ip?.counts.devices_minted, '1h'),
    'prefix.devices_minted_10m': at(prefix?.counts.devices_minted, '10m'),
    'prefix.devices_minted_1h': at(prefix?.counts.devices_minted, '1h'),
    'asn.devices_minted_10m': at(asn?.counts.devices_minted, '10m'),
    'asn.devices_minted_1h': at(asn?.counts.devices_minted, '1h'),
    'prefix.requests_1m': at(prefix?.counts.requests, '1m'),
    'prefix.failed_logins_10m': at(prefix?.counts.login_failures, '10m'),
    'prefix.distinct_users_10m': at(prefix?.distinct.users, '10m'),
    'ip.login_attempts_10m': at(ip?.counts.login_attempts, '10m'),
    'ip.login_successes_1h': at(ip?.counts.login_successes, '1h'),
    'device.login_successes_10m': at(client?.counts.login_successes, '10m'),
    'device.failed_users_10m': at(client?.distinct.failed_users, '10m'),
    'ip.failed_users_10m': at(ip?.distinct.failed_users, '10m'),
    'ip.signed_in_users_1h': at(ip?.distinct.signed_in_users, '1h'),
    'device.signed_in_users_1h': at(client?.distinct.signed_in_users, '1h'),
    'user.failed_ips_1h': at(c.user?.distinct.failed_ips, '1h'),
    'user.signups_1h': at(c.user?.counts.signups, '1h'),
    'cohort.failed_users_10m': at(cohort?.distinct.failed_users, '10m'),
    'cohort.signed_in_users_1h': at(cohort?.distinct.signed_in_users, '1h'),
    'new_devices.failed_users_10m': at(newDevices?.distinct.failed_users, '10m'),
    'new_devices.signed_in_users_1h': at(newDevices?.distinct.signed_in_users, '1h'),
    'password.distinct_users_1h': c.password?.users ?? null,
    'password.failed_users_1h': c.password?.failedUsers ?? null,
    'password.signed_in_users_1h': c.password?.signedInUsers ?? null,
    'password.distinct_ips_1h': c.password?.ips ?? null,
    'password.failed_logins_1h': c.password?.failures ?? null,
    'password.login_successes_1h': c.password?.successes ?? null,
    'cohort.checkout_declines_10m': at(cohort?.counts.checkout_declines, '10m'),
    'cohort.checkout_successes_1h': at(cohort?.counts.checkout_successes, '1h'),
    'cohort.signup_attempts_10m': at(cohort?.counts.signup_attempts, '10m'),
    'cohort.signup_attempts_24h': at(cohort?.counts.signup_attempts, '24h'),
    'user.signin_days_30d': c.user?.history?.signinDays ?? null,
    'user.known_network': c.user?.history?.knownNetwork ?? null,
    'user.known_country': c.user?.history?.knownCountry ?? null,
    'user.known_device': c.user?.history?.knownDevice ?? null,
    'ip.challenges_shown_10m': at(ip?.counts.challenges_shown, '10m'),
    'ip.challenge_passes_10m': at(ip?.counts.challenge_passes, '10m'),
    'ip.tool_pages_10m': at(ip?.distinct.tool_pages, '10m'),
    user_key_slow: c.userKeySlow,
  }
}
