// The console's dry run is bounded work: it runs on a console request inside a Worker (CPU-limited,
// the isolate serving the zone's traffic meanwhile), and a candidate's rules are the operator's text.
// A full sample under the bundled rules fits well inside the limit; 200 long rules over the same
// sample stop at it, the lines not reached counted as such (never given a verdict), the newest first.
// (Measured with Node 22 on the project's box: 2,000 form views ≈ 0.1–0.2 s; the long rules ≈ 20 s
// over the whole sample without the limit, ≈ 1 s with it.)
import { describe, expect, it } from 'vitest'
import { compileConfig, type CompiledConfig } from '../../src/config/compileConfig'
import type { SampleLine } from '../../src/console/batch'
import { DRYRUN_BUDGET, dryRun } from '../../src/console/dryrun'
import { defaultModel } from '../../src/model'

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
const bundled = defaultModel()
if (!bundled.ok) throw new Error('no bundled model')
const MODEL = bundled.value.version

function compiled(config: Record<string, unknown>): CompiledConfig {
  const c = compileConfig(config)
  if (!c.ok) throw new Error(c.detail)
  return c.value
}

const IN_FORCE = compiled({ version: 'u-dry-1', mode: 'enforce', thresholds: { checkout: { challenge: 0.6, block: 0.95 } } })
const LOWER = { version: 'u-dry-2', mode: 'enforce', thresholds: { checkout: { challenge: 0.6, block: 0.8 } } }

/** A checkout POST from a browser with a device cookie, scored `risk` by the bundled model under the config in force; `i` orders them (higher is newer). */
function line(i: number): SampleLine {
  const risk = (i % 100) / 100
  const would = risk >= 0.95 ? 'block' : risk >= 0.6 ? 'challenge' : 'allow'
  return {
    at: 1_000_000 + i, ref: `u${String(i).padStart(16, '0')}`, method: 'POST', host: 'shop.test', path: '/checkout', route: 'checkout', ip: '203.0.113.0/24', asn: 64500, country: 'NL',
    device: 'dev-1', user: null, agent: null, risk, model_risk: risk, action: would, would_action: would, source: 'model', app: null, mode: 'enforce',
    reasons: ['device_checkouts_10m'], rules: [], model: MODEL, config: 'u-dry-1', origin_status: 200, missing: [], detail: null, status: null, ua: UA,
    features: { route_class: 7, method_is_post: 1, ua_missing: 0, ua_is_bot: 0, ua_claims_browser: 1, cookie_missing: 0, cookie_invalid: 0, cookie_replayed: 0, device_checkouts_10m: 4, ip_signups_1h: 0 },
  } as unknown as SampleLine
}

const SAMPLE = Array.from({ length: 2_000 }, (_, i) => line(i))

/** A sign-in form view from a browser without a cookie: the most ways to try (method, fetch kind, owed challenge, crowd, own-signals score). */
function formView(i: number): SampleLine {
  const l = line(i) as unknown as Record<string, unknown>
  return { ...l, method: 'GET', route: 'login', path: '/login', risk: 0.3, model_risk: 0.3, action: 'allow', would_action: 'allow', features: { route_class: 1, method_is_post: 0, ua_claims_browser: 1, cookie_missing: 1, cookie_invalid: 0 } } as unknown as SampleLine
}

/**
 * 200 weighing rules of about 2,000 characters whose first part reads a counter the line does not
 * keep: each is split into the parts a line settles, part by part, every line.
 */
function longRules(): Record<string, unknown>[] {
  return Array.from({ length: 200 }, (_, r) => {
    const parts = ['ip.navigations_1m > 5']
    for (let k = 0; parts.join(' or ').length < 1_990; k++) parts.push(`asn == ${k}`)
    return { name: `long_rule_${r}`, when: parts.slice(0, -1).join(' or '), weight: 0 }
  })
}

describe('dry run work limit', () => {
  it('re-decides a full sample of 2,000 lines under the bundled rules within a twentieth of the limit', () => {
    const r = dryRun({ candidate: compiled(LOWER), inForce: IN_FORCE, model: bundled.value, modelVersion: MODEL, lines: SAMPLE, budget: DRYRUN_BUDGET / 20 })
    expect(r.notRedecided.budget).toBe(0)
    expect(r.redecided).toBe(2_000)
    expect(r.flips).toBe(300) // risk .80 … .94 on each hundred: challenge → block
  })

  it('re-decides a full sample of 2,000 cookie-less sign-in form views (the most ways to try) within a fifth of the limit', () => {
    const r = dryRun({ candidate: compiled(LOWER), inForce: IN_FORCE, model: bundled.value, modelVersion: MODEL, lines: Array.from({ length: 2_000 }, (_, i) => formView(i)), budget: DRYRUN_BUDGET / 5 })
    expect(r.notRedecided.budget).toBe(0)
    expect(r.redecided).toBe(2_000)
  })

  it('stops a candidate of 200 long rules at the limit: the lines not reached are counted, never given a verdict, and the newest went first', () => {
    const candidate = compiled({ ...LOWER, version: 'u-dry-3', rules: longRules() })
    expect(candidate.rules).toHaveLength(200)
    const r = dryRun({ candidate, inForce: IN_FORCE, model: bundled.value, modelVersion: MODEL, lines: SAMPLE })
    expect(r.notRedecided.budget).toBeGreaterThan(0)
    expect(r.redecided).toBeGreaterThan(0)
    expect(r.redecided + r.notRedecided.budget).toBe(2_000) // every other line settles: the rules read only the path
    const counted = Object.values(r.matrix).flatMap((row) => Object.values(row)).reduce((a, b) => a + b, 0)
    expect(counted).toBe(r.redecided)
    // The examples are flips among the lines re-decided: the newest ones.
    expect(r.examples.length).toBeGreaterThan(0)
    for (const x of r.examples) expect(Number(x.ref.slice(1))).toBeGreaterThanOrEqual(2_000 - r.redecided)
  })
})
