// Guardrails on the model alone, through the real Worker: a confident score never blocks a page
// view, never shows a challenge to a sub-resource (a read goes through, a write is blocked) and the
// navigation that follows carries the challenge; a solved challenge pays it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deviceCookie } from '../support/journey'
import { callWorker, clearConfig, writeConfig } from '../support/worker'

afterEach(clearConfig)

/** Every score is "confident": the model alone decides every request in these tests. */
const TRIGGER_HAPPY = {
  version: 'guardrails',
  rules: [],
  // Counters within a wide budget: a missed read leaves a sub-resource claim credited (fail open).
  counters: { budget_ms: 1000 },
  thresholds: { default: { challenge: 0, block: 0 }, login: { challenge: 0, block: 0 }, static: { challenge: 0, block: 0 } },
}
const SCRIPT = { 'sec-fetch-dest': 'script', 'sec-fetch-mode': 'no-cors', 'sec-fetch-site': 'same-origin', accept: '*/*' }
const XHR = { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin', accept: 'application/json' }

describe('the model alone, at a score past every threshold', () => {
  it('challenges a page view instead of blocking it, and blocks a POST', async () => {
    await writeConfig(TRIGGER_HAPPY)
    const page = await callWorker('/products/7', {}, { clientIp: '198.51.100.40' })
    expect(page.response.status).toBe(403)
    expect(page.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(page.logs[0]).toMatchObject({ action: 'challenge', source: 'model' })
    const post = await callWorker('/cart', { method: 'POST', body: 'product_id=1&qty=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, { clientIp: '198.51.100.41' })
    expect(post.response.headers.get('edgeward-mitigated')).toBe('block')
  })

  it('lets a sign-in form view through for review: neither a block nor a challenge', async () => {
    await writeConfig(TRIGGER_HAPPY)
    const { response, logs, seen } = await callWorker('/login', {}, { clientIp: '198.51.100.42' })
    expect(response.status).toBe(200)
    expect(seen).toHaveLength(1)
    expect(logs[0]).toMatchObject({ action: 'allow', would_action: 'allow', source: 'model' })
    expect(logs[0]!.reasons).toContain('review')
  })

  it('never answers a script with a challenge page; the device\'s next navigation carries the challenge', async () => {
    const ip = '198.51.100.43'
    const { cookie } = await deviceCookie(ip)
    await callWorker('/products/1', { headers: { cookie } }, { clientIp: ip }) // the page the script belongs to
    await writeConfig(TRIGGER_HAPPY)
    const script = await callWorker('/static/app.js', { headers: { ...SCRIPT, cookie } }, { clientIp: ip })
    expect(script.response.status).toBe(200)
    expect(script.response.headers.get('edgeward-mitigated')).toBeNull()
    expect(script.logs[0]).toMatchObject({ action: 'allow', source: 'model' })
    expect(script.logs[0]!.reasons).toContain('review')
    // Thresholds back to normal: this navigation is calm on its own, but it owes the challenge.
    await writeConfig({ version: 'calm' })
    const nav = await callWorker('/products/1', { headers: { cookie } }, { clientIp: ip })
    expect(nav.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(nav.logs[0]!.reasons).toContain('challenge_owed')
    // Another client owes nothing.
    const other = await callWorker('/products/1', {}, { clientIp: '198.51.100.44' })
    expect(other.response.status).toBe(200)
  })

  it('never charges an address: a cookie-less sub-resource owes nothing to the people behind it', async () => {
    const ip = '198.51.100.50'
    await callWorker('/products/1', {}, { clientIp: ip })
    await writeConfig(TRIGGER_HAPPY)
    const image = await callWorker('/static/logo.png', { headers: { ...SCRIPT, 'sec-fetch-dest': 'image' } }, { clientIp: ip })
    expect(image.response.status).toBe(200)
    await writeConfig({ version: 'calm' })
    // A neighbour behind the same address (no JavaScript, no cookie): never shown a challenge it cannot pass.
    const neighbour = await callWorker('/products/2', {}, { clientIp: ip })
    expect(neighbour.logs[0]!.reasons).not.toContain('challenge_owed')
  })

  it('does not credit a sub-resource claim from a client that loaded no page: judged like any request', async () => {
    await writeConfig(TRIGGER_HAPPY)
    const { response, logs } = await callWorker('/api/products', { headers: XHR }, { clientIp: '198.51.100.51' })
    expect(response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(logs[0]!.reasons).not.toContain('review')
  })

  it('blocks an XHR write it would have challenged (claiming to be a sub-resource never turns a challenge into an allow)', async () => {
    const ip = '198.51.100.45'
    await callWorker('/login', {}, { clientIp: ip }) // the sign-in page whose script posts
    await writeConfig({ ...TRIGGER_HAPPY, thresholds: { ...TRIGGER_HAPPY.thresholds, login: { challenge: 0, block: 1 } } })
    const body = JSON.stringify({ username: 'user0001@example.com', password: 'pass-0001' })
    const { response, logs, seen } = await callWorker('/login', { method: 'POST', body, headers: { ...XHR, 'content-type': 'application/json' } }, { clientIp: ip })
    expect(response.status).toBe(403)
    expect(response.headers.get('edgeward-mitigated')).toBe('block')
    expect(seen).toHaveLength(0)
    expect(logs[0]!.reasons).toContain('subresource_challenge')
    // The same POST as a form navigation gets the challenge itself.
    const nav = await callWorker('/login', { method: 'POST', body, headers: { 'content-type': 'application/json' } }, { clientIp: '198.51.100.46' })
    expect(nav.response.headers.get('edgeward-mitigated')).toBe('challenge')
  })

  it('never puts an address on the deny list for a score alone', async () => {
    await writeConfig({ ...TRIGGER_HAPPY, deny_on_block: { min_risk: 0, ttl_s: 900, min_requests_1m: 1 } })
    const ip = '198.51.100.47'
    for (let i = 0; i < 4; i++) {
      const { logs } = await callWorker('/cart', { method: 'POST', body: 'product_id=1&qty=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, { clientIp: ip })
      expect(logs[0]).toMatchObject({ action: 'block', source: 'model' })
    }
    await writeConfig({ version: 'calm' })
    const after = await callWorker('/products/1', {}, { clientIp: ip })
    // Still scored (the model may challenge a client that kept adding to carts), never listed.
    expect(after.logs[0]!.source).not.toBe('deny_list')
    expect(after.response.headers.get('edgeward-mitigated')).not.toBe('block')
  })

  it('logs the model score apart from the rule weights', async () => {
    await writeConfig({ version: 'weights', rules: [{ name: 'bump', when: 'route == "other"', weight: 0.4 }] })
    const { logs } = await callWorker('/products/2', {}, { clientIp: '198.51.100.48' })
    const line = logs[0] as { risk: number; model_risk: number }
    expect(typeof line.model_risk).toBe('number')
    expect(line.risk).toBeCloseTo(Math.min(1, line.model_risk + 0.4), 2)
  })
})

// A cold carrier-grade NAT address: many people browsing, no cookies (no SDK yet, or JavaScript off),
// none signed in — so nothing marks the address shared but the browsers it shows. The shipped model
// reads the address's page views as one client's and scores it past the challenge threshold by the 10th.
describe("the shipped model on cookie-less browsers' page views", () => {
  const NAVIGATE = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'same-origin' }
  const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
  const PEOPLE = [
    { 'user-agent': CHROME, 'accept-language': 'en-US,en;q=0.9' },
    { 'user-agent': CHROME, 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' },
    { 'user-agent': CHROME.replace('131.0.0.0', '130.0.0.0'), 'accept-language': 'en-GB,en;q=0.9' },
  ]
  // The bundled config with a wide counter budget: these tests are about counts, not deadlines (a
  // loaded box missed a first read at the bundled 25 ms).
  beforeEach(() => writeConfig({ version: 'page-views', counters: { budget_ms: 1000 } }))
  const browse = async (ip: string, headersFor: (i: number) => Record<string, string>) => {
    const lines: Record<string, unknown>[] = []
    for (let i = 1; i <= 20; i++) lines.push((await callWorker(`/products/${i}`, { headers: headersFor(i) }, { clientIp: ip })).logs[0]!)
    return lines
  }

  it('does not challenge three browsers on one address for the address\'s volume: it marks the page views for review', async () => {
    const lines = await browse('198.51.100.60', (i) => ({ ...NAVIGATE, ...PEOPLE[i % PEOPLE.length]! }))
    const last = lines.at(-1)!
    expect(last.model_risk as number).toBeGreaterThanOrEqual(0.8) // the default challenge threshold
    expect(lines.map((l) => l.action)).toEqual(lines.map(() => 'allow'))
    expect(last.reasons).toContain('review')
  })

  it("counts a browser whose User-Agent and Accept-Language are long: the address's browsers are digests, and a padded header cannot take its counters down", async () => {
    // The set's members are capped at 256 characters in the object, which refuses a longer one: a raw
    // header there made the whole IP key fail, so every request of such a client went uncounted.
    const padded = { ...NAVIGATE, 'user-agent': `${CHROME} ${'x'.repeat(600)}`, 'accept-language': `en-US,${'de;q=0.9,'.repeat(40)}` }
    const lines = await browse('198.51.100.63', () => padded)
    expect(lines.map((l) => l.counters)).toEqual(lines.map(() => 'ok'))
    expect((lines.at(-1)!.features as Record<string, number>).ip_requests_1m).toBe(20)
  })

  it('still challenges one browser at the same volume, and a declared tool: one client, whatever its address', async () => {
    const one = await browse('198.51.100.61', () => ({ ...NAVIGATE, ...PEOPLE[0]! }))
    expect(one.some((l) => l.action === 'challenge' && l.source === 'model')).toBe(true)
    const tool = await browse('198.51.100.62', () => ({ 'user-agent': 'python-requests/2.32.3', accept: '*/*' }))
    // A declared tool walking 20 product pages meets its own rule first (tool_walks_catalogue, its 6th).
    expect(tool.some((l) => l.action === 'challenge' && (l.source === 'model' || (l.rules as string[]).includes('tool_walks_catalogue')))).toBe(true)
  })
})

// An office whose people run no JavaScript (no cookies: each is the address) signs in: two get in,
// two mistype twice, then the rest arrive. With the address's journey, the shipped model read those
// five refusals among five usernames as a stuffer's first attempts and challenged everyone after
// (dev seed 12: 8 people). A stuffer rotating the same three header sets is refused for every
// username it tries, so it keeps no such view past its second attempt.
describe("the shipped model on cookie-less browsers' sign-ins at an address of many people", () => {
  const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
  const PEOPLE = [
    { 'user-agent': CHROME, 'accept-language': 'en-US,en;q=0.9' },
    { 'user-agent': CHROME, 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' },
    { 'user-agent': CHROME.replace('131.0.0.0', '130.0.0.0'), 'accept-language': 'en-GB,en;q=0.9' },
  ]
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
  /** One person: reads a few pages, then the form, then signs in (`browse` pages first). */
  const signIn = async (ip: string, who: number, user: string, ok: boolean, browse = 0) => {
    const headers = PEOPLE[who % PEOPLE.length]!
    for (let p = 1; p <= browse; p++) await callWorker(`/products/${p}`, { headers }, { clientIp: ip })
    await callWorker('/login', { headers }, { clientIp: ip })
    const body = new URLSearchParams({ username: user, password: ok ? 'right' : 'typo' }).toString()
    return (await callWorker('/login', { method: 'POST', body, headers: { ...headers, ...FORM } }, { clientIp: ip, reply: () => new Response(null, { status: ok ? 302 : 401 }) })).logs[0]!
  }

  // A stricter sign-in threshold than the bundled 0.6: here the model's whole view of this office's
  // sixth username (five refusals at the address) scores about 0.4, on the simulator's header sets 0.94.
  const STRICT = { login: { challenge: 0.3, block: 0.95 } }

  it('lets an office whose first sign-ins were typos in, and marks what the model alone would have challenged for review', async () => {
    await writeConfig({ version: 'office-sign-ins', thresholds: STRICT, counters: { budget_ms: 1000 } })
    const ip = '198.51.100.70'
    const u = (n: number) => `office-${n}@example.com`
    const plan: [number, boolean][] = [[1, false], [1, true], [2, true], [3, false], [3, false], [4, false], [4, false], [5, true], [6, true], [7, true], [8, true], [3, true], [4, true]]
    const lines = []
    for (const [n, ok] of plan) lines.push(await signIn(ip, n, u(n), ok, 8))
    expect(lines.map((l) => l.action)).toEqual(lines.map(() => 'allow'))
    // The guardrail is what let them in: the model's whole view was past the challenge threshold.
    expect(lines.some((l) => (l.reasons as string[]).includes('review') && (l.model_risk as number) >= STRICT.login.challenge)).toBe(true)
  })

  /**
   * People elsewhere on the site sign in without cookies: the zone's cookie-less sign-ins are mostly let
   * in, so `cookieless_sign_in_wave` (the zone's refusals against its sign-ins) stays out of the way.
   */
  const peopleElsewhere = async (tag: string) => {
    for (let n = 0; n < 3; n++) await signIn(`198.51.100.${90 + n}`, n, `${tag}-elsewhere-${n}@example.com`, true)
  }

  // Spent held-out 844018478: three colleagues mistyped within seconds (five refusals, three usernames,
  // none let in yet), so the address's view read as a stuffer's first attempts. Their retries were
  // challenged or blocked, and so was everyone after. A retry of a username refused from this very
  // address is judged on the username's counts; once the retries are in, so are the newcomers.
  it('lets colleagues retry the usernames they mistyped from this address, and the newcomers after them', async () => {
    await writeConfig({ version: 'office-typo-burst', thresholds: STRICT, counters: { budget_ms: 1000 } })
    await peopleElsewhere('burst')
    const ip = '198.51.100.73'
    const u = (n: number) => `burst-${n}@example.com`
    const typos: [number, boolean][] = [[1, false], [1, false], [2, false], [3, false], [3, false]]
    for (const [n, ok] of typos) await signIn(ip, n, u(n), ok, 2)
    const retries = []
    for (const n of [1, 2, 3]) retries.push(await signIn(ip, n, u(n), true))
    const newcomers = []
    for (const n of [4, 5, 6]) newcomers.push(await signIn(ip, n, u(n), true, 2))
    expect([...retries, ...newcomers].map((l) => l.action)).toEqual(Array(6).fill('allow'))
    // The guardrail is what let the first retry in (the address's refused usernames still outnumbered
    // those let in): the model's whole view was past the challenge threshold.
    expect(retries[0]!.model_risk as number).toBeGreaterThanOrEqual(STRICT.login.challenge)
    expect(retries[0]!.reasons).toContain('review')
  })

  it("judges a username refused from another address on this address's whole view", async () => {
    await writeConfig({ version: 'retry-elsewhere', thresholds: STRICT, counters: { budget_ms: 1000 } })
    await peopleElsewhere('moved')
    const ip = '198.51.100.74'
    const u = (n: number) => `moved-${n}@example.com`
    for (const [n, ok] of [[1, false], [1, false], [2, false], [3, false], [3, false]] as const) await signIn(ip, n, u(n), ok, 2)
    // The username whose retry would be let in here was refused from another address, not this one.
    await signIn('198.51.100.75', 0, u(9), false)
    const retry = await signIn(ip, 0, u(9), true)
    expect(retry.model_risk as number).toBeGreaterThanOrEqual(STRICT.login.challenge)
    expect(retry).toMatchObject({ action: 'challenge', source: 'model' })
    expect(retry.reasons).not.toContain('review')
  })

  // What this shows: rotating header sets buys the stuffer nothing against one set (both are stopped by
  // credential_stuffing at their 5th; the model scores neither past 0.3 here, so the guardrail's own
  // bound — off from the first refusal while nothing was let in — is asserted in the unit tests of
  // refusedAreFew, not through the model).
  it('still stops a stuffer rotating the same three header sets no later than one with a single header set, plus 2', async () => {
    await writeConfig({ version: 'rotating-stuffer', thresholds: STRICT, counters: { budget_ms: 1000 } })
    const run = async (ip: string, sets: number) => {
      const lines: Record<string, unknown>[] = []
      for (let i = 0; i < 12; i++) lines.push(await signIn(ip, i % sets, `guess-${ip}-${i}@example.com`, false))
      const actions = lines.map((l) => l.action as string)
      return { lines, first: actions.findIndex((a) => a !== 'allow') + 1, through: actions.filter((a) => a === 'allow').length }
    }
    const single = await run('198.51.100.71', 1)
    const rotating = await run('198.51.100.72', 3)
    // From its second attempt (one username refused, none let in) the rotating stuffer has the model's
    // whole view: no attempt after the first is let through marked `review` by the guardrail.
    expect(rotating.lines.slice(1).filter((l) => (l.reasons as string[]).includes('review'))).toEqual([])
    expect(single.first).toBeGreaterThan(0)
    expect(rotating.first).toBeGreaterThan(0)
    expect(rotating.first).toBeLessThanOrEqual(single.first + 2)
    expect(rotating.through).toBeLessThanOrEqual(single.through + 2)
  })
})

// A person lands on a product page from a link and adds it to the cart: a thin journey before a
// write, which the shipped model read as a script posting straight at the route (full-scale
// held-out seed 519859458: 155 people challenged on their cart add at 0.91–0.96).
describe("the shipped model on a cookie-less browser's first cart adds", () => {
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
  const add = (ip: string, sku: number) => callWorker('/cart', { method: 'POST', body: `product_id=${sku}&qty=1`, headers: FORM }, { clientIp: ip })

  it('lets the first two adds through on the request\'s own signals, and judges the third on the whole journey', async () => {
    await writeConfig({ version: 'first-adds', counters: { budget_ms: 1000 } })
    const ip = '198.51.100.80'
    await callWorker('/products/5', {}, { clientIp: ip })
    const lines = []
    for (let sku = 1; sku <= 3; sku++) lines.push((await add(ip, sku)).logs[0]!)
    // The model's whole view of each was past the bundled challenge threshold (0.8): the guardrail let them in.
    expect(lines.map((l) => l.action)).toEqual(['allow', 'allow', 'challenge'])
    for (const l of lines.slice(0, 2)) {
      expect(l.model_risk as number).toBeGreaterThanOrEqual(0.8)
      expect(l.reasons).toContain('review')
    }
    expect(lines[2]).toMatchObject({ source: 'model' })
  })

  // Spent held-out 844018478: hoarders posting straight at /cart, no page read, had their first two
  // adds let in by the guardrail. A person adds from the page they are on.
  it('judges a first add from an address that read no page on the whole journey', async () => {
    // A stricter cart threshold than the bundled 0.8: the test's header set scores about 0.5 here.
    await writeConfig({ version: 'cold-adds', thresholds: { cart: { challenge: 0.3, block: 0.95 } }, counters: { budget_ms: 1000 } })
    const cold = (await add('198.51.100.81', 1)).logs[0]!
    expect(cold.model_risk as number).toBeGreaterThanOrEqual(0.3)
    expect(cold).toMatchObject({ action: 'challenge', source: 'model' })
    expect(cold.reasons).not.toContain('review')
    // The same add after a page read is let in, for review.
    await callWorker('/products/1', {}, { clientIp: '198.51.100.82' })
    const warm = (await add('198.51.100.82', 1)).logs[0]!
    expect(warm).toMatchObject({ action: 'allow', source: 'model' })
    expect(warm.reasons).toContain('review')
  })

  // Dev seed 301: hoarders read a product page, then added 20–99 units each time. A person adds one or two.
  it('judges a first add of many units on the whole journey, even after a page read', async () => {
    await writeConfig({ version: 'bulk-adds', thresholds: { cart: { challenge: 0.3, block: 0.95 } }, counters: { budget_ms: 1000 } })
    const ip = '198.51.100.83'
    await callWorker('/products/1', {}, { clientIp: ip })
    const bulk = (await callWorker('/cart', { method: 'POST', body: 'product_id=1&qty=40', headers: FORM }, { clientIp: ip })).logs[0]!
    expect(bulk).toMatchObject({ action: 'challenge', source: 'model' })
    expect(bulk.reasons).not.toContain('review')
    // In JSON too; and the operator's limit is the one read (a wholesaler's people add by the case).
    await callWorker('/products/2', {}, { clientIp: '198.51.100.84' })
    const json = (await callWorker('/cart', { method: 'POST', body: JSON.stringify({ items: [{ sku: 2, quantity: 24 }] }), headers: { 'content-type': 'application/json' } }, { clientIp: '198.51.100.84' })).logs[0]!
    expect(json.action).toBe('challenge')
    await writeConfig({ version: 'bulk-adds-wholesale', thresholds: { cart: { challenge: 0.3, block: 0.95 } }, cart: { grace_max_units: 48 }, counters: { budget_ms: 1000 } })
    await callWorker('/products/1', {}, { clientIp: '198.51.100.85' })
    const wholesale = (await callWorker('/cart', { method: 'POST', body: 'product_id=1&qty=40', headers: FORM }, { clientIp: '198.51.100.85' })).logs[0]!
    expect(wholesale).toMatchObject({ action: 'allow', source: 'model' })
    expect(wholesale.reasons).toContain('review')
  })
})
