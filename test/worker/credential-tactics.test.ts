// Hidden credentials through the real Worker (issue 12): credential stuffing from one address, each
// tactic that hid the username or the route from the old reader — a multipart body, duplicate and
// case-variant keys, padding past the cap, route variants, credentials in a GET query or in
// Authorization: Basic — is first mitigated no later than the plain attack + 2 attempts. Rules decide (the model's thresholds are out
// of reach), so a tactic the reader misses shows as a late or missing mitigation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { deviceCookie } from '../support/journey'
import { useConfig } from '../support/useConfig'
import { callWorker, clearConfig, loadForm, ownSite, type EchoReply } from '../support/worker'

// Each test a site of its own: its attempts share one password, which a site counts (password_spraying).
let sites = 0
beforeEach(() => ownSite(`tactics${++sites}`))

afterEach(clearConfig)

const NO_MODEL = { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 }, signup: { challenge: 1, block: 1 }, checkout: { challenge: 1, block: 1 } }
const PATIENT = { budget_ms: 1000 }
const ATTEMPTS = 12
const FORM = 'application/x-www-form-urlencoded'
const BOUNDARY = '----WebKitFormBoundaryQ7'

let subnet = 0
const freshIp = (): string => `100.81.${++subnet}.9`
/** An origin that serves the variant as its login and refuses a wrong password (the demo serves only /login). */
const refuses: EchoReply = () => new Response('{"error":"bad credentials"}', { status: 401 })

interface Attempt {
  readonly path: string
  readonly init: RequestInit
}
type Tactic = (victim: string) => Attempt

const post = (path: string, body: string, type: string): Attempt => ({ path, init: { method: 'POST', body, headers: { 'content-type': type } } })
const form = (victim: string): string => new URLSearchParams({ username: victim, password: 'wrong-password' }).toString()
const multipart = (fields: Record<string, string>): string =>
  Object.entries(fields).map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + `--${BOUNDARY}--\r\n`

const TACTICS: Record<string, Tactic> = {
  plain: (v) => post('/login', form(v), FORM),
  multipart: (v) => post('/login', multipart({ username: v, password: 'wrong-password' }), `multipart/form-data; boundary=${BOUNDARY}`),
  duplicate_case_keys: (v) => post('/login', `Username=decoy%40example.com&username=${encodeURIComponent(v)}&password=wrong-password`, FORM),
  padding_past_cap: (v) => post('/login', `pad=${'x'.repeat(3000)}&${form(v)}`, FORM),
  trailing_slash: (v) => post('/login/', form(v), FORM),
  letter_case: (v) => post('/Login', form(v), FORM),
  format_suffix: (v) => post('/login.json', JSON.stringify({ username: v, password: 'wrong-password' }), 'application/json'),
  query_route: (v) => post('/index.php?route=account/login', form(v), FORM),
  get_credentials: (v) => ({ path: `/login?${form(v)}`, init: {} }),
  basic_auth: (v) => ({ path: '/api/login', init: { method: 'POST', headers: { authorization: `Basic ${btoa(`${v}:wrong-password`)}` } } }),
}

/** Runs one tactic from a fresh address; returns the 1-based attempt first mitigated and its log lines. */
async function firstMitigation(tactic: Tactic, origin: 'demo' | 'refuses'): Promise<{ first: number | null; lines: Record<string, unknown>[] }> {
  const ip = freshIp()
  // One device cookie for the whole run: the zone-wide rules (which want a missing cookie) stay out of
  // it, so the tests in this file do not colour each other through the zone's failure ratio.
  const { cookie } = await deviceCookie(ip)
  const lines: Record<string, unknown>[] = []
  for (let i = 1; i <= ATTEMPTS; i++) {
    const { path, init } = tactic(`victim-${subnet}-${i}@example.com`)
    const headers = new Headers(init.headers)
    headers.set('cookie', cookie)
    const call = await callWorker(path, { ...init, headers }, { clientIp: ip, ...(origin === 'demo' ? { env: { ORIGIN_URL: 'demo' } } : { reply: refuses }) })
    lines.push(call.logs[0]!)
    expect(call.logs[0]?.config).toBe(CONFIG.version)
    if (call.response.headers.get('edgeward-mitigated') !== null) return { first: i, lines }
    expect(call.response.status, `attempt ${i} reached the origin and was refused`).toBe(401)
  }
  return { first: null, lines }
}

