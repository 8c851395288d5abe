// Policy paths through the real Worker (callWorker, real KV and Durable Objects): mode off, the ASN
// allow list, username normalisation and configured username fields, the reasons the origin sees,
// and default rules driven by real counters — carding, signup bursts, access diversity behind one
// IP, automation markers from the SDK's telemetry.
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { canonicalUsername } from '../../src/log/keyedHash'
import { hashUser } from '../../worker/privacy'
import { deviceCookie } from '../support/journey'
import { callWorker, clearConfig, loadForm, ownSite, writeConfig, type Call, type EchoReply } from '../support/worker'

afterEach(clearConfig)

const CURL = { 'user-agent': 'curl/8.5.0' }
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
/** The model's thresholds out of reach: what decides is the rule, list or mode under test. */
const NO_MODEL = { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 }, signup: { challenge: 1, block: 1 }, checkout: { challenge: 1, block: 1 } }
/** Tests that read counters give them time on a busy machine (the 25 ms budget is tested in fail-open.test.ts). */
const PATIENT = { budget_ms: 1000 }
/**
 * The bundled rules but the site-wide wave over new browsers' sign-ins: a test of one per-device or
 * per-address rule signs in from new devices to names the site never let in, which on a site with no
 * one else is that wave (its own tests: policy.test.ts); here the rule under test is the one weighed.
 */
const WITHOUT_NEW_DEVICE_WAVE = DEFAULT_CONFIG.rules.filter((r) => r.name !== 'new_device_sign_in_wave')

let subnet = 0
/** A /24 no other test uses: no counter history from elsewhere colours a decision. */
const freshNet = (): string => `100.64.${++subnet}`
const status = (code: number): EchoReply => () => new Response(null, { status: code })
const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString()
const features = (call: Call): Record<string, number> => (call.logs[0]?.features ?? {}) as Record<string, number>

describe('mode off', () => {
  it('forwards what enforce would block and logs both the action and the would-be action', async () => {
    await writeConfig({ version: 'off', mode: 'off' })
    const call = await callWorker('/login', { method: 'POST', body: 'username=a&password=b', headers: { ...CURL, ...FORM } }, { clientIp: `${freshNet()}.1` })
    expect(call.response.status).toBe(200)
    expect(call.response.headers.get('edgeward-mitigated')).toBeNull()
    expect(call.seen).toHaveLength(1)
    expect(call.logs[0]).toMatchObject({ mode: 'off', action: 'allow', would_action: 'block', source: 'mode_off' })
    expect(call.logs[0]?.rules).toContain('declared_bot_on_sensitive_route')
    expect(call.seen[0]?.headers.get('x-edgeward-action')).toBe('allow')
  })

  it('forwards a deny-listed address too', async () => {
    const ip = `${freshNet()}.2`
    await writeConfig({ version: 'off-deny', mode: 'off', deny: { ips: [ip], asns: [] } })
    const call = await callWorker('/products/4', {}, { clientIp: ip })
    expect(call.response.status).toBe(200)
    expect(call.logs[0]).toMatchObject({ action: 'allow', would_action: 'block', reasons: ['deny_ip'] })
  })
})

describe('the ASN allow list', () => {
  const ALLOWED_ASN = 64_500
  const login = (ip: string, cf: object | null, trust: boolean) =>
    callWorker(
      '/login',
      { method: 'POST', body: 'username=a&password=b', headers: { ...CURL, ...FORM, ...(cf === null ? {} : { 'x-edgeward-test-cf': JSON.stringify(cf) }) } },
      { clientIp: ip, env: trust ? { EDGEWARD_TRUST_TEST_HEADERS: 'true' } : {} },
    )

  it('lets a request from a listed ASN through before the rules, and tells the origin why', async () => {
    await writeConfig({ version: 'allow-asn', allow: { ips: [], asns: [ALLOWED_ASN] } })
    const net = freshNet()
    const allowed = await login(`${net}.1`, { asn: ALLOWED_ASN }, true)
    expect(allowed.response.status).toBe(200)
    expect(allowed.logs[0]).toMatchObject({ action: 'allow', source: 'allow_list', reasons: ['allow_asn'], asn: ALLOWED_ASN })
    expect(allowed.logs[0]?.rules).toContain('declared_bot_on_sensitive_route') // the rule matched; the list came first
    expect(allowed.seen[0]?.headers.get('x-edgeward-reasons')).toBe('allow_asn')
    expect(allowed.seen[0]?.headers.has('x-edgeward-test-cf')).toBe(false)
  })

  it.each([
    ['another ASN', { asn: 64_501 }, true],
    ['the listed ASN in a test header nobody trusts', { asn: ALLOWED_ASN }, false],
  ] as const)('still blocks the same request from %s', async (_what, cf, trust) => {
    await writeConfig({ version: 'allow-asn', allow: { ips: [], asns: [ALLOWED_ASN] } })
    const call = await login(`${freshNet()}.1`, cf, trust)
    expect(call.response.status).toBe(403)
    expect(call.logs[0]).toMatchObject({ action: 'block', source: 'rule', reasons: expect.arrayContaining(['declared_bot_on_sensitive_route']) })
  })
})

