// Classifies the origin's answer to a login, signup or checkout into an outcome.
// Takes route class, method, status and whether a failure marker was seen; returns an outcome or null; no I/O.
import type { RouteClass } from '../config/routeClasses'

export const OUTCOMES = [
  'login_success',
  'login_failure',
  'signup_success',
  'signup_failure',
  'checkout_success',
  'checkout_decline',
] as const
export type Outcome = (typeof OUTCOMES)[number]

export const isOutcome = (v: unknown): v is Outcome => typeof v === 'string' && (OUTCOMES as readonly string[]).includes(v)

const is2xxOr3xx = (s: number): boolean => s >= 200 && s < 400
const isAuthFailure = (s: number): boolean => s === 401 || s === 403
/** A failure marker can speak for any answer but a server error or a rate limit. */
const isMarkable = (s: number): boolean => s >= 200 && s < 500 && s !== 429

/**
 * Login: 2xx/3xx success, 401/403 failure. Signup: 2xx/3xx success, 4xx except 429 failure.
 * Checkout: 402 decline, 2xx/3xx success. `marked` — the route's configured failure marker
 * (outcomes.<class> in the config) was seen in the answer — makes any 2xx–4xx answer but 429
 * a failure (a decline for checkout): an origin that answers 200 with an error page. Anything
 * else (GET pages, 5xx, 429, other routes) is not an outcome.
 */
export function classifyOutcome(routeClass: RouteClass, method: string, status: number, marked = false): Outcome | null {
  if (method.toUpperCase() !== 'POST' || !Number.isInteger(status)) return null
  const markedFailure = marked && isMarkable(status)
  switch (routeClass) {
    case 'login':
      if (markedFailure || isAuthFailure(status)) return 'login_failure'
      return is2xxOr3xx(status) ? 'login_success' : null
    case 'signup':
      if (markedFailure) return 'signup_failure'
      if (is2xxOr3xx(status)) return 'signup_success'
      return status >= 400 && status < 500 && status !== 429 ? 'signup_failure' : null
    case 'checkout':
      if (markedFailure || status === 402) return 'checkout_decline'
      return is2xxOr3xx(status) ? 'checkout_success' : null
    default:
      return null
  }
}
