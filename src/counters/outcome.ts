// Classifies the origin's answer to a login, signup or checkout into an outcome.
// Takes route class, method, status and an optional marker hit; returns an outcome or null; no I/O.
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

/**
 * A configured response marker (e.g. a failure string in the login page body) decides
 * when the origin answers 200 for both success and failure: `'failure'` or `'success'`.
 */
export type MarkerHit = 'success' | 'failure'

const is2xxOr3xx = (s: number): boolean => s >= 200 && s < 400
const isAuthFailure = (s: number): boolean => s === 401 || s === 403

/**
 * Login: 2xx/3xx success, 401/403 failure (a marker overrides the status). Signup: 2xx/3xx
 * success, 4xx except 429 failure. Checkout: 402 decline, 2xx/3xx success. Anything
 * else (GET pages, 5xx, 429, other routes) is not an outcome.
 */
export function classifyOutcome(
  routeClass: RouteClass,
  method: string,
  status: number,
  markerHit?: MarkerHit | null,
): Outcome | null {
  if (method.toUpperCase() !== 'POST' || !Number.isInteger(status)) return null
  switch (routeClass) {
    case 'login':
      if (markerHit === 'failure') return 'login_failure'
      if (markerHit === 'success') return 'login_success'
      if (is2xxOr3xx(status)) return 'login_success'
      return isAuthFailure(status) ? 'login_failure' : null
    case 'signup':
      if (is2xxOr3xx(status)) return 'signup_success'
      return status >= 400 && status < 500 && status !== 429 ? 'signup_failure' : null
    case 'checkout':
      if (status === 402) return 'checkout_decline'
      return is2xxOr3xx(status) ? 'checkout_success' : null
    default:
      return null
  }
}
