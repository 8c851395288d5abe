// Identity that costs, through the real Worker (demo origin, real KV and Durable Objects): a login
// script that mints a fresh device cookie before every attempt — with or without the page's SDK
// nonce, with telemetry replayed exactly or jittered — is first mitigated no later than the same
// script without cookies plus 2 attempts, and lets through no more than it plus 2. From one address
// and spread over a pool, one attempt per address; with the model out of reach (the counter rules a
// farmed clearance cannot lift) and with the bundled thresholds.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { byRuleOrDenyList, runScript, tally, type Attempt, type AttemptResult, type Identity } from '../support/attacker'
import { deviceCookie, signInNewBrowsers } from '../support/journey'
import { callWorker, clearConfig, loadForm, signInPeople, writeConfig } from '../support/worker'

afterEach(clearConfig)
vi.setConfig({ testTimeout: 240_000 })

const NO_MODEL = { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 }, signup: { challenge: 1, block: 1 }, password_reset: { challenge: 1, block: 1 } }
const PATIENT = { budget_ms: 1000 }
/**
 * The bundled rules that act (challenge, rate limit, block), without the weight-only ones: with the
 * model's thresholds at 1, a score plus weights could still reach 1 once the zone is under attack,
 * and a score is not what this block measures.
 */
const ACTING_RULES = DEFAULT_CONFIG.rules.filter((r) => 'action' in r)
const RULES_ONLY = { thresholds: NO_MODEL, counters: PATIENT, rules: ACTING_RULES }

// The site has people: 40 cookie-less browsers signed in, which the plain scripts' refusals (about 60
// in this file) stay below twice of, and 80 new browsers signed in to accounts of their own, which
// the rotating scripts' (at most 120) stay below twice of. Here rotation is weighed against the
// per-source and identity rules; on a site with no one else, cookieless_sign_in_wave and
// new_device_sign_in_wave stop the scripts at their 3rd (policy.test.ts) and this comparison is not
// the one that matters (docs/adaptive.md).
beforeAll(async () => {
  await writeConfig({ version: 'rotation-people', ...RULES_ONLY })
  await signInPeople(40)
  await signInNewBrowsers(80)
  await clearConfig()
})

let run = 0
/** Leaked pairs (none right) for accounts no other script in this file tries. */
function pairs(n: number): { username: string; password: string }[] {
  const base = 100 + 40 * ++run
  return Array.from({ length: n }, (_, i) => ({ username: `user${String(base + i).padStart(4, '0')}@example.com`, password: `leaked-${run}-${i}` }))
}
const oneAddress = (n: number): Attempt[] => pairs(n).map((p) => ({ ...p, ip: `100.70.${run}.9` }))
/** One attempt per address, every address in its own /24. */
const spreadPool = (n: number): Attempt[] => pairs(n).map((p, i) => ({ ...p, ip: `100.${72 + (i % 8)}.${run * 8 + Math.floor(i / 8)}.${run}` }))
/** One attempt per address, all in one /24 (a proxy provider's block). */
const onePrefix = (n: number): Attempt[] => pairs(n).map((p, i) => ({ ...p, ip: `100.71.${run}.${i + 1}` }))

/** Telemetry recorded once and replayed as is, or with the time to submit and key rhythm jittered per attempt. */
const replayed = (): Record<string, unknown> => ({})
const jittered = (i: number): Record<string, unknown> => {
  const took = 5000 + 977 * i + 30_000 * run // never the same twice in this file
  return { timeOnPageMs: took, timeToSubmitMs: took, keyIntervalMeanMs: 120 + 13 * i }
}

const TACTICS: readonly (readonly [string, Identity, (i: number) => Record<string, unknown>])[] = [
  ['fresh unproven cookies, replayed telemetry', 'rotate_unproven', replayed],
  ['fresh unproven cookies, jittered telemetry', 'rotate_unproven', jittered],
  ['fresh nonce-proven cookies, replayed telemetry', 'rotate_proven', replayed],
  ['fresh nonce-proven cookies, jittered telemetry', 'rotate_proven', jittered],
]

/**
 * An attempt decided without any counters (all keys missed the budget: a loaded test machine) is
 * the fail-open path (fail-open.test.ts), the same for both scripts: it is left out of the comparison.
 */
const counted = (r: AttemptResult): boolean => !((r.line.missing ?? []) as string[]).includes('counters_timeout')
function comparable(run: { results: AttemptResult[] }, mitigated: (r: AttemptResult) => boolean) {
  const results = run.results.filter(counted)
  return { results, ...tally(results, mitigated) }
}

/** The plain script's run, once per shape, config and length (each run is on its own accounts and addresses). */
const plainRuns = new Map<string, ReturnType<typeof runScript>>()

/** The plain and the adaptive script; `rulesOnly` counts only rule and deny-list mitigations. */
async function compare(make: (n: number) => Attempt[], n: number, tactic: Identity, telemetry: (i: number) => Record<string, unknown>, rulesOnly = true) {
  const key = `${make.name}/${n}/${rulesOnly}`
  if (!plainRuns.has(key)) plainRuns.set(key, runScript(make(n), 'none'))
  const plain = await plainRuns.get(key)!
  const adaptive = await runScript(make(n), tactic, telemetry)
  const mitigated = rulesOnly ? byRuleOrDenyList : (r: AttemptResult) => r.action !== 'allow'
  return { plain: comparable(plain, mitigated), adaptive: comparable(adaptive, mitigated) }
}