describe('usernames', () => {
  it('counts ＵＳＥＲ0007@EXAMPLE.COM and user0007@example.com against one username (NFKC, case, spaces)', async () => {
    await writeConfig({ version: 'users', thresholds: NO_MODEL, counters: PATIENT })
    const net = freshNet()
    const tries = [
      { body: form({ username: 'ＵＳＥＲ0007@EXAMPLE.COM', password: 'x' }), type: FORM['content-type'] },
      { body: JSON.stringify({ email: 'user0007@example.com', password: 'y' }), type: 'application/json' },
      { body: form({ login: '  User0007@Example.Com ', password: 'z' }), type: FORM['content-type'] },
    ]
    const calls: Call[] = []
    for (const [i, t] of tries.entries()) {
      await loadForm(`${net}.${i + 1}`)
      calls.push(await callWorker('/login', { method: 'POST', body: t.body, headers: { 'content-type': t.type } }, { clientIp: `${net}.${i + 1}`, reply: status(401) }))
    }
    const expected = await hashUser(canonicalUsername('user0007@example.com'), env as unknown as Env, [])
    expect(calls.map((c) => c.logs[0]?.user)).toEqual([expected, expected, expected])
    // Each try sees the failures of the ones before it, from other addresses: one username's counter.
    const base = features(calls[0]!).user_failed_logins_1h!
    expect(calls.map((c) => features(c).user_failed_logins_1h)).toEqual([base, base + 1, base + 2])
    expect(features(calls[2]!).user_distinct_ips_1h).toBeGreaterThanOrEqual(3)
    await loadForm(`${net}.9`)
    const other = await callWorker('/login', { method: 'POST', body: form({ username: 'user0008@example.com' }), headers: FORM }, { clientIp: `${net}.9` })
    expect(other.logs[0]?.user).not.toBe(expected)
  })

  it('reads the username from the configured fields only, in their order', async () => {
    await writeConfig({ version: 'fields', thresholds: NO_MODEL, counters: PATIENT, credentials: { username_fields: ['acct_id', 'username'] } })
    const ip = `${freshNet()}.1`
    await loadForm(ip)
    const both = await callWorker('/login', { method: 'POST', body: form({ username: 'bob@example.com', acct_id: 'Alice-42', password: 'p' }), headers: FORM }, { clientIp: ip })
    expect(both.logs[0]?.user).toBe(await hashUser(canonicalUsername('Alice-42'), env as unknown as Env, []))
    const json = await callWorker('/login', { method: 'POST', body: JSON.stringify({ ACCT_ID: 'Alice-42' }), headers: { 'content-type': 'application/json' } }, { clientIp: ip })
    expect(json.logs[0]?.user).toBe(both.logs[0]?.user)
    // `email` is a default field but not one of these: no username.
    const email = await callWorker('/login', { method: 'POST', body: form({ email: 'carol@example.com', password: 'p' }), headers: FORM }, { clientIp: ip })
    expect(email.logs[0]?.user).toBeNull()
    // Two configured fields naming different users on a sign-in: a decoy, challenged at once.
    expect(both.logs[0]).toMatchObject({ action: 'challenge', source: 'rule' })
    expect(both.logs[0]?.rules).toContain('hidden_credentials')
    // One user: the body reaches the origin byte for byte.
    const one = await callWorker('/login', { method: 'POST', body: form({ acct_id: 'Alice-42', password: 'p' }), headers: FORM }, { clientIp: ip })
    expect(new TextDecoder().decode(one.seen[0]?.body)).toBe(form({ acct_id: 'Alice-42', password: 'p' }))
  })
})

