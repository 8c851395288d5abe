// synth-data: a row count and a seed → plausible labelled NDJSON rows over the real feature names
// (humans and bot / fraud families), until the attack simulator exists. Stand-in data: never evidence.
// Usage: npx tsx src/cli/synth-data.ts --rows 20000 --seed 7 [--out rows.ndjson]

import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ROUTE_CLASSES, type RouteClass } from '../config/routeClasses'
import { FEATURE_NAMES, type FeatureName } from '../features/list'
import { prng } from '../model/prng'

export interface LabelledRow {
  readonly features: Partial<Record<FeatureName, number | null>>
  readonly label: 0 | 1
  readonly family: string
}

type Row = Partial<Record<FeatureName, number | null>>
type Gen = ReturnType<typeof gen>

function gen(seed: number) {
  const r = prng(seed)
  const u = (a: number, b: number) => a + (b - a) * r()
  const int = (a: number, b: number) => Math.floor(u(a, b + 1))
  const bern = (p: number) => (r() < p ? 1 : 0)
  const norm = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
  const logn = (median: number, sigma: number) => median * Math.exp(sigma * norm())
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  return { r, u, int, bern, norm, logn, pick }
}

const route = (c: RouteClass) => ROUTE_CLASSES.indexOf(c)
const SDK: readonly FeatureName[] = FEATURE_NAMES.filter((n) => n.startsWith('sdk_'))
const JOURNEY = FEATURE_NAMES.slice(FEATURE_NAMES.indexOf('device_requests_1m'))

/** A person in a mainstream browser that ran the SDK: natural typing variance, rare failures. */
function human(g: Gen): Row {
  const keys = g.int(12, 40)
  const mean = Math.max(60, 170 + 60 * g.norm())
  const onLogin = g.bern(0.6)
  const noCookie = g.bern(0.05)
  const newDevice = g.bern(0.12)
  const underAttack = g.bern(0.3)
  return {
    route_class: onLogin ? route('login') : route(g.pick(['account', 'cart', 'checkout', 'other', 'profile'] as const)),
    method_is_post: onLogin ? 1 : g.bern(0.3), body_bytes: onLogin ? g.int(40, 120) : null,
    ua_missing: 0, ua_is_bot: 0, ua_is_headless: 0, ua_claims_browser: 1, client_hints_mismatch: g.bern(0.02),
    sec_fetch_missing: g.bern(0.01), accept_missing: 0, accept_language_missing: g.bern(0.01), header_count: g.int(12, 22),
    header_order_anomaly: g.bern(0.02), http_version: g.pick([2, 2, 2, 3, 3, 1.1]), tls_version: g.pick([1.3, 1.3, 1.3, 1.2]),
    tls_cipher_weak: g.bern(0.01), asn_hosting: g.bern(0.03), client_tcp_rtt_ms: g.logn(40, 0.7),
    cf_bot_score: g.bern(0.7) ? null : g.int(40, 99), cf_verified_bot: null, timezone_mismatch: g.bern(0.03),
    cookie_missing: noCookie, cookie_invalid: g.bern(0.005), cookie_replayed: 0, device_age_s: noCookie ? null : newDevice ? g.logn(900, 1.5) : g.logn(86400 * 20, 2),
    sdk_key_count: keys, sdk_key_interval_mean_ms: mean, sdk_key_interval_sd_ms: mean * g.u(0.15, 0.9), sdk_paste_credential: g.bern(0.04),
    sdk_autofill: 0, sdk_focus_changes: g.int(1, 8), sdk_visibility_changes: g.bern(0.2) * g.int(1, 3), sdk_pointer_moved: g.bern(0.95),
    sdk_time_to_submit_ms: g.logn(9000, 0.6), sdk_webdriver: 0, sdk_automation_markers: g.bern(0.01), sdk_incognito: g.bern(0.08),
    device_requests_1m: g.int(1, 12), ip_requests_1m: g.int(1, 25), device_login_attempts_10m: onLogin ? g.int(1, 2) : g.int(0, 1),
    device_failed_logins_10m: g.bern(0.1), ip_failed_logins_10m: g.int(0, 2), device_distinct_users_10m: 1, ip_distinct_users_10m: g.int(1, 3),
    user_failed_logins_1h: onLogin ? g.bern(0.12) * g.int(1, 2) : null, user_distinct_ips_1h: onLogin ? g.int(1, 2) : null,
    device_high_risk_visits_10m: g.bern(0.15), device_cart_adds_10m: g.int(0, 3), device_checkouts_10m: g.bern(0.2),
    device_checkout_declines_10m: g.bern(0.03), ip_signups_1h: g.bern(0.02), zone_login_failure_ratio_10m: underAttack ? g.u(0.2, 0.9) : g.u(0.03, 0.25),
  }
}

