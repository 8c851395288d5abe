// Declared crawlers by purpose, through the real Worker: the User-Agent's claimed category comes from
// the bundled table (crawler-user-agents) or the config's patterns; it is granted only when the
// crawler verifies (its address in the published ranges, or a listed signed agent mapped to it), and
// then the category's policy holds — allow, block, rate limit, or 402 with a price until the crawler
// agrees to pay. A claim that does not verify is a spoofed bot. robots.txt is every client's to read,
// and a crawler that read it and asks for a path it disallows is refused.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { crawlerKey, resetCrawlerCacheForTests } from '../../worker/crawlers'
import { expireRobotsForTests, resetRobotsForTests } from '../../worker/crawling/robots'
import { resetDirectoryCacheForTests } from '../../worker/agents/directoryCache'
import { isolateCaches } from '../../worker/counters/isolate'
import { denyKey } from '../../src/counters/deny'
import { classifyCrawler } from '../../src/signals/crawlers/classify'
import { judgePayment } from '../../src/signals/crawlers/policy'
import { compileConfig } from '../../src/config/compileConfig'
import { DIRECTORY_PATH, makeAgent } from '../support/webBotAuth'
import { callWorker, clearConfig, echoReply, writeConfig, type Call, type EchoReply, type Seen } from '../support/worker'

const UA = {
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  gptbot: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
  chatgptUser: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot',
  oaiSearch: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot',
  ahrefs: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
}
/** Published ranges as the Cron stores them: one search engine's, one AI vendor's, one SEO tool's. */
const RANGES = { googlebot: ['66.249.64.0/27'], openai: ['20.171.206.0/24'], ahrefs: ['20.171.207.0/24'] }
/** The sources, each bound to the crawlers it vouches for (googlebot: the built-in list for its name). */
const SOURCES = {
  sources: [
    { name: 'googlebot', url: 'https://ranges.test/googlebot.json' },
    { name: 'openai', url: 'https://ranges.test/openai.json', tokens: ['GPTBot', 'ChatGPT-User', 'OAI-SearchBot'] },
    { name: 'ahrefs', url: 'https://ranges.test/ahrefs.json', tokens: ['AhrefsBot'] },
  ],
}
/** Every config these tests write carries the sources. */
const BASE = { verified_crawlers: SOURCES }
let hosts = 0
/** An address in OpenAI's stand-in range; ahrefsIp in Ahrefs'; googleIp in Google's. */
const inRange = (): string => `20.171.206.${(++hosts % 250) + 1}`
const ahrefsIp = (): string => `20.171.207.${(++hosts % 250) + 1}`
const googleIp = (): string => `66.249.64.${(++hosts % 30) + 1}`
const outside = (): string => `198.51.100.${(++hosts % 250) + 1}`

const ROBOTS = 'User-agent: *\nDisallow: /account\n\nUser-agent: Googlebot\nDisallow: /private\n'
/** The echo origin, with a robots.txt. */
const site: EchoReply = (seen) => (new URL(seen.url).pathname === '/robots.txt' ? new Response(ROBOTS, { headers: { 'content-type': 'text/plain' } }) : echoReply(seen))

async function get(path: string, ua: string, ip: string, headers: Record<string, string> = {}, reply: EchoReply = site): Promise<Call> {
  return callWorker(path, { headers: { 'user-agent': ua, accept: '*/*', ...headers } }, { clientIp: ip, reply })
}

beforeEach(async () => {
  for (const [name, prefixes] of Object.entries(RANGES)) {
    await env.EDGEWARD_CONFIG.put(crawlerKey(name), JSON.stringify({ fetchedAt: Date.now(), source: 'test', prefixes }))
  }
  await writeConfig({ ...BASE, version: 'crawl-sources' })
  resetCrawlerCacheForTests()
  resetRobotsForTests()
})

