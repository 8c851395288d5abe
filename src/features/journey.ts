// Fills the journey slots of a feature vector from a journey read. Takes the vector and
// the read; writes counts (NaN when the counters or the key are missing); no I/O.
// device_* slots use the device key, or the IP key when the request has no device.
import { clientOf, type JourneyRead } from '../counters/read'
import { FEATURE_INDEX, type FeatureName, type FeatureVector } from './list'

export const JOURNEY_FEATURES = [
  'device_requests_1m',
  'ip_requests_1m',
  'device_login_attempts_10m',
  'device_failed_logins_10m',
  'ip_failed_logins_10m',
  'device_distinct_users_10m',
  'ip_distinct_users_10m',
  'user_failed_logins_1h',
  'user_distinct_ips_1h',
  'device_high_risk_visits_10m',
  'device_cart_adds_10m',
  'device_checkouts_10m',
  'device_checkout_declines_10m',
  'ip_signups_1h',
  'zone_login_failure_ratio_10m',
] as const satisfies readonly FeatureName[]

type JourneyFeature = (typeof JOURNEY_FEATURES)[number]

export function fillJourney(vec: FeatureVector, read: JourneyRead): void {
  const set = (name: JourneyFeature, value: number | null | undefined): void => {
    vec[FEATURE_INDEX[name]] = value ?? Number.NaN
  }
  if (read.status !== 'ok') {
    for (const name of JOURNEY_FEATURES) set(name, null)
    return
  }
  const { ip, user, zoneLoginFailureRatio10m } = read.counters
  // "device" is the client: the cookie's device id, or — for a client without a valid
  // cookie (scripts, first visits) — its IP, so cookie-less attackers are still counted.
  // A key whose read is missing leaves its slots NaN alone (clientOf: never the IP for a missing device).
  const device = clientOf(read.counters)
  set('device_requests_1m', device?.counts.requests['1m'])
  set('ip_requests_1m', ip?.counts.requests['1m'])
  set('device_login_attempts_10m', device?.counts.login_attempts['10m'])
  set('device_failed_logins_10m', device?.counts.login_failures['10m'])
  set('ip_failed_logins_10m', ip?.counts.login_failures['10m'])
  set('device_distinct_users_10m', device?.distinct.users['10m'])
  set('ip_distinct_users_10m', ip?.distinct.users['10m'])
  set('user_failed_logins_1h', user?.counts.login_failures['1h'])
  set('user_distinct_ips_1h', user?.distinct.ips['1h'])
  set('device_high_risk_visits_10m', device?.counts.high_risk_visits['10m'])
  set('device_cart_adds_10m', device?.counts.cart_adds['10m'])
  set('device_checkouts_10m', device?.counts.checkouts['10m'])
  set('device_checkout_declines_10m', device?.counts.checkout_declines['10m'])
  set('ip_signups_1h', ip?.counts.signup_attempts['1h'])
  set('zone_login_failure_ratio_10m', zoneLoginFailureRatio10m)
}
