// The no-JavaScript path through a challenge: a browser with scripts off, challenged at a low or
// medium tier, follows the challenge page's <noscript> meta refresh after the wait and is let
// through with a `wait` clearance — weaker than a solve's (3 min, 5 uses), single use, bound to its
// /24 and User-Agent, capped per /24, lifting no rule's challenge and revoked by failed logins. A
// high-tier challenge offers no wait. Plain fetches with real browser header sets; no script runs.
import { describe, expect, it } from 'vitest'
import { POW_MAX_DIFFICULTY } from '../../src/action/pow'
import { CLEARANCE_REVOKE_FAILURES, CLEARANCE_WAIT_MAX_USES } from '../../src/policy/clearance'
import { clearanceNetHash } from '../../src/signals/clearanceToken'
import { issueWaitToken } from '../../src/signals/waitToken'
import { bindingOf, decodePayload, testKeys, ticketFor } from '../support/challenge'
import { useConfig } from '../support/useConfig'
import { BROWSER_HEADERS, callWorker, echoReply, type EchoReply } from '../support/worker'
import { decode, metaRefresh, NoJsBrowser, sleep } from '../support/nojs'

/** Every request the model scores is challenged, at a low or medium tier (block at 1); the wait is 1 s, 3 per /24. */
const NOJS = {
  version: 'nojs-model',
  thresholds: { default: { challenge: 0, block: 1 }, login: { challenge: 0, block: 1 } },
  rules: [],
  counters: { budget_ms: 1000 },
  challenge: { nojs_wait_s: 1, nojs_per_net_10m: 3 },
}

const CHROME: Readonly<Record<string, string>> = BROWSER_HEADERS
/** What Firefox 133 on Linux sends with a navigation: no client hints. */
const FIREFOX: Readonly<Record<string, string>> = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'accept-language': 'en-US,en;q=0.5',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'upgrade-insecure-requests': '1',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-user': '?1',
  priority: 'u=0, i',
}

async function signer() {
  const keys = await testKeys()
  if (!keys.ok) throw new Error('test keys')
  return keys.value
}

/** A wait token as the challenge page signs it, for this client. */
async function waitToken(ip: string, ua: string, o: { now?: number; waitS?: number; difficulty?: number } = {}): Promise<string> {
  const id = crypto.randomUUID().replace(/-/g, '').slice(0, 22)
  const input = { id, difficulty: o.difficulty ?? 14, returnPath: '/products/7', netHash: await clearanceNetHash(ip), waitS: o.waitS ?? 1, now: o.now ?? Date.now() - 5000 }
  return issueWaitToken({ ...input, ...(await bindingOf(ua, ip)) }, await signer())
}

