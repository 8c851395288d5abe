// A clearance through the Worker: bound to the device that earned it (or, without one, to the
// /24 or /64 and the User-Agent for five minutes), good for CLEARANCE_MAX_USES challenged
// requests, revoked by failed logins (a device's: challenged at the hardest difficulty, then
// blocked; a deviceless one's, its address's: challenged again, never escalated), and
// never lifting a rule's challenge — only the model's.
import { describe, expect, it } from 'vitest'
import { POW_MAX_DIFFICULTY } from '../../src/action/pow'
import { CLEARANCE_MAX_REFUSED_USERS, CLEARANCE_MAX_USES, CLEARANCE_REVOKE_FAILURES } from '../../src/policy/clearance'
import { clearanceNetHash, issueClearanceToken } from '../../src/signals/clearanceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import { bindingOf, decodePayload, getChallenge, getChallengeRaw, HTML_ACCEPT, postVerify, setCookieValue, solve, testKeys, UA } from '../support/challenge'
import { callWorker, echoReply, writeConfig, type EchoReply } from '../support/worker'

/** Every request the model scores is challenged; no rules, so only the model (and clearances) act. */
const MODEL_CHALLENGES = {
  version: 'clearance-use',
  thresholds: { default: { challenge: 0, block: 1 }, login: { challenge: 0, block: 1 } },
  rules: [],
  counters: { budget_ms: 1000 },
}
const OTHER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

async function signer() {
  const keys = await testKeys()
  if (!keys.ok) throw new Error('test keys')
  return keys.value
}

const randomId = (): string => crypto.randomUUID().replace(/-/g, '').slice(0, 22)

/** A clearance as verify issues it, for this client (deviceless unless `deviceId`). */
async function clearance(ip: string, o: { deviceId?: string; now?: number; ua?: string; difficulty?: number } = {}): Promise<string> {
  const input = { challengeId: randomId(), method: 'pow' as const, difficulty: o.difficulty ?? POW_MAX_DIFFICULTY, deviceId: o.deviceId ?? null }
  return issueClearanceToken({ ...input, netHash: await clearanceNetHash(ip), now: o.now ?? Date.now(), ...(await bindingOf(o.ua ?? UA, ip)) }, await signer())
}

async function deviceCookie(deviceId: string, ip: string): Promise<string> {
  const now = Date.now()
  return `__edgeward=${await issueDeviceToken({ deviceId, firstSeen: now - 86_400_000, now, telemetry: null, ...(await bindingOf(UA, ip)) }, await signer())}`
}

function page(ip: string, cookie: string, o: { ua?: string; path?: string } = {}) {
  return callWorker(o.path ?? '/products/7', { headers: { accept: HTML_ACCEPT, 'user-agent': o.ua ?? UA, cookie } }, { clientIp: ip })
}