afterEach(async () => {
  for (const name of Object.keys(RANGES)) await env.EDGEWARD_CONFIG.delete(crawlerKey(name))
  resetCrawlerCacheForTests()
  resetRobotsForTests()
  resetDirectoryCacheForTests()
  await clearConfig()
})

describe('the claimed category of a User-Agent', () => {
  it.each([
    [UA.googlebot, 'search_engine', 'Googlebot'],
    [UA.gptbot, 'ai_training', 'GPTBot'],
    [UA.chatgptUser, 'ai_agent', 'ChatGPT-User'],
    [UA.oaiSearch, 'ai_search', 'OAI-SearchBot'],
    [UA.ahrefs, 'seo', 'AhrefsBot'],
    ['Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', 'monitor', 'UptimeRobot'],
    // Google's user-triggered fetchers and App Engine apps are not its search crawler.
    ['Mozilla/5.0 (compatible; Google-Read-Aloud; +https://support.google.com/webmasters/answer/1061943)', 'other', 'Google-Read-Aloud'],
    ['Mozilla/5.0 (compatible; Google-Site-Verification/1.0)', 'other', 'Google-Site-Verification'],
    ['AppEngine-Google; (+http://code.google.com/appengine; appid: s~partner-app)', 'other', 'AppEngine-Google'],
  ])('%s claims %s as %s', (ua, category, token) => {
    expect(classifyCrawler(ua)).toEqual({ category, token })
  })

  it('claims nothing for a browser, a library or no User-Agent', () => {
    expect(classifyCrawler(UA.chrome)).toBeNull()
    expect(classifyCrawler('python-requests/2.32.3')).toBeNull()
    expect(classifyCrawler('curl/8.5.0')).toBeNull()
    expect(classifyCrawler(null)).toBeNull()
  })

  it("reads the operator's patterns first", () => {
    const compiled = compileConfig({ version: 'c', crawlers: { user_agents: [{ pattern: 'gptbot', category: 'ai_search' }, { pattern: 'ExampleCrawler', category: 'monitor' }] } })
    if (!compiled.ok) throw new Error(compiled.detail)
    expect(classifyCrawler(UA.gptbot, compiled.value.crawlerPatterns)?.category).toBe('ai_search')
    expect(classifyCrawler('ExampleCrawler/1.0', compiled.value.crawlerPatterns)).toEqual({ category: 'monitor', token: 'ExampleCrawler' })
  })

  it.each([
    [{ crawlers: { user_agents: [{ pattern: '(', category: 'seo' }] } }, 'crawlers.user_agents[0].pattern'],
    [{ crawlers: { user_agents: [{ pattern: 'x', category: 'scraper' }] } }, 'crawlers.user_agents[0].category'],
    [{ crawlers: { policy: { ai_training: 'maybe' } } }, 'crawlers.policy.ai_training'],
    [{ crawlers: { price: '0.01' } }, 'crawlers.price'],
    [{ crawlers: { terms: 'http://terms.example' } }, 'crawlers.terms'],
    [{ agents: { 'https://a.example': { name: 'A', category: 'robot' } } }, 'agents'],
  ])('refuses a bad crawlers config (%j) with its path', (config, path) => {
    const compiled = compileConfig({ version: 'bad', ...config })
    expect(compiled.ok).toBe(false)
    expect(compiled.problems?.join('\n')).toContain(path)
  })
})