// Each test has a /24 of its own: the per-network cap counts across the file's tests.
describe('a browser without JavaScript at a low or medium tier', () => {
  it.each([
    ['Chrome', CHROME, '198.51.110.10'],
    ['Firefox', FIREFOX, '198.51.120.20'],
  ])('(%s) follows the refresh after the wait and gets through to the origin on its next request', async (_name, headers, ip) => {
    await useConfig(NOJS)
    const browser = new NoJsBrowser(ip, headers)
    const { challengePage, wait } = await browser.challenged('/products/7')
    // The page says what to do in plain words, and the wait sits inside <noscript> (scripts run the puzzle).
    expect(challengePage).toContain('Without JavaScript: a short wait')
    expect(challengePage).not.toContain('JavaScript is needed')
    expect(wait).toMatchObject({ seconds: 1, url: expect.stringMatching(/^\/__edgeward\/challenge\/wait\?w=/) })
    expect(decode(challengePage)).toContain(`<a href="${wait!.url}">Continue to the site</a>`)

    // Too early: the wait page again, not a failure.
    const early = await browser.get(wait!.url)
    expect(early.response.status).toBe(200)
    const earlyHtml = await early.response.text()
    expect(earlyHtml).toContain('One moment, please')
    expect(metaRefresh(earlyHtml, { noscript: false })?.url).toBe(wait!.url)
    expect(early.response.headers.get('set-cookie')).toBeNull()

    await sleep(1150)
    const redeemed = await browser.get(wait!.url)
    expect(redeemed.response.status).toBe(303)
    expect(redeemed.response.headers.get('location')).toBe('/products/7')
    expect(redeemed.response.headers.get('set-cookie')).toMatch(/^__edgeward_clearance=[^;]+; Max-Age=180; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
    expect(decodePayload(browser.jar.get('__edgeward_clearance')!)).toMatchObject({ m: 'wait', dev: null })

    const landed = await browser.get('/products/7')
    expect(landed.response.status).toBe(200)
    expect(landed.seen).toHaveLength(1)
    expect(landed.logs[0]).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['cleared']) })
    expect(browser.details).toEqual([
      expect.stringMatching(/^challenge:issued:pow:1[2-8]:wait$/),
      'challenge:refused:wait_early',
      'challenge:cleared:wait',
    ])
  })

  it('signs the tier into the ticket: the challenged page carries low or medium, never read from the URL', async () => {
    await useConfig(NOJS)
    const call = await new NoJsBrowser('198.51.130.30').get('/products/7')
    const link = /\/__edgeward\/challenge\?([^"]+)"/.exec(await call.response.text())?.[1]?.replace(/&amp;/g, '&') ?? ''
    expect(decodePayload(new URLSearchParams(link).get('t') ?? '')).toMatchObject({ t: expect.stringMatching(/^(low|medium)$/) })
  })

  it(`holds a weaker clearance than a solve: ${CLEARANCE_WAIT_MAX_USES} challenged requests, then challenged again`, async () => {
    await useConfig(NOJS)
    const browser = new NoJsBrowser('198.51.140.40')
    expect((await browser.waitThrough('/products/7')).response.status).toBe(303)
    for (let i = 0; i < CLEARANCE_WAIT_MAX_USES; i++) expect((await browser.get(`/products/${i + 1}`)).response.status).toBe(200)
    expect((await browser.get('/products/99')).response.status).toBe(403)
  })
})

describe('a wait token refused', () => {
  it('used twice: the second is refused (403), and nothing is set', async () => {
    await useConfig(NOJS)
    const browser = new NoJsBrowser('198.51.150.50')
    const { wait } = await browser.challenged('/products/7')
    await sleep(1150)
    expect((await browser.get(wait!.url)).response.status).toBe(303)
    const again = await browser.get(wait!.url)
    expect(again.response.status).toBe(403)
    expect(again.response.headers.get('set-cookie')).toBeNull()
    expect(browser.details.at(-1)).toBe('challenge:refused:wait_replayed')
  })

  it.each([
    ['another /24', '198.51.161.60', CHROME['user-agent']!],
    ['another User-Agent', '198.51.160.61', FIREFOX['user-agent']!],
  ])('from %s (the token was another client’s)', async (_what, otherIp, otherUa) => {
    await useConfig(NOJS)
    const token = await waitToken('198.51.160.60', CHROME['user-agent']!)
    const thief = new NoJsBrowser(otherIp, { ...CHROME, 'user-agent': otherUa })
    const stolen = await thief.get(`/__edgeward/challenge/wait?w=${token}`)
    expect(stolen.response.status).toBe(403)
    expect(stolen.response.headers.get('set-cookie')).toBeNull()
    expect(thief.details).toEqual(['challenge:refused:wait_other_client'])
    // The owner still can (the thief's try did not use it up).
    const owner = new NoJsBrowser('198.51.160.60')
    expect((await owner.get(`/__edgeward/challenge/wait?w=${token}`)).response.status).toBe(303)
  })

  it('expired: refused, not the wait page', async () => {
    await useConfig(NOJS)
    const ua = CHROME['user-agent']!
    const old = await waitToken('198.51.162.62', ua, { now: Date.now() - 10 * 60_000 })
    const browser = new NoJsBrowser('198.51.162.62')
    expect((await browser.get(`/__edgeward/challenge/wait?w=${old}`)).response.status).toBe(403)
    expect(browser.details).toEqual(['challenge:refused:wait_expired'])
  })

  it.each<[string, (good: string) => string]>([
    ['missing', () => ''],
    ['garbage', () => 'not-a-token'],
    ['a flipped signature', (t) => `${t.slice(0, -2)}${t.at(-2) === 'A' ? 'B' : 'A'}${t.at(-1)}`],
    ['a edited payload', (t) => { const [h, p, s] = t.split('.'); return `${h}.${p!.slice(0, -1)}${p!.at(-1) === 'A' ? 'B' : 'A'}.${s}` }],
    ['oversized', () => 'a'.repeat(20_000)],
    ['percent junk', () => '%00%ff%zz'],
  ])('forged or garbled (%s): 403, never a 5xx', async (_what, mangle) => {
    await useConfig(NOJS)
    const ip = '198.51.163.63'
    const token = mangle(await waitToken(ip, CHROME['user-agent']!))
    const browser = new NoJsBrowser(ip)
    const call = await browser.get(`/__edgeward/challenge/wait?w=${token.startsWith('%') ? token : encodeURIComponent(token)}`)
    expect(call.response.status).toBe(403)
    expect(call.response.headers.get('set-cookie')).toBeNull()
    expect(browser.details).toEqual(['challenge:refused:wait_forged'])
  })

  it('a challenge ticket passed off as a wait token: refused as forged', async () => {
    await useConfig(NOJS)
    const ip = '198.51.164.64'
    const ticket = await ticketFor(12, '/', { clientIp: ip, ua: CHROME['user-agent']! })
    const browser = new NoJsBrowser(ip)
    expect((await browser.get(`/__edgeward/challenge/wait?w=${ticket}`)).response.status).toBe(403)
    expect(browser.details).toEqual(['challenge:refused:wait_forged'])
  })
})

