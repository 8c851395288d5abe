// An identity rule's challenge through the Worker (many_new_devices: a new device at an address where
// many devices appeared and sign-ins keep failing — an office, or a script rotating cookies): a
// clearance earned by that device lifts it while the device names at most DEVICE_LIFT_MAX_USERS
// usernames, so the person who mistyped three times there gets in; a deviceless clearance, another
// device's, or a device that moves on to more usernames stays challenged. Before, no clearance
// lifted it: the person solved, was challenged again and met "already verified" for 10 minutes.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { counterName } from '../../src/counters/keys'
import type { CounterStub } from '../../worker/counters/client'
import { DEVICE_LIFT_MAX_USERS } from '../../src/policy/clearance'
import { getChallengeRaw, HTML_ACCEPT, postVerify, setCookieValue, solve, UA } from '../support/challenge'
import { deviceCookie } from '../support/journey'
import { callWorker, clearConfig, ownSite, writeConfig, type Call } from '../support/worker'

afterEach(clearConfig)
// Each test a site of its own: its offices share one wrong password, which a site counts (password_spraying).
let sites = 0
beforeEach(() => ownSite(`lift${++sites}`))

/**
 * The model's thresholds out of reach: only the rules decide (and a clearance may lift). Not the
 * site-wide wave over new browsers' sign-ins to names with no past: each office here is five new
 * devices refused for five such names on a site of its own, which is that wave (policy.test.ts).
 */
const RULES_ONLY = {
  version: 'identity-lift',
  thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } },
  counters: { budget_ms: 1000 },
  rules: DEFAULT_CONFIG.rules.filter((r) => r.name !== 'new_device_sign_in_wave'),
}
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

let net = 0
/** A /24 no other test uses, with five colleagues' new devices behind one address, each failing once. */
async function busyOffice(): Promise<string> {
  const ip = `100.72.${++net}.9`
  for (let i = 1; i <= 5; i++) {
    const { cookie } = await deviceCookie(ip, { userAgent: UA })
    const call = await login(ip, cookie, `colleague${i}-${net}@example.com`, false)
    expect(call.logs[0]?.action).toBe('allow')
  }
  return ip
}

function login(ip: string, cookie: string, username: string, right: boolean, countersEnv?: Partial<Env>): Promise<Call> {
  const body = new URLSearchParams({ username, password: right ? 'right' : 'wrong' }).toString()
  const headers = { ...FORM, 'user-agent': UA, accept: HTML_ACCEPT, cookie, referer: 'http://edge.test/login', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }
  return callWorker('/login', { method: 'POST', body, headers }, { clientIp: ip, reply: () => new Response(null, { status: right ? 200 : 401 }), ...(countersEnv === undefined ? {} : { env: countersEnv }) })
}

/** COUNTERS whose device objects fail every read on the request path (the address's still answer). */
function deviceCountersDown(): Partial<Env> {
  const real = env.COUNTERS
  const down = new Set<string>()
  const deviceKey = counterName('device', '').slice(0, -2) // `["device","` — every device's object name starts so
  const COUNTERS = {
    idFromName: (name: string) => {
      const id = real.idFromName(name)
      if (name.startsWith(deviceKey)) down.add(id.toString())
      return id
    },
    get: (id: DurableObjectId) => {
      const stub = real.get(id)
      if (!down.has(id.toString())) return stub
      const rpc = stub as unknown as CounterStub
      const failed: CounterStub = { observe: () => Promise.reject(new Error('internal error')), record: (i) => rpc.record(i), deny: (e) => rpc.deny(e), undeny: (k) => rpc.undeny(k) }
      return failed
    },
  }
  return { COUNTERS: COUNTERS as unknown as Env['COUNTERS'] }
}