describe('a verified crawler gets its category and its policy', () => {
  it.each([
    [UA.googlebot, 'search_engine', 200, 'crawler_allow'],
    [UA.oaiSearch, 'ai_search', 200, 'crawler_allow'],
    [UA.chatgptUser, 'ai_agent', 200, 'crawler_allow'],
    [UA.gptbot, 'ai_training', 403, 'crawler_block'],
  ])('%s from the published ranges: %s, %i (%s) by default', async (ua, category, status, reason) => {
    const call = await get('/products/1', ua, ua === UA.googlebot ? googleIp() : inRange())
    expect(call.response.status).toBe(status)
    expect(call.logs).toHaveLength(1)
    expect(call.logs[0]).toMatchObject({ crawler: category, reasons: [reason] })
  })

  it.each([
    ['GPTBot', UA.gptbot, googleIp],
    ['Googlebot', UA.googlebot, inRange],
    ['AhrefsBot', UA.ahrefs, inRange],
  ])("verifies %s only against its own source's ranges: from another vendor's range it is not verified", async (_, ua, ip) => {
    const call = await get('/products/1', ua, ip())
    expect(call.logs[0]).toMatchObject({ crawler: null })
    expect(call.logs[0]!.reasons).not.toContain('crawler_allow')
    expect(call.logs[0]!.reasons).not.toContain('crawler_rate_limit')
    if (ua !== UA.ahrefs) expect(call.response.status).toBe(403) // a covered claim that did not verify: a spoof
  })

  it('follows the policy the operator wrote for a category', async () => {
    await writeConfig({ ...BASE, version: 'crawl-policy', crawlers: { policy: { ai_training: 'allow', search_engine: 'block' } } })
    expect((await get('/products/1', UA.gptbot, inRange())).response.status).toBe(200)
    const google = await get('/products/1', UA.googlebot, '66.249.64.5')
    expect(google.response.status).toBe(403)
    expect(google.logs[0]).toMatchObject({ crawler: 'search_engine', reasons: ['crawler_block'] })
  })

  it('rate limits a rate_limit category per address at rate_per_min, with Retry-After', async () => {
    // A wide counters budget: this is about the bound, not the deadline (missing counters let it in).
    await writeConfig({ ...BASE, version: 'crawl-rate', crawlers: { rate_per_min: 2 }, counters: { budget_ms: 1000 } })
    const ip = ahrefsIp()
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await get(`/products/${i + 1}`, UA.ahrefs, ip)).response.status)
    expect(statuses).toEqual([200, 200, 429, 429])
    const last = await get('/products/9', UA.ahrefs, ip)
    expect(last.logs[0]).toMatchObject({ crawler: 'seo', action: 'rate_limit', reasons: ['crawler_rate_limit'] })
    expect(last.response.headers.get('retry-after')).not.toBeNull()
  })

  it.each([
    ['POST', '/login', 'login'],
    ['GET', '/login', 'login'],
    ['POST', '/checkout', 'checkout'],
    ['GET', '/password-reset', 'password_reset'],
  ])('applies only to a page read of a route that is not sensitive: %s %s goes to the rules', async (method, path, route) => {
    const call = await callWorker(path, { method, headers: { 'user-agent': UA.googlebot, accept: '*/*', ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(method === 'POST' ? { body: 'username=a%40b.example&password=x' } : {}) }, { clientIp: '66.249.64.20', reply: site })
    expect(call.response.status).toBe(403)
    expect(call.logs[0]).toMatchObject({ route, crawler: 'search_engine', action: 'block' })
    expect((call.logs[0]!.reasons as string[])[0]).toBe('declared_bot_on_sensitive_route')
  })

  it('a POST to a page that is not sensitive goes to the rules and the model, not the crawler policy', async () => {
    const call = await callWorker('/cart', { method: 'POST', headers: { 'user-agent': UA.googlebot, accept: '*/*', 'content-type': 'application/x-www-form-urlencoded' }, body: 'product_id=1&qty=1' }, { clientIp: '66.249.64.21', reply: site })
    expect(call.logs[0]!.reasons).not.toContain('crawler_allow')
    expect(call.logs[0]!.reasons).not.toContain('verified_bot')
  })

  it('grants a listed signed agent the category the operator mapped it to, from any address', async () => {
    const agent = await makeAgent('https://trainer.test')
    await writeConfig({ ...BASE, version: 'crawl-agent', agents: { [agent.url]: { name: 'Trainer', category: 'ai_training' } }, crawlers: { policy: { ai_training: 'rate_limit' } } })
    const reply: EchoReply = (seen) => (seen.url === agent.url + DIRECTORY_PATH ? Response.json(agent.directory) : echoReply(seen))
    const call = await get('/products/1', 'TrainerBot/1.0', outside(), await agent.sign('GET', 'http://edge.test/products/1'), reply)
    expect(call.response.status).toBe(200)
    expect(call.logs[0]).toMatchObject({ agent: 'Trainer', crawler: 'ai_training', reasons: ['crawler_allow'] })
  })
})