describe('the per-source limit', () => {
  it('grants at most nojs_per_net_10m clearances per /24 in 10 minutes, across its addresses; another /24 is not held back', async () => {
    await useConfig(NOJS)
    const ua = CHROME['user-agent']!
    for (let i = 1; i <= NOJS.challenge.nojs_per_net_10m; i++) {
      const browser = new NoJsBrowser(`198.51.102.${i}`)
      expect((await browser.get(`/__edgeward/challenge/wait?w=${await waitToken(browser.ip, ua)}`)).response.status).toBe(303)
    }
    const over = new NoJsBrowser('198.51.102.200')
    const limited = await over.get(`/__edgeward/challenge/wait?w=${await waitToken(over.ip, ua)}`)
    expect(limited.response.status).toBe(403)
    expect(limited.response.headers.get('set-cookie')).toBeNull()
    expect(over.details).toEqual(['challenge:refused:wait_limited'])
    const elsewhere = new NoJsBrowser('198.51.103.1')
    expect((await elsewhere.get(`/__edgeward/challenge/wait?w=${await waitToken(elsewhere.ip, ua)}`)).response.status).toBe(303)
  })
})

describe('a high-tier challenge', () => {
  it('offers no wait: the page asks for JavaScript, as before', async () => {
    // Block at 0: every risk is at or above it; a page view the model would block is challenged, at high tier.
    await useConfig({ ...NOJS, version: 'nojs-high', thresholds: { default: { challenge: 0, block: 0 }, login: { challenge: 0, block: 0 } } })
    const browser = new NoJsBrowser('198.51.170.70')
    const { challengePage, wait } = await browser.challenged('/products/7')
    expect(wait).toBeNull()
    expect(challengePage).toContain('JavaScript is needed')
    expect(challengePage).not.toContain('/__edgeward/challenge/wait')
    expect(browser.details.at(-1)).toMatch(/^challenge:issued:pow:\d+$/)
  })

  it('offers no wait for a page without a ticket, or a ticket signed without a tier', async () => {
    await useConfig(NOJS)
    const ip = '198.51.171.71'
    const browser = new NoJsBrowser(ip)
    const bare = await browser.get('/__edgeward/challenge?return=%2F')
    expect(await bare.response.text()).not.toContain('/__edgeward/challenge/wait')
    const untiered = await ticketFor(12, '/', { clientIp: ip, ua: CHROME['user-agent']! })
    const old = await browser.get(`/__edgeward/challenge?return=%2F&t=${untiered}`)
    expect(await old.response.text()).not.toContain('/__edgeward/challenge/wait')
    expect(browser.details).toEqual([`challenge:issued:pow:${POW_MAX_DIFFICULTY}`, 'challenge:issued:pow:12'])
  })

  it('offers none when the config turns the wait off (nojs_per_net_10m: 0)', async () => {
    await useConfig({ ...NOJS, version: 'nojs-off', challenge: { nojs_wait_s: 1, nojs_per_net_10m: 0 } })
    const { wait } = await new NoJsBrowser('198.51.172.72').challenged('/products/7')
    expect(wait).toBeNull()
  })
})