/** The browser's round trip from a challenge interstitial: the page, the work, verify; returns the clearance cookie. */
async function solveInterstitial(ip: string, challenged: Call, cookie: string | undefined): Promise<string> {
  const link = /\/__edgeward\/challenge\?([^"]+)"/.exec(await challenged.response.text())?.[1]?.replace(/&amp;/g, '&') ?? ''
  const issued = await getChallengeRaw(link, { clientIp: ip, ...(cookie === undefined ? {} : { cookie }) })
  expect(issued.token).not.toBe('')
  const verify = await postVerify({ challenge: issued.token, solution: await solve(issued.challengeId, issued.difficulty) }, { clientIp: ip, ...(cookie === undefined ? {} : { cookie }) })
  expect(verify.response.status).toBe(303)
  return `__edgeward_clearance=${setCookieValue(verify.response, '__edgeward_clearance')}`
}

const challengedBy = (call: Call, rule: string) => {
  expect(call.response.status).toBe(403)
  expect(call.response.headers.get('edgeward-mitigated')).toBe('challenge')
  expect(call.logs[0]).toMatchObject({ source: 'rule', rules: expect.arrayContaining([rule]) })
}

// Each test solves one or two proofs of work in workerd: 2–7 s on a shared 2-core box, past the 5 s default.
describe('many_new_devices: a challenge the device that solved it can pass', { timeout: 20_000 }, () => {
  it('lets the person who mistypes three times behind a busy address in, after one solved challenge', async () => {
    await writeConfig(RULES_ONLY)
    const ip = await busyOffice()
    const { cookie } = await deviceCookie(ip, { userAgent: UA })
    const me = 'mistyper@example.com'
    const first = await login(ip, cookie, me, false)
    challengedBy(first, 'many_new_devices')
    const cleared = `${cookie}; ${await solveInterstitial(ip, first, cookie)}`
    // Three wrong passwords and the right one, each still matching the rule, each lifted.
    const tries = [await login(ip, cleared, me, false), await login(ip, cleared, me, false), await login(ip, cleared, me, false), await login(ip, cleared, me, true)]
    expect(tries.map((t) => t.response.status)).toEqual([401, 401, 401, 200])
    for (const t of tries) expect(t.logs[0]).toMatchObject({ action: 'allow', rules: expect.arrayContaining(['many_new_devices']), reasons: expect.arrayContaining(['cleared']) })
  })

  it('lifts it when the device\'s counters miss but the address\'s answer (fail open, visibly): no "already verified" for the person who solved', async () => {
    await writeConfig(RULES_ONLY)
    const ip = await busyOffice()
    const { cookie } = await deviceCookie(ip, { userAgent: UA })
    const me = 'counters-down@example.com'
    const first = await login(ip, cookie, me, false)
    challengedBy(first, 'many_new_devices')
    const cleared = `${cookie}; ${await solveInterstitial(ip, first, cookie)}`
    // The rule still matches on the address's counts; how many usernames the device named is unread.
    const call = await login(ip, cleared, me, true, deviceCountersDown())
    expect(call.response.status).toBe(200)
    expect(call.logs[0]).toMatchObject({ action: 'allow', counters: 'missing', rules: expect.arrayContaining(['many_new_devices']), reasons: expect.arrayContaining(['cleared']) })
  })

  it(`stops lifting once the device names more than ${DEVICE_LIFT_MAX_USERS} usernames`, async () => {
    await writeConfig(RULES_ONLY)
    const ip = await busyOffice()
    const { cookie } = await deviceCookie(ip, { userAgent: UA })
    const first = await login(ip, cookie, 'u1@example.com', false)
    challengedBy(first, 'many_new_devices')
    const cleared = `${cookie}; ${await solveInterstitial(ip, first, cookie)}`
    const users = Array.from({ length: DEVICE_LIFT_MAX_USERS + 1 }, (_, i) => `u${i + 1}@example.com`)
    const calls: Call[] = []
    for (const u of users) calls.push(await login(ip, cleared, u, false))
    expect(calls.map((c) => c.response.status)).toEqual([...users.slice(0, -1).map(() => 401), 403])
    challengedBy(calls.at(-1)!, 'many_new_devices')
  })

  it('is not lifted by a clearance without a device, nor by another device\'s', async () => {
    await writeConfig(RULES_ONLY)
    const ip = await busyOffice()
    const mine = await deviceCookie(ip, { userAgent: UA })
    const first = await login(ip, mine.cookie, 'solo@example.com', false)
    challengedBy(first, 'many_new_devices')
    // Solved without the device cookie (a script's way to one clearance for every rotated cookie).
    const deviceless = await solveInterstitial(ip, first, undefined)
    challengedBy(await login(ip, `${mine.cookie}; ${deviceless}`, 'solo@example.com', false), 'many_new_devices')
    // Solved with this device: a freshly rotated device cookie does not carry it.
    const again = await login(ip, mine.cookie, 'solo@example.com', false)
    const bound = await solveInterstitial(ip, again, mine.cookie)
    const rotated = await deviceCookie(ip, { userAgent: UA })
    challengedBy(await login(ip, `${rotated.cookie}; ${bound}`, 'solo@example.com', false), 'many_new_devices')
  })
})
