// An account's own places through the real Worker (KV, Durable Objects): a sign-in the origin let in
// is remembered on its username's key (network, country, device); a later sign-in to that account
// from a device and a network it was never let in from is forwarded with `x-edgeward-action: review`
// (unfamiliar_sign_in), for the origin to ask for a second factor. The admin import gives an account
// its past from the operator's own login log.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AccountPlace } from '../../src/counters/history'
import { deviceCookie } from '../support/journey'
import { callWorker, clearConfig, ownSite, writeConfig } from '../support/worker'

afterEach(clearConfig)
let sites = 0
beforeEach(async () => {
  ownSite(`history${++sites}`)
  // The model's thresholds out of the way: this is about the account's history and its rule.
  await writeConfig({ version: 'history', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
})

const TRUST = { EDGEWARD_TRUST_TEST_HEADERS: 'true' }
const HOME = { asn: 64501, country: 'DE' }
const ELSEWHERE = { asn: 64502, country: 'DE' }
const ABROAD = { asn: 64503, country: 'VN' }
const ok200 = () => new Response('welcome', { status: 200 })
const no401 = () => new Response('no', { status: 401 })
/** An origin whose sign-in form takes the password and the code together, and says the code passed. */
const passed = () => new Response('welcome', { status: 200, headers: { 'x-edgeward-step-up': 'passed' } })

let accounts = 0
const account = (): string => `history-${++accounts}-${Date.now()}@example.com`

/** A browser with its own device cookie at `ip`, on `net`, signing in to `username`. */
async function signIn(username: string, ip: string, net: { asn: number; country: string } | null, reply = ok200, cookie?: string) {
  const device = cookie ?? (await deviceCookie(ip)).cookie
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', cookie: device }
  if (net !== null) headers['x-edgeward-test-cf'] = JSON.stringify(net)
  const body = `username=${encodeURIComponent(username)}&password=right`
  const call = await callWorker('/login', { method: 'POST', body, headers }, { clientIp: ip, reply, env: TRUST })
  return { ...call, log: call.logs[0] ?? {}, cookie: device }
}

describe('an account signed in before', () => {
  it('asks the origin to step up a sign-in from a new device on a network the account never used', async () => {
    const user = account()
    expect((await signIn(user, '198.51.100.10', HOME)).log).toMatchObject({ action: 'allow' })
    const { response, log, seen } = await signIn(user, '203.0.113.40', ELSEWHERE)
    expect(log).toMatchObject({ action: 'review', would_action: 'review', source: 'rule', rules: expect.arrayContaining(['unfamiliar_sign_in']) })
    expect((log.reasons as string[])[0]).toBe('unfamiliar_sign_in')
    // Forwarded, for the origin to ask for a second factor; the client sees no mitigation.
    expect(response.status).toBe(200)
    expect(response.headers.get('edgeward-mitigated')).toBeNull()
    expect(seen).toHaveLength(1)
    expect(seen[0]!.headers.get('x-edgeward-action')).toBe('review')
    expect(seen[0]!.headers.get('x-edgeward-reasons')).toContain('unfamiliar_sign_in')
  })

  it('lets a new device on the home network in, and the same device back', async () => {
    const user = account()
    const first = await signIn(user, '198.51.100.11', HOME)
    expect(first.log).toMatchObject({ action: 'allow' })
    // Another browser at home (its own cookie, another address of the same network).
    expect((await signIn(user, '198.51.100.12', HOME)).log).toMatchObject({ action: 'allow' })
    // The first browser again, from the address its cookie is bound to.
    expect((await signIn(user, '198.51.100.11', HOME, ok200, first.cookie)).log).toMatchObject({ action: 'allow' })
  })

  it('remembers only sign-ins the origin let in: a refused one from a new network is no place of the account', async () => {
    const user = account()
    await signIn(user, '198.51.100.13', HOME)
    expect((await signIn(user, '203.0.113.41', ABROAD, no401)).log).toMatchObject({ action: 'review' })
    // Refused there, so still unfamiliar; let in there with its second factor passed, it becomes the account's.
    expect((await signIn(user, '203.0.113.42', ABROAD, passed)).log).toMatchObject({ action: 'review' })
    expect((await signIn(user, '203.0.113.43', ABROAD)).log).toMatchObject({ action: 'allow' })
  })

  it('says nothing of an account with no past, or of a sign-in whose network is not known', async () => {
    const user = account()
    expect((await signIn(user, '203.0.113.44', ABROAD)).log).toMatchObject({ action: 'allow' })
    expect((await signIn(user, '203.0.113.45', null)).log).toMatchObject({ action: 'allow' })
  })

  it('logs what it would do in shadow mode and forwards with the plain allow', async () => {
    await writeConfig({ version: 'history-shadow', mode: 'shadow', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    const user = account()
    await signIn(user, '198.51.100.14', HOME)
    const { log, seen } = await signIn(user, '203.0.113.46', ELSEWHERE)
    expect(log).toMatchObject({ action: 'allow', would_action: 'review', mode: 'shadow' })
    expect(seen[0]!.headers.get('x-edgeward-action')).toBe('allow')
  })

  it('never lowers a stronger action: a stuffing rule that matches still acts', async () => {
    const rule = { name: 'always_block_login', when: 'route == "login" and credential_attempt', action: 'block', priority: 10 }
    const { DEFAULT_CONFIG } = await import('../../src/config/defaults')
    const user = account()
    await signIn(user, '198.51.100.15', HOME)
    await writeConfig({ version: 'history-block', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 }, rules: [rule, ...DEFAULT_CONFIG.rules] })
    const { log, response } = await signIn(user, '203.0.113.47', ELSEWHERE)
    expect(log).toMatchObject({ action: 'block', rules: expect.arrayContaining(['always_block_login', 'unfamiliar_sign_in']) })
    expect(response.status).toBe(403)
  })
})

describe('a stepped-up sign-in (the origin\'s x-edgeward-step-up)', () => {
  it('is not the account\'s on the password\'s word: a fraudster let in by the password alone is asked again from there', async () => {
    const user = account()
    await signIn(user, '198.51.100.14', HOME)
    // The origin answers the password with 200 and then asks for a code the fraudster does not have.
    const first = await signIn(user, '203.0.113.46', ABROAD)
    expect(first.log).toMatchObject({ action: 'review' })
    expect((await signIn(user, '203.0.113.46', ABROAD, ok200, first.cookie)).log).toMatchObject({ action: 'review' })
    expect((await signIn(user, '203.0.113.47', ABROAD)).log).toMatchObject({ action: 'review' })
  })

  it('becomes the account\'s when the origin says the code passed on the sign-in\'s answer, and the client never sees the header', async () => {
    const user = account()
    await signIn(user, '198.51.100.15', HOME)
    const stepped = await signIn(user, '203.0.113.48', ABROAD, passed)
    expect(stepped.log).toMatchObject({ action: 'review' })
    expect(stepped.response.headers.get('x-edgeward-step-up')).toBeNull()
    expect((await signIn(user, '203.0.113.49', ABROAD)).log).toMatchObject({ action: 'allow' })
  })

  it('becomes the account\'s when the answer to the code names it: that request\'s network and device', async () => {
    const user = account()
    await signIn(user, '198.51.100.16', HOME)
    const ip = '203.0.113.50'
    const stepped = await signIn(user, ip, ABROAD)
    expect(stepped.log).toMatchObject({ action: 'review' })
    // The code, posted by the same browser to another page; the origin names the account that passed.
    const name = `passed;user="${user}"`
    const code = await callWorker('/account/verify', { method: 'POST', body: 'code=123456', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: stepped.cookie, 'x-edgeward-test-cf': JSON.stringify(ABROAD) } }, {
      clientIp: ip, env: TRUST, reply: () => new Response('verified', { status: 200, headers: { 'x-edgeward-step-up': name } }),
    })
    expect(code.response.headers.get('x-edgeward-step-up')).toBeNull()
    // Its device came back known (and its network): the same browser is let in without a step-up.
    await expect.poll(async () => (await signIn(user, ip, ABROAD, ok200, stepped.cookie)).log.action, { timeout: 3000 }).toBe('allow')
  })

  it('confirms nothing when the origin says anything but passed, names nobody it can find, or is a client', async () => {
    const user = account()
    await signIn(user, '198.51.100.17', HOME)
    for (const [i, value] of ['failed', 'passed;user=""', 'passed; user=unquoted', 'yes'].entries()) {
      const ip = `203.0.113.${60 + i}`
      const r = await signIn(user, ip, ABROAD, () => new Response('', { status: 200, headers: { 'x-edgeward-step-up': value } }))
      expect(r.log).toMatchObject({ action: 'review' })
      expect(r.response.headers.get('x-edgeward-step-up')).toBeNull()
    }
    // A client's own header is stripped before the origin, and means nothing on a request.
    const ip = '203.0.113.70'
    const device = (await deviceCookie(ip)).cookie
    await callWorker('/login', { method: 'POST', body: `username=${encodeURIComponent(user)}&password=right`, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: device, 'x-edgeward-test-cf': JSON.stringify(ABROAD), 'x-edgeward-step-up': 'passed' } }, { clientIp: ip, reply: ok200, env: TRUST })
    expect((await signIn(user, '203.0.113.71', ABROAD)).log).toMatchObject({ action: 'review' })
  })
})

describe('what the origin is told of a sign-in (x-edgeward-user-risk)', () => {
  it("says how familiar the sign-in's place is, on every sign-in and nowhere else", async () => {
    const user = account()
    const first = await signIn(user, '198.51.100.20', HOME)
    expect(first.seen[0]!.headers.get('x-edgeward-user-risk')).toBe('days=0, network=?0, country=?0, device=?0, failed-ips=0')
    const home = await signIn(user, '198.51.100.21', HOME)
    expect(home.seen[0]!.headers.get('x-edgeward-user-risk')).toBe('days=1, network=?1, country=?1, device=?0, failed-ips=0')
    const page = await callWorker('/products/1', {}, { clientIp: '198.51.100.21' })
    expect(page.seen[0]!.headers.has('x-edgeward-user-risk')).toBe(false)
  })

  it('is not sent when the config turns it off, and a client cannot send its own', async () => {
    await writeConfig({ version: 'no-user-risk', origin_headers: { enabled: true, risk: true, action: true, reasons: true, device: true, user_risk: false }, thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } } })
    const user = account()
    const device = (await deviceCookie('198.51.100.22')).cookie
    const headers = { 'content-type': 'application/x-www-form-urlencoded', cookie: device, 'x-edgeward-user-risk': 'days=99, network=?1' }
    const { seen } = await callWorker('/login', { method: 'POST', body: `username=${encodeURIComponent(user)}&password=right`, headers }, { clientIp: '198.51.100.22', reply: ok200 })
    expect(seen[0]!.headers.has('x-edgeward-user-risk')).toBe(false)
  })
})

