// Route classes: what kind of page a request is for. Thresholds, counters and rules
// are per class. The order is part of the feature contract (feature `route_class`).

export const ROUTE_CLASSES = [
  'login', 'signup', 'password_reset', 'account', 'profile', 'transfer',
  'checkout', 'cart', 'api', 'static', 'other',
] as const
export type RouteClass = (typeof ROUTE_CLASSES)[number]

export const isRouteClass = (v: unknown): v is RouteClass =>
  typeof v === 'string' && (ROUTE_CLASSES as readonly string[]).includes(v)

/** Classes whose POST carries credentials (a username worth counting) and whose GET only shows the form. */
export const CREDENTIAL_CLASSES: ReadonlySet<RouteClass> = new Set(['login', 'signup', 'password_reset'])

/** Classes whose pages an account-takeover crew visits after getting in. */
export const HIGH_RISK_CLASSES: readonly RouteClass[] = ['password_reset', 'profile', 'transfer']

/**
 * Classes where an account or money changes hands (the bundled rules' `SENSITIVE` list in
 * src/config/defaults.ts): a crawler's category policy never applies there (src/policy/decide.ts).
 */
export const SENSITIVE_CLASSES: ReadonlySet<RouteClass> = new Set(['login', 'signup', 'password_reset', 'checkout', 'transfer', 'profile'])