/** The signed ticket in a challenge interstitial's link. */
async function interstitialTicket(response: Response): Promise<Record<string, unknown>> {
  const link = /\/__edgeward\/challenge\?([^"]+)"/.exec(await response.text())?.[1]?.replace(/&amp;/g, '&') ?? ''
  return decodePayload(new URLSearchParams(link).get('t') ?? '')
}

describe('a clearance with a device', () => {
  it('clears that device only: not another device, not the same browser without its device cookie', async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.31'
    const mine = await deviceCookie('A'.repeat(22), ip)
    const challenged = await page(ip, mine)
    expect(challenged.response.status).toBe(403)
    const link = /\/__edgeward\/challenge\?([^"]+)"/.exec(await challenged.response.text())?.[1]?.replace(/&amp;/g, '&') ?? ''
    const issued = await getChallengeRaw(link, { clientIp: ip, cookie: mine })
    const verify = await postVerify({ challenge: issued.token, solution: await solve(issued.challengeId, issued.difficulty) }, { clientIp: ip, cookie: mine })
    expect(verify.response.status).toBe(303)
    expect(verify.response.headers.get('set-cookie')).toContain('Max-Age=900')
    const cleared = `__edgeward_clearance=${setCookieValue(verify.response, '__edgeward_clearance')}`

    const same = await page(ip, `${mine}; ${cleared}`)
    expect(same.response.status).toBe(200)
    expect(same.logs[0]?.reasons).toContain('cleared')
    const other = await page(ip, `${await deviceCookie('B'.repeat(22), ip)}; ${cleared}`)
    expect(other.response.status).toBe(403)
    expect(other.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect((await page(ip, cleared)).response.status).toBe(403)
  })
})

describe('a clearance without a device', () => {
  it('lives five minutes and holds in the same /24 with the same User-Agent only', async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.41'
    const fresh = `__edgeward_clearance=${await clearance(ip)}`
    expect((await page(ip, fresh)).response.status).toBe(200)
    expect((await page('203.0.113.200', fresh)).response.status).toBe(200)
    expect((await page('203.0.114.41', fresh)).response.status).toBe(403)
    expect((await page(ip, fresh, { ua: OTHER_UA })).response.status).toBe(403)
    expect((await page(ip, `__edgeward_clearance=${await clearance(ip, { now: Date.now() - 290_000 })}`)).response.status).toBe(200)
    expect((await page(ip, `__edgeward_clearance=${await clearance(ip, { now: Date.now() - 301_000 })}`)).response.status).toBe(403)
  })

  it('holds within one IPv6 /64, not a neighbouring /64 of the same /48', async () => {
    await writeConfig(MODEL_CHALLENGES)
    const cookie = `__edgeward_clearance=${await clearance('2001:db8:1:2::5')}`
    expect((await page('2001:db8:1:2::5', cookie)).response.status).toBe(200)
    expect((await page('2001:db8:1:2:ffff::9', cookie)).response.status).toBe(200)
    expect((await page('2001:db8:1:3::5', cookie)).response.status).toBe(403)
  })

  it('is issued by verify for five minutes', async () => {
    const ip = '203.0.113.42'
    const issued = await getChallenge('return=%2F&d=12', { clientIp: ip })
    const verify = await postVerify({ challenge: issued.token, solution: await solve(issued.challengeId, issued.difficulty) }, { clientIp: ip })
    expect(verify.response.headers.get('set-cookie')).toContain('Max-Age=300')
    const claims = decodePayload(setCookieValue(verify.response, '__edgeward_clearance') ?? '')
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300)
    expect(claims).toMatchObject({ v: 2, dev: null, net: await clearanceNetHash(ip) })
  })
})

describe('the use limit', () => {
  it(`lifts ${CLEARANCE_MAX_USES} challenged requests, then the client solves again (and the page does not call it "already verified")`, async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.51'
    const cookie = `__edgeward_clearance=${await clearance(ip)}`
    for (let i = 0; i < CLEARANCE_MAX_USES; i++) expect((await page(ip, cookie, { path: `/products/${i + 1}` })).response.status).toBe(200)
    const spent = await page(ip, cookie)
    expect(spent.response.status).toBe(403)
    expect(spent.logs[0]).toMatchObject({ action: 'challenge' })
    expect(spent.logs[0]?.missing ?? []).not.toContain('clearance_uses')
    const again = await getChallengeRaw('return=%2F', { clientIp: ip, cookie })
    expect(again.call.response.status).toBe(200)
    expect(again.token).not.toBe('')
    // A new clearance starts a new count.
    expect((await page(ip, `__edgeward_clearance=${await clearance(ip)}`)).response.status).toBe(200)
  })
})

describe('sub-resources of a cleared page', () => {
  it("spend no uses on reads (let through anyway): a page's XHR reads leave the uses its XHR write needs", async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.56'
    const cookie = `__edgeward_clearance=${await clearance(ip)}`
    const nav = await callWorker('/products/7', { headers: { accept: HTML_ACCEPT, 'user-agent': UA, cookie, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } }, { clientIp: ip })
    expect(nav.response.status).toBe(200)
    const xhr = { 'user-agent': UA, cookie, 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-origin' }
    for (let i = 0; i < CLEARANCE_MAX_USES + 2; i++) {
      const read = await callWorker(`/api/products/${i + 1}`, { headers: { ...xhr, accept: 'application/json' } }, { clientIp: ip })
      expect(read.response.status).toBe(200)
    }
    const write = await callWorker('/cart', { method: 'POST', body: 'product_id=1&qty=1', headers: { ...xhr, 'content-type': 'application/x-www-form-urlencoded' } }, { clientIp: ip })
    expect(write.response.status).toBe(200)
    expect(write.logs[0]?.reasons).toContain('cleared')
  })
})

describe('failed logins after clearance', () => {
  const failLogins: EchoReply = (s) => (s.method === 'POST' ? new Response('wrong password', { status: 401 }) : echoReply(s))
  const login = (ip: string, cookie: string, ua: string = UA) =>
    callWorker(
      '/login',
      { method: 'POST', headers: { accept: HTML_ACCEPT, 'user-agent': ua, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=user0001%40example.com&password=nope' },
      { clientIp: ip, reply: failLogins },
    )

  it("revoke a device's clearance: challenged again at the hardest difficulty, and blocked when it keeps failing after solving again", async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.61'
    const device = await deviceCookie('R'.repeat(22), ip)
    const first = `${device}; __edgeward_clearance=${await clearance(ip, { deviceId: 'R'.repeat(22) })}`
    for (let i = 0; i < CLEARANCE_REVOKE_FAILURES; i++) {
      const attempt = await login(ip, first)
      expect(attempt.response.status).toBe(401)
      expect(attempt.logs[0]?.reasons).toContain('cleared')
    }
    const revoked = await login(ip, first)
    expect(revoked.response.status).toBe(403)
    expect(revoked.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(revoked.seen).toHaveLength(0)
    expect(revoked.logs[0]?.reasons).toContain('clearance_revoked')
    expect(await interstitialTicket(revoked.response)).toMatchObject({ d: POW_MAX_DIFFICULTY })
    // Revoked for good: a page view with it is challenged too, and the challenge page sets new work.
    expect((await page(ip, first)).response.status).toBe(403)
    expect((await getChallengeRaw('return=%2F', { clientIp: ip, cookie: first })).call.response.status).toBe(200)

    // Solved again (at the hardest difficulty) and still failing: blocked.
    const second = `${device}; __edgeward_clearance=${await clearance(ip, { deviceId: 'R'.repeat(22) })}`
    for (let i = 0; i < CLEARANCE_REVOKE_FAILURES; i++) expect((await login(ip, second)).response.status).toBe(401)
    const blocked = await login(ip, second)
    expect(blocked.response.status).toBe(403)
    expect(blocked.response.headers.get('edgeward-mitigated')).toBe('block')
    expect(blocked.logs[0]).toMatchObject({ action: 'block', reasons: expect.arrayContaining(['clearance_revoked_block']) })
  })

  it("revoke a deviceless clearance by its address's failures, a NAT neighbour's too: challenged again at the usual work, never blocked", async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.63'
    const mine = `__edgeward_clearance=${await clearance(ip)}`
    expect((await page(ip, mine)).response.status).toBe(200)
    // Two neighbours behind the same address, each with a clearance of its own, fail 2 × 4 logins.
    for (let n = 0; n < 2; n++) {
      const theirs = `__edgeward_clearance=${await clearance(ip, { ua: OTHER_UA })}`
      for (let i = 0; i < CLEARANCE_REVOKE_FAILURES; i++) expect((await login(ip, theirs, OTHER_UA)).response.status).toBe(401)
    }
    const after = await page(ip, mine)
    expect(after.response.status).toBe(403)
    expect(after.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(after.logs[0]).toMatchObject({ action: 'challenge', reasons: expect.arrayContaining(['clearance_revoked']) })
    expect(Number((await interstitialTicket(after.response)).d)).toBeLessThan(POW_MAX_DIFFICULTY)
  })

  it('leave a person who mistypes three times and then gets it right cleared', async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.62'
    const cookie = `__edgeward_clearance=${await clearance(ip)}`
    for (let i = 0; i < CLEARANCE_REVOKE_FAILURES - 1; i++) expect((await login(ip, cookie)).response.status).toBe(401)
    const right = await callWorker(
      '/login',
      { method: 'POST', headers: { accept: HTML_ACCEPT, 'user-agent': UA, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=user0001%40example.com&password=pass-0001' },
      { clientIp: ip },
    )
    expect(right.response.status).toBe(200)
    expect(right.logs[0]?.reasons).toContain('cleared')
  })
})

describe('a cleared device that guesses', () => {
  const refuse: EchoReply = (s) => (s.method === 'POST' ? new Response('wrong password', { status: 401 }) : echoReply(s))
  const signIn = (ip: string, cookie: string, user: string, password = 'nope') =>
    callWorker(
      '/login',
      { method: 'POST', headers: { accept: HTML_ACCEPT, 'user-agent': UA, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${encodeURIComponent(user)}&password=${password}` },
      { clientIp: ip, reply: refuse },
    )

  it(`lifts no sign-in challenge once more than ${CLEARANCE_MAX_REFUSED_USERS} of its usernames were refused: a puzzle buys no guesses`, async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.64'
    const id = 'G'.repeat(22)
    const cookie = `${await deviceCookie(id, ip)}; __edgeward_clearance=${await clearance(ip, { deviceId: id })}`
    const lines = []
    for (let i = 1; i <= 4; i++) lines.push((await signIn(ip, cookie, `guess${i}-${ip}@example.com`)).logs[0]!)
    // Two usernames refused under the clearance; the third is challenged, solved or not.
    expect(lines.map((l) => l.action)).toEqual(['allow', 'allow', 'challenge', 'challenge'])
    expect(lines[2]!.reasons).toEqual(expect.arrayContaining(['clearance_withheld']))
    // Still cleared for reading pages: it is its guessing that the puzzle does not pay for.
    expect((await page(ip, cookie)).response.status).toBe(200)
  })

  it(`lifts no sign-in challenge to a third username in 10 minutes, refused or not: a guess stopped unsent still counts`, async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.66'
    const id = 'J'.repeat(22)
    const cookie = `${await deviceCookie(id, ip)}; __edgeward_clearance=${await clearance(ip, { deviceId: id })}`
    // A real browser that solves puzzles by itself: its first guess refused, its second never answered
    // as a refusal (challenged and left unsent in life; the origin's 503 here), then a third account.
    const first = await signIn(ip, cookie, `first-${ip}@example.com`)
    expect(first.logs[0]).toMatchObject({ action: 'allow' })
    const unanswered: EchoReply = (r) => (r.method === 'POST' ? new Response('busy', { status: 503 }) : echoReply(r))
    const second = await callWorker(
      '/login',
      { method: 'POST', headers: { accept: HTML_ACCEPT, 'user-agent': UA, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `username=second-${ip}%40example.com&password=nope` },
      { clientIp: ip, reply: unanswered },
    )
    expect(second.logs[0]).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['cleared']) })
    const third = (await signIn(ip, cookie, `third-${ip}@example.com`)).logs[0]!
    expect(third).toMatchObject({ action: 'challenge', reasons: expect.arrayContaining(['clearance_withheld']) })
  })

  it('leaves one person cleared who mistyped the username once and then the password twice', async () => {
    await writeConfig(MODEL_CHALLENGES)
    const ip = '203.0.113.65'
    const id = 'H'.repeat(22)
    const cookie = `${await deviceCookie(id, ip)}; __edgeward_clearance=${await clearance(ip, { deviceId: id })}`
    const jane = `jane-${ip}@example.com`
    expect((await signIn(ip, cookie, jane.replace('example', 'exmaple'))).logs[0]).toMatchObject({ action: 'allow' })
    // Two usernames refused now, but the third try is a retry of one of them, not a new account.
    for (let i = 0; i < 2; i++) expect((await signIn(ip, cookie, jane)).logs[0]).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['cleared']) })
  })
})

describe('what a clearance lifts', () => {
  it.each(['credential_stuffing', 'credential_cracking', 'carding_velocity', 'signup_burst', 'automation_markers'])(
    "never a rule's challenge (%s), only the model's",
    async (name) => {
      const ip = '203.0.113.71'
      const cookie = `__edgeward_clearance=${await clearance(ip)}`
      await writeConfig({ ...MODEL_CHALLENGES, rules: [{ name, when: 'route == "other"', action: 'challenge', priority: 40 }] })
      const ruled = await page(ip, cookie)
      expect(ruled.response.status).toBe(403)
      expect(ruled.logs[0]).toMatchObject({ action: 'challenge', rules: [name] })
      expect(ruled.logs[0]?.reasons).not.toContain('cleared')
      // The challenge page does not loop a cleared browser: it says the site still refuses it.
      expect((await getChallengeRaw('return=%2Fproducts%2F7', { clientIp: ip, cookie })).html).toContain('already verified')
      // The same clearance lifts the model's challenge.
      await writeConfig(MODEL_CHALLENGES)
      expect((await page(ip, cookie)).response.status).toBe(200)
    },
  )

  it("never a rule's rate limit", async () => {
    const ip = '203.0.113.72'
    await writeConfig({ ...MODEL_CHALLENGES, rules: [{ name: 'scraping_rate', when: 'route == "other"', action: 'rate_limit', priority: 30 }] })
    const limited = await page(ip, `__edgeward_clearance=${await clearance(ip)}`)
    expect(limited.response.status).toBe(429)
  })
})