/** "No later than plain + 2": a plain script never mitigated bounds nothing. */
function expectNoBetterThanPlain(plain: { first: number; through: number }, adaptive: { first: number; through: number }): void {
  if (plain.first > 0) {
    expect(adaptive.first, 'the adaptive script is mitigated').toBeGreaterThan(0)
    expect(adaptive.first).toBeLessThanOrEqual(plain.first + 2)
  }
  expect(adaptive.through).toBeLessThanOrEqual(plain.through + 2)
}

describe('cookie rotation against the counter rules (model out of reach)', () => {
  it.each(TACTICS)('from one address: %s', async (_name, tactic, telemetry) => {
    await writeConfig({ version: 'rotation-rules', ...RULES_ONLY })
    const { plain, adaptive } = await compare(oneAddress, 10, tactic, telemetry)
    expect(plain.first, 'the cookie-less script is caught (credential_stuffing at its 5th)').toBeGreaterThan(0)
    expectNoBetterThanPlain(plain, adaptive)
    const acting = adaptive.results[adaptive.first - 1]?.line.rules as string[]
    expect(acting.some((r) => r === 'many_new_devices' || r === 'telemetry_replay')).toBe(true)
  })

  it.each(TACTICS)('spread over a pool, one attempt per address: %s', async (_name, tactic, telemetry) => {
    await writeConfig({ version: 'rotation-pool', ...RULES_ONLY })
    const { plain, adaptive } = await compare(spreadPool, 10, tactic, telemetry)
    expectNoBetterThanPlain(plain, adaptive)
  })

  it('a /24 of proxies, one attempt per address: many_new_devices on the prefix, where the cookie-less run is never stopped', async () => {
    await writeConfig({ version: 'rotation-prefix', ...RULES_ONLY })
    const { plain, adaptive } = await compare(onePrefix, 24, 'rotate_proven', jittered)
    expectNoBetterThanPlain(plain, adaptive)
    expect(adaptive.first).toBeGreaterThan(0)
    expect(adaptive.first).toBeLessThanOrEqual(21)
    expect(adaptive.results[adaptive.first - 1]?.line.rules).toContain('many_new_devices')
  })

  it('identical telemetry from a third new device is a replay: telemetry_replay challenges it', async () => {
    await writeConfig({ version: 'rotation-replay', ...RULES_ONLY })
    const odd = { keyIntervalMeanMs: 233.3, keyIntervalSdMs: 77.7, timeOnPageMs: 12_345, timeToSubmitMs: 12_345 }
    const { results } = await runScript(spreadPool(4), 'rotate_proven', () => odd)
    expect(results.map((r) => r.collect?.detail)).toEqual(Array(4).fill('collect:new_device'))
    expect(results.map((r) => ((r.line.rules ?? []) as string[]).includes('telemetry_replay'))).toEqual([false, false, true, true])
    expect(results.slice(2).map(byRuleOrDenyList)).toEqual([true, true])
  })
})

describe('cookie rotation against the bundled thresholds (model and rules)', () => {
  it.each([
    ['one address', oneAddress],
    ['a pool', spreadPool],
  ] as const)('from %s, fresh unproven cookies with jittered telemetry do no better than no cookie', async (_name, make) => {
    // (Fresh nonce-proven cookies from a pool keep their telemetry in the model's view and are let
    // through where the cookie-less script is not: the known gap in docs/identity.md.)
    await writeConfig({ version: 'rotation-bundled', counters: PATIENT })
    const { plain, adaptive } = await compare(make, 6, 'rotate_unproven', jittered, false)
    expectNoBetterThanPlain(plain, adaptive)
  })
})

describe('an office behind one address (rules only)', () => {
  it('ten colleagues minting devices and five typos challenge an eleventh new device, never a colleague without JavaScript', async () => {
    await writeConfig({ version: 'office-mixed', ...RULES_ONLY })
    const ip = `100.69.${1 + Math.floor(Math.random() * 250)}.7` // counters may outlive a run
    await loadForm(ip) // the office reads the sign-in page
    const login = (user: number, status: number, cookie?: string) =>
      callWorker(
        '/login',
        { method: 'POST', body: `username=office${user}%40example.com&password=pw-${user}`, headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie === undefined ? {} : { cookie }) } },
        { clientIp: ip, reply: () => new Response(null, { status }) },
      )
    const cookies: string[] = []
    for (let i = 1; i <= 10; i++) {
      const { cookie } = await deviceCookie(ip)
      cookies.push(cookie)
      expect((await login(i, 302, cookie)).logs[0]?.action).toBe('allow')
    }
    // Five of them mistype once on their (now signed-in) devices: 10 mints and 5 failures at the address.
    for (let i = 1; i <= 5; i++) expect((await login(i, 401, cookies[i - 1])).logs[0]?.action).toBe('allow')
    const fresh = await login(11, 302, (await deviceCookie(ip)).cookie)
    expect(fresh.logs[0]).toMatchObject({ action: 'challenge', reasons: expect.arrayContaining(['many_new_devices']) })
    // No cookie: the client is the address, whose failures credential_stuffing already weighs; a
    // challenge it cannot solve (no JavaScript, no SDK) would lock it out.
    const noScript = await login(12, 302)
    expect(noScript.logs[0]?.rules).not.toContain('many_new_devices')
    expect(noScript.logs[0]?.action).toBe('allow')
  })
})