describe('POST /__edgeward/admin/history', () => {
  const admin = (body: unknown, bindings: Partial<Env> = {}) =>
    callWorker('/__edgeward/admin/history', { method: 'POST', headers: { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }, { env: bindings })

  it("gives an account its past: the imported network is home, another one is unfamiliar", async () => {
    const user = account()
    const now = Date.now()
    const r = await admin({ entries: [
      { username: user.toUpperCase(), at: now - 3 * 86_400_000, asn: HOME.asn, country: 'de' },
      { username: user, at: now - 40 * 86_400_000, asn: ABROAD.asn, country: 'VN' }, // past 30 days: skipped
      { username: user, at: now + 3_600_000, asn: ABROAD.asn, country: 'VN' }, // in the future: skipped
    ] })
    expect(r.response.status).toBe(200)
    expect(await r.response.json()).toEqual({ imported: 1, skipped: 2 })
    // The username is matched as a sign-in's is (case, spaces): the import above was upper-cased.
    expect((await signIn(user, '198.51.100.16', HOME)).log).toMatchObject({ action: 'allow' })
    expect((await signIn(user, '203.0.113.48', ABROAD)).log).toMatchObject({ action: 'review' })
  })

  it('is idempotent: the same batch twice remembers the same places', async () => {
    const user = account()
    const batch = { entries: [{ username: user, at: Date.now() - 86_400_000, asn: HOME.asn, country: 'DE' }] }
    expect(await (await admin(batch)).response.json()).toEqual({ imported: 1, skipped: 0 })
    expect(await (await admin(batch)).response.json()).toEqual({ imported: 1, skipped: 0 })
    expect((await signIn(user, '203.0.113.49', ELSEWHERE)).log).toMatchObject({ action: 'review' })
  })

  it.each([
    ['not JSON', '{', 'bad_json'],
    ['no entries', { entries: [] }, 'bad_body'],
    ['a wrong field', { entries: [{ username: 'a@b.c', at: 1, asn: 'x' }] }, 'bad_body'],
    ['an unknown field', { entries: [{ username: 'a@b.c', at: 1, password: 'never' }] }, 'bad_body'],
    ['a bad country', { entries: [{ username: 'a@b.c', at: 1, country: 'Germany' }] }, 'bad_body'],
    ['too many', { entries: Array.from({ length: 501 }, () => ({ username: 'a@b.c', at: 1 })) }, 'bad_body'],
  ])('refuses %s with 400 and says where', async (_what, body, error) => {
    const { response } = await admin(body)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error })
  })

  it('refuses without the token, and without a username hash key (nothing imported could be found again)', async () => {
    const noToken = await callWorker('/__edgeward/admin/history', { method: 'POST', body: '{}' })
    expect(noToken.response.status).toBe(401)
    const noKey = await admin({ entries: [{ username: 'a@b.c', at: Date.now() - 1000 }] }, { EDGEWARD_USER_HASH_KEY: '' })
    expect(noKey.response.status).toBe(409)
    expect(await noKey.response.json()).toMatchObject({ error: 'no_user_hash_key' })
    expect((await callWorker('/__edgeward/admin/history', { headers: { authorization: 'Bearer test-admin-token' } })).response.status).toBe(405)
  })
})