const noSdk = (row: Row): Row => ({ ...row, ...Object.fromEntries(SDK.map((n) => [n, null])), timezone_mismatch: null })
const noCounters = (row: Row): Row => ({ ...row, ...Object.fromEntries(JOURNEY.map((n) => [n, null])) })
const script = (g: Gen, row: Row): Row => ({
  ...noSdk(row), cookie_missing: 1, device_age_s: null, header_count: g.int(3, 9), ua_is_bot: g.bern(0.4),
  ua_claims_browser: g.bern(0.6), client_hints_mismatch: g.bern(0.7), sec_fetch_missing: g.bern(0.8),
  accept_language_missing: g.bern(0.7), header_order_anomaly: g.bern(0.8), http_version: g.pick([1.1, 1.1, 2]), tls_version: g.pick([1.2, 1.3]),
})
const login = (g: Gen, row: Row): Row => ({ ...row, route_class: route('login'), method_is_post: 1, body_bytes: g.int(40, 120) })

/** Each family: label, share of rows, and how its row departs from a human's. */
const FAMILIES: ReadonlyArray<{ name: string; label: 0 | 1; share: number; make: (g: Gen) => Row }> = [
  { name: 'human_browser', label: 0, share: 0.5, make: (g) => human(g) },
  { name: 'human_password_manager', label: 0, share: 0.1, make: (g) => ({ ...human(g), sdk_autofill: g.bern(0.7), sdk_paste_credential: g.bern(0.5), sdk_key_count: g.int(0, 3), sdk_key_interval_mean_ms: null, sdk_key_interval_sd_ms: null, sdk_time_to_submit_ms: g.logn(2500, 0.5) }) },
  { name: 'human_no_sdk', label: 0, share: 0.08, make: (g) => ({ ...noSdk(human(g)), cookie_missing: g.bern(0.6) }) },
  { name: 'human_vpn_traveller', label: 0, share: 0.04, make: (g) => ({ ...human(g), asn_hosting: 1, timezone_mismatch: g.bern(0.6), sdk_incognito: g.bern(0.3) }) },
  { name: 'human_targeted_account', label: 0, share: 0.02, make: (g) => ({ ...login(g, human(g)), user_failed_logins_1h: g.int(2, 20), user_distinct_ips_1h: g.int(3, 40), device_failed_logins_10m: g.int(0, 2), zone_login_failure_ratio_10m: g.u(0.25, 0.85) }) },
  { name: 'human_counters_missing', label: 0, share: 0.02, make: (g) => noCounters(human(g)) },
  { name: 'verified_crawler', label: 0, share: 0.03, make: (g) => ({ ...script(g, human(g)), ua_is_bot: 1, ua_claims_browser: 0, cf_verified_bot: g.bern(0.4) ? 1 : null, route_class: route(g.pick(['other', 'api', 'static'] as const)), method_is_post: 0, body_bytes: null, device_login_attempts_10m: 0, ip_requests_1m: g.int(5, 60) }) },
  { name: 'credential_stuffing', label: 1, share: 0.07, make: (g) => { const row = login(g, script(g, human(g))); const users = g.int(3, 60); return { ...row, asn_hosting: g.bern(0.7), device_login_attempts_10m: users + g.int(0, 5), device_failed_logins_10m: Math.floor(users * g.u(0.8, 1)), ip_failed_logins_10m: users + g.int(0, 40), device_distinct_users_10m: users, ip_distinct_users_10m: users + g.int(0, 30), user_failed_logins_1h: g.int(0, 2), zone_login_failure_ratio_10m: g.u(0.2, 0.9), cf_bot_score: g.bern(0.7) ? null : g.int(1, 30) } } },
  { name: 'low_and_slow_botnet', label: 1, share: 0.04, make: (g) => { const row = login(g, g.bern(0.7) ? script(g, human(g)) : human(g)); return { ...row, asn_hosting: g.bern(0.15), header_count: g.int(8, 18), device_login_attempts_10m: 1, device_failed_logins_10m: g.bern(0.9), ip_failed_logins_10m: g.int(1, 3), device_distinct_users_10m: 1, ip_distinct_users_10m: g.int(1, 2), user_failed_logins_1h: g.int(2, 20), user_distinct_ips_1h: g.int(3, 40), zone_login_failure_ratio_10m: g.u(0.25, 0.85), cookie_replayed: g.bern(0.2) } } },
  { name: 'headless_browser', label: 1, share: 0.04, make: (g) => { const mean = g.u(8, 60); return login(g, { ...human(g), sdk_webdriver: g.bern(0.6), sdk_automation_markers: g.int(0, 3), ua_is_headless: g.bern(0.4), sdk_key_interval_mean_ms: mean, sdk_key_interval_sd_ms: mean * g.u(0, 0.12), sdk_pointer_moved: g.bern(0.2), sdk_time_to_submit_ms: g.logn(1200, 0.5), sdk_focus_changes: g.int(0, 1), asn_hosting: g.bern(0.6), device_distinct_users_10m: g.int(1, 20), device_failed_logins_10m: g.int(0, 15), device_age_s: g.logn(120, 1.5) }) } },
  { name: 'stealth_automation', label: 1, share: 0.025, make: (g) => { const mean = g.u(90, 220); return login(g, { ...human(g), sdk_key_interval_mean_ms: mean, sdk_key_interval_sd_ms: mean * g.u(0.05, 0.35), sdk_pointer_moved: g.bern(0.75), sdk_time_to_submit_ms: g.logn(4000, 0.5), sdk_automation_markers: g.bern(0.3), device_age_s: g.logn(600, 1.5), device_distinct_users_10m: g.int(1, 4), user_distinct_ips_1h: g.int(1, 6), zone_login_failure_ratio_10m: g.u(0.1, 0.6) }) } },
  { name: 'manual_takeover', label: 1, share: 0.02, make: (g) => ({ ...human(g), sdk_paste_credential: g.bern(0.7), asn_hosting: g.bern(0.5), timezone_mismatch: g.bern(0.5), cookie_missing: g.bern(0.5), device_age_s: g.logn(300, 1.5), device_high_risk_visits_10m: g.int(0, 4), route_class: route(g.pick(['login', 'password_reset', 'profile', 'transfer'] as const)), sdk_incognito: g.bern(0.4) }) },
  { name: 'carding', label: 1, share: 0.015, make: (g) => { const tries = g.int(2, 30); return { ...(g.bern(0.5) ? script(g, human(g)) : human(g)), route_class: route('checkout'), method_is_post: 1, device_checkouts_10m: tries, device_checkout_declines_10m: Math.floor(tries * g.u(0.6, 1)), cookie_replayed: g.bern(0.2) } } },
  { name: 'scraper', label: 1, share: 0.015, make: (g) => ({ ...script(g, human(g)), route_class: route(g.pick(['api', 'other'] as const)), method_is_post: 0, body_bytes: null, ip_requests_1m: g.int(40, 600), device_requests_1m: g.int(30, 400), asn_hosting: g.bern(0.8) }) },
  { name: 'fake_signup', label: 1, share: 0.01, make: (g) => ({ ...human(g), route_class: route('signup'), method_is_post: 1, ip_signups_1h: g.int(2, 40), sdk_paste_credential: g.bern(0.8), sdk_webdriver: g.bern(0.3), sdk_time_to_submit_ms: g.logn(2000, 0.6), asn_hosting: g.bern(0.5) }) },
]

export function synthesizeRows(n: number, seed: number): LabelledRow[] {
  const g = gen(seed)
  const total = FAMILIES.reduce((a, f) => a + f.share, 0)
  const rows: LabelledRow[] = []
  for (let i = 0; i < n; i++) {
    let x = g.r() * total
    const fam = FAMILIES.find((f) => (x -= f.share) < 0) ?? FAMILIES[0]!
    const raw = fam.make(g)
    const features: Row = {}
    for (const name of FEATURE_NAMES) {
      const v = raw[name]
      // Feature builders emit numbers or missing; a few extra random gaps stand for partial signals.
      features[name] = v === undefined || v === null || g.r() < 0.01 ? null : Math.round(v * 1000) / 1000
    }
    rows.push({ features, label: fam.label, family: fam.name })
  }
  return rows
}

function main(): void {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '20000' }, seed: { type: 'string', default: '7' }, out: { type: 'string' } } })
  const text = synthesizeRows(Number(values.rows), Number(values.seed)).map((r) => JSON.stringify(r)).join('\n') + '\n'
  if (values.out) writeFileSync(values.out, text)
  else process.stdout.write(text)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main()