describe('a no-JavaScript clearance lifts no more than a solve', () => {
  it("does not lift a rule's challenge (the same clearance lifts the model's)", async () => {
    await useConfig(NOJS)
    const browser = new NoJsBrowser('198.51.180.80')
    expect((await browser.waitThrough('/products/7')).response.status).toBe(303)
    await useConfig({ ...NOJS, version: 'nojs-rule', rules: [{ name: 'credential_stuffing', when: 'route == "other"', action: 'challenge', priority: 40 }] })
    const ruled = await browser.get('/products/7')
    expect(ruled.response.status).toBe(403)
    expect(ruled.logs[0]).toMatchObject({ action: 'challenge', rules: ['credential_stuffing'] })
    expect(ruled.logs[0]?.reasons).not.toContain('cleared')
    // …and a rule's challenge offers no wait: it would only spend the network's grants.
    const link = /\/__edgeward\/challenge\?([^"]+)"/.exec(await ruled.response.text())?.[1]?.replace(/&amp;/g, '&') ?? ''
    expect(decodePayload(new URLSearchParams(link).get('t') ?? '')).not.toHaveProperty('t')
    await useConfig(NOJS)
    expect((await browser.get('/products/7')).response.status).toBe(200)
  })

  it('does not lift a high-tier challenge of the model, which offers no wait (the same clearance lifts a medium one)', async () => {
    await useConfig(NOJS)
    const browser = new NoJsBrowser('198.51.182.82')
    expect((await browser.waitThrough('/products/7')).response.status).toBe(303)
    await useConfig({ ...NOJS, version: 'nojs-high-later', thresholds: { default: { challenge: 0, block: 0 }, login: { challenge: 0, block: 0 } } })
    const high = await browser.get('/products/7')
    expect(high.response.status).toBe(403)
    expect(high.logs[0]).toMatchObject({ action: 'challenge', rules: [] })
    expect(high.logs[0]?.reasons).not.toContain('cleared')
    // Its challenge page sets the puzzle (no "already verified", no wait).
    const onward = metaRefresh(await high.response.text(), { noscript: true })
    const page = await browser.get(onward!.url)
    const html = await page.response.text()
    expect(html).toContain('JavaScript is needed')
    expect(html).not.toContain('already verified')
    expect(browser.details.at(-1)).toMatch(/^challenge:issued:pow:\d+$/)
    await useConfig(NOJS)
    expect((await browser.get('/products/7')).response.status).toBe(200)
  })

  it('is revoked by failed logins from its address', async () => {
    await useConfig(NOJS)
    const fail: EchoReply = (s) => (s.method === 'POST' ? new Response('wrong password', { status: 401 }) : echoReply(s))
    const browser = new NoJsBrowser('198.51.181.81', CHROME, fail)
    expect((await browser.waitThrough('/products/7')).response.status).toBe(303)
    expect((await browser.get('/products/7')).response.status).toBe(200)
    const login = () =>
      callWorker(
        '/login',
        { method: 'POST', headers: { ...CHROME, cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=user0001%40example.com&password=nope' },
        { clientIp: browser.ip, reply: fail },
      )
    for (let i = 0; i < CLEARANCE_REVOKE_FAILURES; i++) {
      const attempt = await login()
      expect(attempt.response.status).toBe(401)
      expect(attempt.logs[0]?.reasons).toContain('cleared')
    }
    const after = await browser.get('/products/8')
    expect(after.response.status).toBe(403)
    expect(after.logs[0]).toMatchObject({ action: 'challenge', reasons: expect.arrayContaining(['clearance_revoked']) })
  })
})