describe('the account history object', () => {
  it('forgets places 30 days after their last sign-in, and keeps them through an unblock', async () => {
    const stub = env.COUNTERS.get(env.COUNTERS.idFromName(JSON.stringify(['user', `history-object-${Date.now()}`])))
    const t0 = 1_800_000_000_000
    const place: AccountPlace = { asn: 64510, country: 'FR', device: 'dev-1' }
    await stub.record({ now: t0, metric: 'login_successes', remember: place })
    const ask = async (now: number, p = place) => (await stub.observe({ now, bumps: [], distinct: [], deny: null, place: p })).history
    expect(await ask(t0 + 1000)).toEqual({ signinDays: 1, knownNetwork: true, knownCountry: true, knownDevice: true })
    expect(await ask(t0 + 1000, { asn: 64511, country: 'FR', device: null })).toEqual({ signinDays: 1, knownNetwork: false, knownCountry: true, knownDevice: false })
    await stub.forget()
    expect((await ask(t0 + 2000))?.knownNetwork).toBe(true)
    expect(await ask(t0 + 30 * 86_400_000 + 1)).toEqual({ signinDays: 0, knownNetwork: false, knownCountry: false, knownDevice: false })
  })

  it('keeps at most 16 places of a kind, the most recent', async () => {
    const stub = env.COUNTERS.get(env.COUNTERS.idFromName(JSON.stringify(['user', `history-bound-${Date.now()}`])))
    const t0 = 1_800_000_000_000
    for (let i = 0; i < 20; i++) await stub.record({ now: t0 + i * 1000, metric: 'login_successes', remember: { asn: 65000 + i, country: null, device: null } })
    const known = async (asn: number) => (await stub.observe({ now: t0 + 60_000, bumps: [], distinct: [], deny: null, place: { asn, country: null, device: null } })).history?.knownNetwork
    expect(await known(65019)).toBe(true)
    expect(await known(65004)).toBe(true)
    expect(await known(65003)).toBe(false)
  })
})