const CONFIG = {
  version: 'tactics',
  thresholds: NO_MODEL,
  // The acting default rules only: a weight (the zone-wide ratio, which the tests in this file raise
  // for each other) would add to a model score near 1 and reach the thresholds the model alone cannot.
  rules: DEFAULT_CONFIG.rules.filter((r) => 'action' in r),
  counters: PATIENT,
  // A small cap so padding that the demo origin still reads (it takes 64 KiB) hides the username past it.
  credentials: { max_body_bytes: 1024 },
  routes_add: [{ class: 'login', pattern: '/index.php?route=account/login' }],
}

describe('a person is not caught by the tactics rule', () => {
  it('three wrong passwords then the right one through a readable form are never mitigated', async () => {
    await useConfig(CONFIG)
    const ip = freshIp()
    await loadForm(ip, { env: { ORIGIN_URL: 'demo' } })
    const tries = ['pass-9999', 'pass-0008', 'pass-007', 'pass-0007']
    const statuses: number[] = []
    for (const password of tries) {
      const call = await callWorker('/login', { method: 'POST', body: new URLSearchParams({ username: 'user0007@example.com', password }).toString(), headers: { 'content-type': FORM } }, { clientIp: ip, env: { ORIGIN_URL: 'demo' } })
      statuses.push(call.response.status)
      expect(call.logs[0]?.config).toBe(CONFIG.version)
      expect(call.logs[0]?.rules).not.toContain('hidden_credentials')
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401])
    expect(statuses[3]).not.toBe(401)
    expect(statuses[3]).toBeLessThan(400)
  })

  it('a GET of the login form with a prefilled email is a page view, not an attempt', async () => {
    await useConfig(CONFIG)
    const ip = freshIp()
    for (let i = 0; i < 6; i++) {
      const call = await callWorker(`/login?email=person-${i}%40example.com`, {}, { clientIp: ip, env: { ORIGIN_URL: 'demo' } })
      expect(call.response.status).toBe(200)
      expect((call.logs[0]?.features as Record<string, number>).ip_distinct_users_10m).toBe(0)
    }
  })
})

describe('each tactic from one source is first mitigated no later than the plain attack + 2', () => {
  it.each([
    ['multipart', 'demo'],
    ['duplicate_case_keys', 'demo'],
    ['padding_past_cap', 'demo'],
    ['trailing_slash', 'refuses'],
    ['letter_case', 'refuses'],
    ['format_suffix', 'refuses'],
    ['query_route', 'refuses'],
    ['get_credentials', 'refuses'],
    ['basic_auth', 'refuses'],
  ] as const)('%s (origin: %s)', async (name, origin) => {
    await useConfig(CONFIG)
    const plain = await firstMitigation(TACTICS.plain!, origin)
    const tactic = await firstMitigation(TACTICS[name]!, origin)
    expect(plain.first).not.toBeNull()
    expect(tactic.first, `${name}: ${JSON.stringify(tactic.lines.map((l) => [l.route, l.action, l.rules]))}`).not.toBeNull()
    expect(tactic.first!).toBeLessThanOrEqual(plain.first! + 2)
    const last = tactic.lines.at(-1)!
    expect(last.route).toBe('login')
    expect(last).toMatchObject({ source: 'rule' })
    // A rule that read the hidden username: the device's usernames (cycled, then stuffing) or the conflict itself.
    expect(['usernames_cycled_on_device', 'credential_stuffing', 'hidden_credentials']).toContain((last.reasons as string[])[0])
  })

  it('reads the multipart username (the per-user counters see the victim)', async () => {
    await useConfig(CONFIG)
    const { lines } = await firstMitigation(TACTICS.multipart!, 'demo')
    expect(lines.every((l) => typeof l.user === 'string')).toBe(true)
  })

  it('counts a padded attempt against the client although its username is past the cap', async () => {
    await useConfig(CONFIG)
    const { lines, first } = await firstMitigation(TACTICS.padding_past_cap!, 'demo')
    expect(lines.every((l) => l.user === null)).toBe(true)
    const f = (l: Record<string, unknown>) => (l.features as Record<string, number>).device_failed_logins_10m
    expect(lines.map(f)).toEqual(Array.from({ length: first! }, (_, i) => i))
    expect((lines.at(-1)?.reasons as string[])[0]).toBe('hidden_credentials')
  })
})