describe('a crawler that claims a category and does not verify', () => {
  it("is no spoof when it is a listed signed agent (no action, no category) naming its vendor's token", async () => {
    const agent = await makeAgent('https://assistant.test')
    await writeConfig({ ...BASE, version: 'crawl-agent-plain', agents: { [agent.url]: { name: 'Assistant' } } })
    const reply: EchoReply = (seen) => (seen.url === agent.url + DIRECTORY_PATH ? Response.json(agent.directory) : echoReply(seen))
    const call = await get('/products/1', UA.chatgptUser, outside(), await agent.sign('GET', 'http://edge.test/products/1'), reply)
    expect(call.logs[0]).toMatchObject({ agent: 'Assistant' })
    expect(call.logs[0]!.rules).not.toContain('fake_crawler')
    expect(call.response.status).toBe(200)
    // Unsigned, the same claim from the same kind of address is a spoof.
    expect((await get('/products/1', UA.chatgptUser, outside())).logs[0]!.rules).toContain('fake_crawler')
  })

  it.each([UA.googlebot, UA.gptbot, UA.chatgptUser, UA.oaiSearch])('is a spoofed bot from any other network: %s', async (ua) => {
    // ai_agent and ai_search are allowed by default: a spoofer of one must not ride on that.
    const call = await get('/products/1', ua, outside())
    expect(call.response.status).toBe(403)
    expect(call.logs[0]).toMatchObject({ crawler: null, action: 'block' })
    expect(call.logs[0]!.rules).toContain('fake_crawler')
  })

  it('is never charged: a spoofer of a charge category is blocked, not offered a price', async () => {
    await writeConfig({ ...BASE, version: 'crawl-charge-spoof', crawlers: { policy: { ai_training: 'charge' } } })
    const call = await get('/products/1', UA.gptbot, outside(), { 'crawler-max-price': 'USD 1' })
    expect(call.response.status).toBe(403)
    expect(call.response.headers.get('crawler-price')).toBeNull()
  })

  it('of a category nobody can verify (seo) is judged as a declared bot, not a spoof', async () => {
    const call = await get('/products/1', UA.ahrefs, outside())
    expect(call.logs[0]).toMatchObject({ crawler: null })
    expect(call.logs[0]!.rules).not.toContain('fake_crawler')
  })

  it.each([
    ['Google-Read-Aloud', 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 (compatible; Google-Read-Aloud; +https://support.google.com/webmasters/answer/1061943)'],
    ['Google-Site-Verification', 'Mozilla/5.0 (compatible; Google-Site-Verification/1.0)'],
    ['AppEngine-Google', 'AppEngine-Google; (+http://code.google.com/appengine; appid: s~partner-app)'],
  ])('%s (a person\'s fetch, or a partner\'s app: no configured source covers it) is not a spoof', async (_, ua) => {
    const call = await get('/products/1', ua, outside())
    expect(call.logs[0]!.rules).not.toContain('fake_crawler')
    expect(call.response.status).toBe(200)
  })

  it('of a crawler no configured source vouches for is a declared bot; the same claim is a spoof once a source covers it', async () => {
    await writeConfig({ version: 'google-only', verified_crawlers: { sources: [{ name: 'googlebot', url: 'https://ranges.test/googlebot.json' }] } })
    const uncovered = await get('/products/1', UA.gptbot, outside())
    expect(uncovered.logs[0]!.rules).not.toContain('fake_crawler')
    expect(uncovered.response.status).toBe(200)
    await writeConfig({ ...BASE, version: 'openai-too' })
    expect((await get('/products/1', UA.gptbot, outside())).logs[0]!.rules).toContain('fake_crawler')
  })

  it('a browser line carries crawler: null', async () => {
    const call = await get('/products/1', UA.chrome, outside())
    expect(call.logs[0]).toHaveProperty('crawler', null)
  })
})

describe('what the crawler judgement costs a request', () => {
  const robotsFetches = (call: Call): number => call.seen.filter((s) => new URL(s.url).pathname === '/robots.txt').length

  it('reads the bundled table only for a User-Agent isbot calls a bot', async () => {
    // Table pattern `Miniature\.io/` matches; isbot does not call this a bot, and it is no mainstream browser.
    const ua = 'Mozilla/5.0 Miniature.io/6.0'
    expect(classifyCrawler(ua)?.token).toBe('Miniature')
    await writeConfig({ ...BASE, version: 'claimed-rule', rules: [{ name: 'claimed_other', when: 'crawler_claimed == "other"', action: 'block', priority: 1 }] })
    const call = await get('/products/1', ua, outside())
    expect(call.logs[0]!.rules).not.toContain('claimed_other')
    expect((await get('/products/1', 'Miniature.io/6.0 (bot)', outside())).logs[0]!.rules).toContain('claimed_other')
  })

  it('reads only the first 256 characters of the User-Agent for a claim', async () => {
    const far = `Mozilla/5.0 (compatible; ${'x'.repeat(260)}; Storebot-Google/1.0)`
    expect((await get('/products/1', far, outside())).logs[0]!.rules).not.toContain('fake_crawler')
    const near = 'Mozilla/5.0 (compatible; Storebot-Google/1.0)'
    expect((await get('/products/1', near, outside())).logs[0]!.rules).toContain('fake_crawler')
  })

  it('never reads robots.txt (no origin fetch) for a spoofed claim', async () => {
    const ip = outside()
    await get('/robots.txt', UA.googlebot, ip) // the spoofer read it: noted
    const call = await get('/private/x', UA.googlebot, ip)
    expect(call.response.status).toBe(403)
    expect(call.logs[0]!.rules).toContain('fake_crawler')
    expect(call.logs[0]!.rules).not.toContain('ignores_robots_txt')
    expect(robotsFetches(call)).toBe(0)
  })
})

describe('pay per crawl (charge)', () => {
  beforeEach(async () => {
    await writeConfig({ ...BASE, version: 'crawl-charge', crawlers: { policy: { ai_training: 'charge' }, price: 'USD 0.05', terms: 'https://edge.test/crawl-terms' } })
  })

  it('answers 402 with the price and the terms until the crawler agrees to pay', async () => {
    const call = await get('/products/1', UA.gptbot, inRange())
    expect(call.response.status).toBe(402)
    expect(call.response.headers.get('crawler-price')).toBe('USD 0.05')
    expect(call.response.headers.get('crawler-terms')).toBe('https://edge.test/crawl-terms')
    expect(call.response.headers.get('crawler-error')).toBe('MissingCrawlerPrice')
    expect(call.response.headers.get('edgeward-mitigated')).toBe('block')
    expect(call.response.headers.get('edgeward-ref')).toBe(call.logs[0]!.ref)
    expect(await call.response.json()).toMatchObject({ error: 'payment_required', price: 'USD 0.05' })
    expect(call.logs[0]).toMatchObject({ crawler: 'ai_training', action: 'block', reasons: ['crawler_charge'] })
    expect(call.seen.map((s) => s.url)).not.toContain('http://origin.test/products/1')
  })

  it.each([
    [{ 'crawler-max-price': 'USD 0.10' }],
    [{ 'crawler-exact-price': 'USD 0.050' }],
  ])('lets in a listed signed agent that agrees (%j), with the crawler-charged receipt and its name as the payer', async (headers) => {
    const agent = await makeAgent('https://payer.test')
    await writeConfig({ ...BASE, version: 'crawl-charge-agent', agents: { [agent.url]: { name: 'Payer', category: 'ai_training' } }, crawlers: { policy: { ai_training: 'charge' }, price: 'USD 0.05' } })
    const reply: EchoReply = (seen) => (seen.url === agent.url + DIRECTORY_PATH ? Response.json(agent.directory) : echoReply(seen))
    const call = await get('/products/1', 'PayerBot/1.0', outside(), { ...headers, ...(await agent.sign('GET', 'http://edge.test/products/1')) }, reply)
    expect(call.response.status).toBe(200)
    expect(call.response.headers.get('crawler-charged')).toBe('USD 0.05')
    expect(call.logs[0]).toMatchObject({ agent: 'Payer', crawler: 'ai_training', action: 'allow', reasons: ['crawler_charged'] })
  })

  it('keeps 402 for a range-verified crawler that agrees: a header is no payer (UnidentifiedCrawlerPayer)', async () => {
    const call = await get('/products/1', UA.gptbot, inRange(), { 'crawler-max-price': 'USD 999999' })
    expect(call.response.status).toBe(402)
    expect(call.response.headers.get('crawler-error')).toBe('UnidentifiedCrawlerPayer')
    expect(call.response.headers.get('crawler-charged')).toBeNull()
    expect(call.seen.map((s) => s.url)).not.toContain('http://origin.test/products/1')
  })

  it.each([
    [{ 'crawler-exact-price': 'USD 0.01' }, 'InvalidCrawlerExactPrice'],
    [{ 'crawler-max-price': 'USD 0.04' }, 'InvalidCrawlerMaxPrice'],
    [{ 'crawler-max-price': 'EUR 1' }, 'InvalidCrawlerMaxPrice'],
    [{ 'crawler-max-price': 'a lot' }, 'InvalidCrawlerPriceValue'],
    [{ 'crawler-max-price': 'USD 1', 'crawler-exact-price': 'USD 0.05' }, 'ConflictingPriceHeaders'],
  ])('keeps 402 for %j (%s)', async (headers, error) => {
    const call = await get('/products/1', UA.gptbot, inRange(), headers)
    expect(call.response.status).toBe(402)
    expect(call.response.headers.get('crawler-error')).toBe(error)
  })

  it('compares prices exactly, in millionths', () => {
    expect(judgePayment('USD 0.1', 'USD 0.100000', null)).toEqual({ paid: true, price: 'USD 0.1' })
    expect(judgePayment('USD 0.1', null, 'USD 0.099999')).toMatchObject({ paid: false, error: 'InvalidCrawlerMaxPrice' })
  })
})

describe('robots.txt', () => {
  it('is forwarded to every client but a deny-listed one: a spoofed crawler, curl, a HEAD', async () => {
    for (const [ua, method] of [[UA.chrome, 'GET'], [UA.gptbot, 'GET'], ['curl/8.5.0', 'HEAD']] as const) {
      const call = await callWorker('/robots.txt', { method, headers: { 'user-agent': ua } }, { clientIp: outside(), reply: site })
      expect(call.response.status).toBe(200)
      expect(call.logs[0]).toMatchObject({ action: 'allow', reasons: ['robots_txt'] })
    }
  })

  it('a deny-listed address gets the deny answer, not a forward (the config list, or a deny entry the isolate holds)', async () => {
    const denied = outside()
    await writeConfig({ ...BASE, version: 'robots-deny', deny: { ips: [denied], asns: [] } })
    const call = await callWorker('/robots.txt', { headers: { 'user-agent': UA.chrome } }, { clientIp: denied, reply: site })
    expect(call.response.status).toBe(403)
    expect(call.logs[0]).toMatchObject({ action: 'block', reasons: ['deny_ip', 'robots_txt'] })
    expect(call.seen).toHaveLength(0)
    // A deny entry stored by a rule, as this isolate caches it after the object answered.
    const listed = outside()
    isolateCaches.deny.put(denyKey({ kind: 'ip', ip: listed }), { kind: 'ip', reason: 'rule:test', expiresAt: Date.now() + 60_000 }, Date.now())
    try {
      const cached = await callWorker('/robots.txt', { headers: { 'user-agent': UA.googlebot } }, { clientIp: listed, reply: site })
      expect(cached.response.status).toBe(403)
      expect(cached.seen).toHaveLength(0)
    } finally {
      isolateCaches.deny.clear(denyKey({ kind: 'ip', ip: listed }))
    }
  })

  it.each(['/ROBOTS.TXT', '/account%2f..%2frobots.txt', '/robots.txt?q=1', '/robots.txt;x'])(
    'only the raw path /robots.txt is exempt: %s is judged like any request',
    async (path) => {
      const denied = outside()
      await writeConfig({ ...BASE, version: 'robots-raw', deny: { ips: [denied], asns: [] } })
      const blocked = await callWorker(path, { headers: { 'user-agent': UA.chrome } }, { clientIp: denied, reply: site })
      expect(blocked.response.status).toBe(403)
      expect(blocked.seen).toHaveLength(0)
      expect(blocked.logs[0]).toMatchObject({ action: 'block', reasons: ['deny_ip'] })
      const judged = await callWorker(path, { headers: { 'user-agent': UA.chrome } }, { clientIp: outside(), reply: site })
      expect(judged.logs[0]!.reasons).not.toContain('robots_txt')
    },
  )

  it("holds a verified crawler that read it to its own group's Disallow", async () => {
    const ip = '66.249.64.9'
    expect((await get('/private/x', UA.googlebot, ip)).response.status).toBe(200) // not read yet: no signal
    expect((await get('/robots.txt', UA.googlebot, ip)).response.status).toBe(200)
    const refused = await get('/private/x', UA.googlebot, ip)
    expect(refused.response.status).toBe(403)
    expect(refused.logs[0]).toMatchObject({ crawler: 'search_engine', reasons: ['robots_disallowed'] })
    // Googlebot's group does not disallow /account (only `*` does): its own group is the one read.
    expect((await get('/account', UA.googlebot, ip)).response.status).toBe(200)
    expect((await get('/products/1', UA.googlebot, ip)).response.status).toBe(200)
  })

  it('does not hold an ai_agent (a person asked for the page) to it; an ai_search crawler it does', async () => {
    const closed: EchoReply = (seen) => (new URL(seen.url).pathname === '/robots.txt' ? new Response('User-agent: *\nDisallow: /products\n') : echoReply(seen))
    for (const [ua, status, reason] of [[UA.chatgptUser, 200, 'crawler_allow'], [UA.oaiSearch, 403, 'robots_disallowed']] as const) {
      const ip = inRange()
      await get('/robots.txt', ua, ip, {}, closed)
      const call = await get('/products/1', ua, ip, {}, closed)
      expect(call.response.status).toBe(status)
      expect(call.logs[0]).toMatchObject({ reasons: [reason] })
    }
  })

  it('keeps the rules it holds when its own later fetch cannot be read (a 5xx)', async () => {
    const ip = '66.249.64.11'
    await get('/robots.txt', UA.googlebot, ip)
    expect((await get('/private/x', UA.googlebot, ip)).logs[0]).toMatchObject({ reasons: ['robots_disallowed'] })
    expireRobotsForTests()
    const failing: EchoReply = (seen) => (new URL(seen.url).pathname === '/robots.txt' ? new Response('busy', { status: 503 }) : echoReply(seen))
    expect((await get('/private/y', UA.googlebot, ip, {}, failing)).logs[0]).toMatchObject({ reasons: ['robots_disallowed'] })
  })

  it.each([
    ['a 206 of one byte', 'bytes=0-0'],
    ['a 416', 'bytes=99999-'],
  ])("never keeps the origin's answer to a client's own request (%s for its Range)", async (_, range) => {
    // The origin honours Range, as most do: the client's answer is not the file.
    const ranged: EchoReply = (seen) => {
      if (new URL(seen.url).pathname !== '/robots.txt') return echoReply(seen)
      const asked = seen.headers.get('range')
      if (asked === null) return new Response(ROBOTS, { headers: { 'content-type': 'text/plain' } })
      if (asked === 'bytes=0-0') return new Response(ROBOTS.slice(0, 1), { status: 206, headers: { 'content-range': `bytes 0-0/${ROBOTS.length}` } })
      return new Response(null, { status: 416 })
    }
    const ip = '66.249.64.13'
    await get('/robots.txt', UA.googlebot, ip, {}, ranged)
    expect((await get('/private/x', UA.googlebot, ip, {}, ranged)).logs[0]).toMatchObject({ reasons: ['robots_disallowed'] })
    // Another client's ranged request after the rules are held changes nothing either.
    await get('/robots.txt', UA.chrome, outside(), { range }, ranged)
    await get('/robots.txt', UA.googlebot, ip, { range }, ranged)
    const again = await get('/private/z', UA.googlebot, ip, {}, ranged)
    expect(again.response.status).toBe(403)
    expect(again.logs[0]).toMatchObject({ reasons: ['robots_disallowed'] })
  })

  it('is a rule signal for a declared crawler that does not verify', async () => {
    const ip = outside()
    await get('/robots.txt', UA.ahrefs, ip)
    const call = await get('/account', UA.ahrefs, ip)
    expect(call.logs[0]!.rules).toContain('ignores_robots_txt')
    expect(call.response.status).toBe(403)
  })

  it('fetches the origin robots.txt itself (fixed headers) when it holds none or its copy expired, and fails open when the origin cannot answer', async () => {
    const ip = '66.249.64.10'
    const own = (call: Call): Seen[] => call.seen.filter((s) => new URL(s.url).pathname === '/robots.txt')
    // The client's own read answers 503: nothing of that answer is kept, so the judge must fetch itself.
    const down: EchoReply = (seen) => (new URL(seen.url).pathname === '/robots.txt' ? new Response('down', { status: 503 }) : echoReply(seen))
    await get('/robots.txt', UA.googlebot, ip, {}, down)
    const first = await get('/private/x', UA.googlebot, ip)
    expect(own(first)).toHaveLength(1)
    expect(own(first)[0]!.headers.get('user-agent')).toBe('edgeward (robots.txt)')
    expect(first.response.status).toBe(403)
    expect(first.logs[0]).toMatchObject({ crawler: 'search_engine', reasons: ['robots_disallowed'] })
    // Held fresh: no second fetch.
    expect(own(await get('/private/y', UA.googlebot, ip))).toHaveLength(0)
    // Expired: fetched again, and the origin's new rules (nothing disallowed) are the ones read.
    expireRobotsForTests()
    const open: EchoReply = (seen) => (new URL(seen.url).pathname === '/robots.txt' ? new Response('User-agent: *\nAllow: /\n') : echoReply(seen))
    const refetched = await get('/private/x', UA.googlebot, ip, {}, open)
    expect(own(refetched)).toHaveLength(1)
    expect(refetched.response.status).toBe(200)
    // Another isolate, and the origin cannot answer: it asks, then fails open.
    resetRobotsForTests()
    await get('/robots.txt', UA.googlebot, ip, {}, down)
    const call = await get('/private/x', UA.googlebot, ip, {}, down)
    expect(own(call)).toHaveLength(1)
    expect(call.response.status).toBe(200)
    expect(call.logs[0]).toMatchObject({ crawler: 'search_engine', reasons: ['crawler_allow'] })
  })
})