describe('the reasons the origin sees', () => {
  it('sends the deciding rule first, then the model contributions, as the log line has them', async () => {
    await writeConfig({ version: 'off-reasons', mode: 'off' })
    const call = await callWorker('/login', { method: 'POST', body: 'username=a&password=b', headers: { ...CURL, ...FORM } }, { clientIp: `${freshNet()}.1` })
    const reasons = call.logs[0]?.reasons as string[]
    expect(reasons[0]).toBe('declared_bot_on_sensitive_route')
    expect(call.seen[0]?.headers.get('x-edgeward-reasons')).toBe(reasons.slice(0, 10).join(','))
  })

  it('sends none when the config turns reasons off, and never takes a client-sent one', async () => {
    await writeConfig({ version: 'no-reasons', mode: 'off', origin_headers: { reasons: false } })
    const headers = { ...CURL, ...FORM, 'x-edgeward-reasons': 'trusted_partner' }
    const call = await callWorker('/login', { method: 'POST', body: 'username=a&password=b', headers }, { clientIp: `${freshNet()}.1` })
    expect(call.seen[0]?.headers.has('x-edgeward-reasons')).toBe(false)
    expect(call.seen[0]?.headers.get('x-edgeward-action')).toBe('allow')
  })
})

describe('default rules, driven by real counters', () => {
  it('carding: a device with 2 declines is challenged (carding_velocity), with 3 blocked (carding_declines)', async () => {
    // Shadow: every attempt reaches the origin, so each decline is counted and the next rule can fire.
    await writeConfig({ version: 'carding', mode: 'shadow', thresholds: NO_MODEL, counters: PATIENT })
    const ip = `${freshNet()}.1`
    const { cookie, device } = await deviceCookie(ip)
    const card = form({ card_number: '4000000000000002', exp: '12/30', cvv: '123', amount: '10' })
    const lines: Record<string, unknown>[] = []
    for (let i = 0; i < 4; i++) {
      const call = await callWorker('/checkout', { method: 'POST', body: card, headers: { ...FORM, cookie } }, { clientIp: ip, reply: status(402) })
      lines.push(call.logs[0]!)
    }
    expect(lines.map((l) => l.device)).toEqual([device, device, device, device])
    expect(lines.map((l) => (l.features as Record<string, number>).device_checkout_declines_10m)).toEqual([0, 1, 2, 3])
    expect(lines.map((l) => l.would_action)).toEqual(['allow', 'allow', 'challenge', 'block'])
    expect((lines[2]?.reasons as string[])[0]).toBe('carding_velocity')
    expect((lines[3]?.reasons as string[])[0]).toBe('carding_declines')
  })

  // Carrier-grade NAT: many people, no cookies (no JavaScript), one address. Three distinct accounts
  // signed in make it shared; one account signed in three times does not.
  const signInFrom = async (ip: string, users: string[]) => {
    await loadForm(ip)
    for (const u of users) await callWorker('/login', { method: 'POST', body: form({ username: u, password: 'right' }), headers: FORM }, { clientIp: ip, reply: status(200) })
  }
  /** The 1-based checkout at which carding_velocity first matched, or 0. */
  const checkoutsFrom = async (ip: string, n: number): Promise<number> => {
    const card = form({ card_number: '4111111111111111', exp: '12/30', cvv: '123', amount: '10' })
    for (let i = 1; i <= n; i++) {
      const call = await callWorker('/checkout', { method: 'POST', body: card, headers: FORM }, { clientIp: ip, reply: status(200) })
      if ((call.logs[0]?.rules as string[]).includes('carding_velocity')) return i
    }
    return 0
  }

  it('carding: paid checkouts from a shared address without cookies get 6 per account signed in there, not 6 in all', async () => {
    await writeConfig({ version: 'carding-shared', thresholds: NO_MODEL, counters: PATIENT })
    const shared = `${freshNet()}.1`
    await signInFrom(shared, ['ann@example.com', 'bob@example.com', 'cy@example.com'])
    // Counts include the request being decided: the 18th checkout is 6 × 3 accounts.
    expect(await checkoutsFrom(shared, 19)).toBe(18)
    const alone = `${freshNet()}.1`
    await signInFrom(alone, ['ann@example.com', 'ann@example.com', 'ann@example.com'])
    expect(await checkoutsFrom(alone, 7)).toBe(6)
  })

  it('cart_hoarding: a shared address without cookies gets 20 cart adds per account signed in there', async () => {
    await writeConfig({ version: 'cart-shared', thresholds: NO_MODEL, counters: PATIENT })
    const adds = async (ip: string, n: number): Promise<string[][]> => {
      const out: string[][] = []
      for (let i = 0; i < n; i++) out.push((await callWorker('/cart', { method: 'POST', body: form({ sku: `s${i}`, qty: '1' }), headers: FORM }, { clientIp: ip })).logs[0]?.rules as string[])
      return out
    }
    const shared = `${freshNet()}.1`
    await signInFrom(shared, ['gil@example.com', 'hal@example.com', 'ida@example.com'])
    const sharedRules = await adds(shared, 61)
    expect(sharedRules.findIndex((r) => r.includes('cart_hoarding')) + 1).toBe(60)
    const alone = `${freshNet()}.1`
    expect((await adds(alone, 21)).findIndex((r) => r.includes('cart_hoarding')) + 1).toBe(20)
  })

  it('scraping_rate: a shared address without cookies gets the address bound, an address of one the client bound', async () => {
    await writeConfig({ version: 'scrape-shared', thresholds: NO_MODEL, counters: PATIENT })
    const pages = async (ip: string, n: number): Promise<string[]> => {
      const rules: string[] = []
      for (let i = 0; i < n; i++) rules.push(...((await callWorker(`/products?p=${i}`, { headers: { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } }, { clientIp: ip })).logs[0]?.rules as string[]))
      return rules
    }
    const shared = `${freshNet()}.1`
    await signInFrom(shared, ['dee@example.com', 'eve@example.com', 'fay@example.com'])
    expect(await pages(shared, 95)).not.toContain('scraping_rate')
    const alone = `${freshNet()}.1`
    expect(await pages(alone, 95)).toContain('scraping_rate')
  })

  /**
   * A crowd's address (three accounts signed in there) and an address of one (one account three
   * times), then a config where every score challenges and none blocks: what decides is the crowd.
   */
  async function crowdAndAlone(tag: string): Promise<{ shared: string; alone: string }> {
    await writeConfig({ version: `${tag}-sign-ins`, thresholds: NO_MODEL, rules: [], counters: PATIENT })
    const shared = `${freshNet()}.1`
    await signInFrom(shared, [`${tag}-a@example.com`, `${tag}-b@example.com`, `${tag}-c@example.com`])
    const alone = `${freshNet()}.1`
    await signInFrom(alone, [`${tag}-a@example.com`, `${tag}-a@example.com`, `${tag}-a@example.com`])
    const LOW = { ...NO_MODEL, default: { challenge: 0, block: 1 }, login: { challenge: 0, block: 1 } }
    await writeConfig({ version: tag, thresholds: LOW, rules: [], counters: PATIENT })
    return { shared, alone }
  }

  it('a crowd (no cookie, 3+ accounts signed in from its address) is marked for review where the model alone would challenge', async () => {
    const { shared, alone } = await crowdAndAlone('crowd')
    const attempt = (ip: string) => callWorker('/login', { method: 'POST', body: form({ username: 'kim@example.com', password: 'right' }), headers: FORM }, { clientIp: ip, reply: status(200) })
    expect((await attempt(shared)).logs[0]).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['review']) })
    expect((await attempt(alone)).logs[0]).toMatchObject({ action: 'challenge', source: 'model' })
  })

  it('a new device\'s sign-in on a crowd\'s address is marked for review where the model alone would challenge; on an address of one it is challenged', async () => {
    const { shared, alone } = await crowdAndAlone('crowd-device')
    // A browser whose SDK minted its cookie a moment ago: a new device, scored close to no device.
    const attempt = async (ip: string) => {
      const { cookie } = await deviceCookie(ip)
      return callWorker('/login', { method: 'POST', body: form({ username: 'pat@example.com', password: 'right' }), headers: { ...FORM, cookie } }, { clientIp: ip, reply: status(200) })
    }
    const inCrowd = (await attempt(shared)).logs[0]!
    expect(inCrowd).toMatchObject({ action: 'allow', cookie: 'valid', reasons: expect.arrayContaining(['review']) })
    expect((await attempt(alone)).logs[0]).toMatchObject({ action: 'challenge', source: 'model', cookie: 'valid' })
  })

  it('three accounts signed in through every proxy make no crowd past their second address', async () => {
    const LOW = { ...NO_MODEL, default: { challenge: 0, block: 1 }, login: { challenge: 0, block: 1 } }
    await writeConfig({ version: 'crowd-proxies-sign-ins', thresholds: NO_MODEL, rules: [], counters: PATIENT })
    const own = ['own1@example.com', 'own2@example.com', 'own3@example.com']
    const proxies = [`${freshNet()}.1`, `${freshNet()}.1`, `${freshNet()}.1`]
    for (const ip of proxies) await signInFrom(ip, own)
    await writeConfig({ version: 'crowd-proxies', thresholds: LOW, rules: [], counters: PATIENT })
    const attempt = (ip: string) => callWorker('/login', { method: 'POST', body: form({ username: 'victim@example.com', password: 'guess' }), headers: FORM }, { clientIp: ip, reply: status(401) })
    // The first two addresses count each account as one of their people; the third does not.
    expect((await attempt(proxies[1]!)).logs[0]).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['review']) })
    expect((await attempt(proxies[2]!)).logs[0]).toMatchObject({ action: 'challenge', source: 'model' })
  })

  it('signup_burst: the 5th signup from one address in an hour is challenged', async () => {
    await writeConfig({ version: 'signups', thresholds: NO_MODEL, counters: PATIENT })
    const ip = `${freshNet()}.1`
    const actions: unknown[] = []
    for (let i = 0; i < 5; i++) {
      const call = await callWorker('/signup', { method: 'POST', body: form({ email: `burst-${subnet}-${i}@example.com`, password: 'pw-123456' }), headers: FORM }, { clientIp: ip, reply: status(201) })
      actions.push(call.logs[0]?.action)
      if (i === 4) {
        expect(call.response.status).toBe(403)
        expect(call.response.headers.get('edgeward-mitigated')).toBe('challenge')
        expect(call.logs[0]).toMatchObject({ source: 'rule', reasons: expect.arrayContaining(['signup_burst']) })
        expect(features(call).ip_signups_1h).toBe(5)
      }
    }
    expect(actions).toEqual(['allow', 'allow', 'allow', 'allow', 'challenge'])
  })

  it('credential_stuffing: an office without cookies where most people mistype once and then get in is not stuffing', async () => {
    await writeConfig({ version: 'office-typos', thresholds: NO_MODEL, counters: PATIENT })
    const ip = `${freshNet()}.1`
    await loadForm(ip)
    const login = (who: number, password: string, code: number) =>
      callWorker('/login', { method: 'POST', body: form({ username: `typo-${subnet}-${who}@example.com`, password }), headers: FORM }, { clientIp: ip, reply: status(code) })
    const lines: Record<string, unknown>[] = []
    for (let who = 1; who <= 7; who++) {
      if (who % 3 !== 1) lines.push((await login(who, 'typo', 401)).logs[0]!) // five of seven mistype once
      lines.push((await login(who, 'right', 200)).logs[0]!)
    }
    // Seven usernames, five refused once: without taking a username back when it signs in, 5 × 2 > 7 and
    // the address (and everyone behind it) was blocked and deny-listed at the sixth person's sign-in.
    expect(lines.flatMap((l) => l.rules as string[])).not.toContain('credential_stuffing')
    expect(lines.every((l) => l.action === 'allow')).toBe(true)
    // The same refusals by usernames that never get in are still counted: a guess that never worked stays a guess.
    const stuffer = `${freshNet()}.1`
    await loadForm(stuffer) // one that reads the form, as a person does: the counters, not cold_sign_in, must stop it
    const guess = (n: number) => callWorker('/login', { method: 'POST', body: form({ username: `guess-${subnet}-${n}@example.com`, password: 'x' }), headers: FORM }, { clientIp: stuffer, reply: status(401) })
    const guesses: string[][] = []
    for (let n = 1; n <= 5; n++) guesses.push((await guess(n)).logs[0]!.rules as string[])
    expect(guesses[4]).toContain('credential_stuffing')
  })

  it('credential_stuffing: junk logins that a rule stops (no answer from the origin) do not dilute it', async () => {
    await writeConfig({ version: 'junk-padding', thresholds: NO_MODEL, counters: PATIENT })
    const ip = `${freshNet()}.1`
    await loadForm(ip)
    // Twenty usernames "tried" by a declared tool: blocked before the origin, so never refused nor let in.
    for (let n = 1; n <= 20; n++) {
      const junk = await callWorker('/login', { method: 'POST', body: form({ username: `junk-${subnet}-${n}@example.com`, password: 'x' }), headers: { ...FORM, 'user-agent': 'curl/8.5.0' } }, { clientIp: ip, reply: status(401) })
      expect(junk.logs[0]?.rules).toContain('declared_bot_on_sensitive_route')
    }
    const rules: string[][] = []
    for (let n = 1; n <= 6; n++) rules.push((await callWorker('/login', { method: 'POST', body: form({ username: `padded-${subnet}-${n}@example.com`, password: 'x' }), headers: FORM }, { clientIp: ip, reply: status(401) })).logs[0]!.rules as string[])
    // 25 usernames tried, 4 refused, none let in: a ratio over tried usernames (4 × 2 < 25) let it through.
    expect(rules.findIndex((r) => r.includes('credential_stuffing')) + 1).toBe(5)
  })

  it('username_from_many_ips: an owner who mistyped from three places and got in is not many addresses attacking the account', async () => {
    await writeConfig({ version: 'owner-typos', thresholds: NO_MODEL, counters: PATIENT })
    const account = `owner-${subnet}@example.com`
    const login = (ip: string, password: string, code: number) =>
      callWorker('/login', { method: 'POST', body: form({ username: account, password }), headers: FORM }, { clientIp: ip, reply: status(code) })
    // Home, phone, office: a typo and then the right password from each (the form read first, as a browser does).
    for (const ip of [`${freshNet()}.1`, `${freshNet()}.1`, `${freshNet()}.1`]) {
      await loadForm(ip)
      await login(ip, 'typo', 401)
      await login(ip, 'right', 200)
    }
    const fourthIp = `${freshNet()}.1`
    await loadForm(fourthIp)
    const fourth = await login(fourthIp, 'right', 200)
    expect(fourth.logs[0]?.rules).not.toContain('username_from_many_ips')
    expect(fourth.logs[0]?.action).toBe('allow')
    // Three addresses refused that never got in, then a fourth: the distributed attack on one account.
    const victim = `victim-${subnet}@example.com`
    // The attackers read the form from each address: the counters, not cold_sign_in, must stop them.
    const guess = async (ip: string) => {
      await loadForm(ip)
      return callWorker('/login', { method: 'POST', body: form({ username: victim, password: 'guess' }), headers: FORM }, { clientIp: ip, reply: status(401) })
    }
    for (let i = 0; i < 3; i++) await guess(`${freshNet()}.1`)
    const attack = await guess(`${freshNet()}.1`)
    expect(attack.logs[0]?.rules).toContain('username_from_many_ips')
    expect(attack.response.headers.get('edgeward-mitigated')).toBe('challenge')
  })

  it('cold_sign_in: a browser that signs in without having loaded a page from its address is challenged; one that loaded the form is not', async () => {
    await writeConfig({ version: 'cold-sign-in', thresholds: NO_MODEL, counters: PATIENT })
    const login = (ip: string, headers: Record<string, string> = {}) =>
      callWorker('/login', { method: 'POST', body: form({ username: `cold-${subnet}@example.com`, password: 'pw' }), headers: { ...FORM, ...headers } }, { clientIp: ip, reply: status(401) })
    // One attempt per proxy, straight at the form's action: what a spread stuffing run costs least.
    const cold = await login(`${freshNet()}.1`)
    expect(cold.logs[0]).toMatchObject({ action: 'challenge', source: 'rule', rules: expect.arrayContaining(['cold_sign_in']) })
    // A person (JavaScript or not) reads the form first, from the same address.
    const warmIp = `${freshNet()}.1`
    await callWorker('/login', { headers: { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } }, { clientIp: warmIp })
    const warm = await login(warmIp)
    expect(warm.logs[0]?.rules).not.toContain('cold_sign_in')
    expect(warm.logs[0]?.action).toBe('allow')
    // A declared tool is not a browser that skipped its form: the site's own app posts straight to it.
    const app = await login(`${freshNet()}.1`, { 'user-agent': 'okhttp/4.12.0' })
    expect(app.logs[0]?.rules).not.toContain('cold_sign_in')
    // A cookie minted once and carried to every proxy is another client's (replayed), not a device of its own.
    const { cookie } = await deviceCookie(warmIp)
    const replayed = await login(`${freshNet()}.1`, { cookie })
    expect((replayed.logs[0]?.features as Record<string, number>).cookie_replayed).toBe(1)
    expect(replayed.logs[0]?.rules).toContain('cold_sign_in')
    // A submission is a navigation too, but not a page read: a cold run does not warm its own address.
    const coldIp = `${freshNet()}.1`
    await login(coldIp, { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' })
    expect((await login(coldIp)).logs[0]?.rules).toContain('cold_sign_in')
  })

  it('usernames_cycled_on_device: a device naming a third username after two not let in (refused or never answered) is challenged; a typo retried, a shared laptop or a family who all got in is not', async () => {
    await writeConfig({ version: 'cycled', thresholds: NO_MODEL, counters: PATIENT, rules: WITHOUT_NEW_DEVICE_WAVE })
    const signIn = async (ip: string, cookie: string, user: string, reply: EchoReply = status(401)) => {
      await callWorker('/login', { headers: { cookie, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } }, { clientIp: ip })
      return callWorker('/login', { method: 'POST', body: form({ username: user, password: 'pw' }), headers: { ...FORM, cookie } }, { clientIp: ip, reply })
    }
    const ip = `${freshNet()}.1`
    const { cookie } = await deviceCookie(ip)
    const lines = []
    for (const n of [1, 2, 3]) lines.push((await signIn(ip, cookie, `cycled${n}-${ip}@example.com`)).logs[0]!)
    expect(lines.map((l) => l.action)).toEqual(['allow', 'allow', 'challenge'])
    expect(lines[2]).toMatchObject({ source: 'rule', rules: expect.arrayContaining(['usernames_cycled_on_device']) })
    // Named counts, not refused: a guess the edge challenged never reached the origin to be refused.
    // Here the second guess gets no answer that counts (429); the third is challenged all the same.
    const unsentIp = `${freshNet()}.1`
    const unsent = await deviceCookie(unsentIp)
    const named = []
    for (const [n, reply] of [[1, status(401)], [2, status(429)], [3, status(401)]] as const) named.push((await signIn(unsentIp, unsent.cookie, `named${n}-${unsentIp}@example.com`, reply)).logs[0]!)
    expect(named.map((l) => l.action)).toEqual(['allow', 'allow', 'challenge'])
    expect(named[2]?.rules).toContain('usernames_cycled_on_device')
    // One person, one username mistyped three times, then right.
    const typoIp = `${freshNet()}.1`
    const typo = await deviceCookie(typoIp)
    for (let i = 0; i < 3; i++) expect((await signIn(typoIp, typo.cookie, `typo-${typoIp}@example.com`)).logs[0]?.rules).not.toContain('usernames_cycled_on_device')
    // Two people on one laptop, each refused once: two usernames.
    const homeIp = `${freshNet()}.1`
    const home = await deviceCookie(homeIp)
    for (const who of ['ann', 'bob', 'ann', 'bob']) expect((await signIn(homeIp, home.cookie, `${who}-${homeIp}@example.com`)).logs[0]?.rules).not.toContain('usernames_cycled_on_device')
    // A family of three on one laptop, each let in: three usernames, none of them a guess.
    const familyIp = `${freshNet()}.1`
    const family = await deviceCookie(familyIp)
    for (const who of ['ann', 'bob', 'cy']) expect((await signIn(familyIp, family.cookie, `${who}-${familyIp}@example.com`, status(200))).logs[0]?.rules).not.toContain('usernames_cycled_on_device')
  }, 30_000)

  it('access_diversity_ip: an address where six of its first ten people are refused (typos, some who reset instead) is not challenged', async () => {
    ownSite('diversity-typos')
    await writeConfig({ version: 'diversity-typos', thresholds: NO_MODEL, counters: PATIENT })
    const ip = `${freshNet()}.1`
    await loadForm(ip)
    const rules: string[][] = []
    // Four let in, six usernames refused and never let in (yet), then an eleventh person.
    for (let i = 1; i <= 11; i++) {
      const right = [1, 3, 5, 7, 11].includes(i)
      const call = await callWorker('/login', { method: 'POST', body: form({ username: `typo-${subnet}-${i}@example.com`, password: right ? 'right' : 'typo' }), headers: FORM }, { clientIp: ip, reply: status(right ? 200 : 401) })
      rules.push(call.logs[0]!.rules as string[])
    }
    // From the 10th: 9+ usernames, 5+ refused logins, 5–6 refused usernames against 4 let in — more, but not twice as many.
    expect(rules.flat()).not.toContain('access_diversity_ip')
  })

  it('access_diversity_ip: eight devices behind one address trying eight usernames are challenged, none of them alone a stuffer', async () => {
    await writeConfig({ version: 'diversity', thresholds: NO_MODEL, counters: PATIENT, rules: WITHOUT_NEW_DEVICE_WAVE })
    const ip = `${freshNet()}.1`
    const lines: Record<string, unknown>[] = []
    for (let i = 1; i <= 8; i++) {
      const { cookie } = await deviceCookie(ip)
      const body = form({ username: `nat-${subnet}-${i}@example.com`, password: 'wrong' })
      const call = await callWorker('/login', { method: 'POST', body, headers: { ...FORM, cookie } }, { clientIp: ip, reply: status(401) })
      lines.push(call.logs[0]!)
    }
    const f = (l: Record<string, unknown>) => l.features as Record<string, number>
    expect(lines.map((l) => f(l).ip_distinct_users_10m)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    // Each device alone tried one username (the line's features are the model's view, where a new
    // device's journey is its address's — docs/identity.md — so the rules say it).
    expect(lines.some((l) => (l.rules as string[]).includes('credential_stuffing'))).toBe(false)
    // Eight new devices minted at one address, each failing: many_new_devices from the 6th (5 mints
    // and 5 failures before it, docs/identity.md), access_diversity_ip at the 8th.
    expect(lines.map((l) => l.action)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', 'challenge', 'challenge', 'challenge'])
    expect(lines[5]).toMatchObject({ source: 'rule', reasons: expect.arrayContaining(['many_new_devices']) })
    expect(lines[6]?.rules).not.toContain('access_diversity_ip')
    expect(lines[7]).toMatchObject({ source: 'rule', rules: expect.arrayContaining(['access_diversity_ip', 'many_new_devices']) })
    expect(lines[7]?.rules).not.toContain('credential_stuffing')
  })

  it.each([
    ['navigator.webdriver', { webdriver: true }],
    ['two automation markers', { automationMarkers: ['playwright', 'no_plugins'] }],
  ])('automation markers (%s): a page is challenged, a login blocked', async (_what, telemetryOver) => {
    await writeConfig({ version: 'automation', thresholds: NO_MODEL, counters: PATIENT })
    const ip = `${freshNet()}.1`
    const { cookie } = await deviceCookie(ip, { telemetryOver })
    const page = await callWorker('/products/5', { headers: { cookie, accept: 'application/json' } }, { clientIp: ip })
    expect(page.response.status).toBe(403)
    expect(page.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(page.logs[0]).toMatchObject({ source: 'rule', cookie: 'valid' })
    expect((page.logs[0]?.reasons as string[])[0]).toBe('automation_markers')
    const login = await callWorker('/login', { method: 'POST', body: form({ username: 'user0001@example.com', password: 'pass-0001' }), headers: { ...FORM, cookie } }, { clientIp: ip })
    expect(login.response.status).toBe(403)
    expect(login.logs[0]).toMatchObject({ action: 'block', source: 'rule' })
    expect((login.logs[0]?.reasons as string[])[0]).toBe('automation_on_sensitive_route')
    // A device from the same address without the markers is let through: it is the telemetry that decides.
    const clean = await deviceCookie(ip)
    expect((await callWorker('/products/5', { headers: { cookie: clean.cookie } }, { clientIp: ip })).response.status).toBe(200)
  })

  // A human fraudster with a stolen password on a VPN (a hosting ASN) signs in, then changes the
  // password at once; a person who forgot theirs resets it signed out, and reading a profile changes nothing.
  describe('takeover_path_from_hosting', () => {
    const HOSTING = 64_501
    const viaHosting = (ip: string, path: string, method: 'GET' | 'POST', body: string | undefined, code: number) =>
      callWorker(
        path,
        { method, ...(body === undefined ? {} : { body }), headers: { ...(body === undefined ? {} : FORM), 'x-edgeward-test-cf': JSON.stringify({ asn: HOSTING }) } },
        { clientIp: ip, reply: status(code), env: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } },
      )
    const rulesOf = (call: Call): string[] => (call.logs[0]?.rules as string[]) ?? []

    it('challenges a change of password right after a sign-in from a hosting network', async () => {
      await writeConfig({ version: 'takeover-1', thresholds: NO_MODEL, counters: PATIENT, asn: { hosting_extra: [HOSTING] } })
      const ip = `${freshNet()}.1`
      await viaHosting(ip, '/login', 'GET', undefined, 200)
      await viaHosting(ip, '/login', 'POST', form({ username: 'victim@example.com', password: 'stolen' }), 200)
      const view = await viaHosting(ip, '/password-reset', 'GET', undefined, 200)
      expect(rulesOf(view)).not.toContain('takeover_path_from_hosting')
      const change = await viaHosting(ip, '/password-reset', 'POST', form({ email: 'victim@example.com' }), 200)
      expect(rulesOf(change)).toContain('takeover_path_from_hosting')
      expect(change.response.headers.get('edgeward-mitigated')).toBe('challenge')
    })

    it('lets a person reset a forgotten password signed out, and read their profile after signing in', async () => {
      await writeConfig({ version: 'takeover-2', thresholds: NO_MODEL, counters: PATIENT, asn: { hosting_extra: [HOSTING] } })
      const forgot = `${freshNet()}.1`
      for (let i = 0; i < 3; i++) await viaHosting(forgot, '/login', 'POST', form({ username: 'me@example.com', password: `typo${i}` }), 401)
      await viaHosting(forgot, '/password-reset', 'GET', undefined, 200)
      const reset = await viaHosting(forgot, '/password-reset', 'POST', form({ email: 'me@example.com' }), 200)
      expect(rulesOf(reset)).not.toContain('takeover_path_from_hosting')
      expect(reset.response.headers.get('edgeward-mitigated')).toBeNull()

      const reader = `${freshNet()}.1`
      await viaHosting(reader, '/login', 'POST', form({ username: 'reader@example.com', password: 'right' }), 200)
      await viaHosting(reader, '/profile', 'GET', undefined, 200)
      const again = await viaHosting(reader, '/profile', 'GET', undefined, 200)
      expect(rulesOf(again)).not.toContain('takeover_path_from_hosting')
      expect(again.response.headers.get('edgeward-mitigated')).toBeNull()
    })
  })
})
