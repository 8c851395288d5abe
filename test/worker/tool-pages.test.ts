// A declared tool walking the catalogue (the `tool_walks_catalogue` rule): the address's tools — a
// User-Agent that claims no browser — read a 6th distinct page in 10 minutes, and are challenged
// whatever the model says. A monitor polling two URLs is not, nor are a browser's pages counted.
import { describe, expect, it } from 'vitest'
import { deviceCookie, peekCounters } from '../support/journey'
import { useConfig } from '../support/useConfig'
import { BROWSER_HEADERS, callWorker } from '../support/worker'

/** The model lets everything in: only the bundled rules act. */
const CALM = { version: 'tool-pages-calm', thresholds: { default: { challenge: 1, block: 1 }, api: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } }
const TOOL = { 'user-agent': 'python-requests/2.32.3', accept: '*/*' }

const read = (path: string, ip: string, headers: Record<string, string> = TOOL) => callWorker(path, { headers }, { clientIp: ip })
/** Reads `path` and waits until its page is counted on the address's object (the rule reads the object's count). */
const readCounted = async (path: string, ip: string, pages: number) => {
  const r = await read(path, ip)
  await expect.poll(async () => (await peekCounters('ip', ip)).distinct.tool_pages['10m'], { timeout: 10_000 }).toBe(pages)
  return r
}

describe('a declared tool reading distinct pages from one address', () => {
  it('reads five pages, and is challenged on the sixth', async () => {
    await useConfig(CALM)
    const ip = '198.51.140.10'
    for (let p = 1; p <= 5; p++) {
      const { response, logs } = await readCounted(`/products/${p}`, ip, p)
      expect(response.status).toBe(200)
      expect(logs[0]!.rules).not.toContain('tool_walks_catalogue')
    }
    // The sixth distinct page is challenged: the address's count and the page this isolate holds for it.
    const next = await read('/api/products', ip)
    expect(next.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(next.logs[0]).toMatchObject({ action: 'challenge', source: 'rule' })
    expect(next.logs[0]!.reasons).toContain('tool_walks_catalogue')
    // An asset is not a page, and another address owes nothing.
    expect((await read('/static/app.css', ip)).response.status).toBe(200)
    expect((await read('/api/products', '198.51.141.10')).response.status).toBe(200)
  })

  it('lets a monitor poll two URLs all day', async () => {
    await useConfig(CALM)
    const ip = '198.51.140.20'
    for (let i = 0; i < 12; i++) {
      const { response } = await read(i % 2 === 0 ? '/' : '/products', ip)
      expect(response.status).toBe(200)
    }
    await expect.poll(async () => (await peekCounters('ip', ip)).distinct.tool_pages['10m'], { timeout: 10_000 }).toBe(2)
    expect((await read('/', ip)).response.status).toBe(200)
  })

  it("counts a path once whatever its query: a monitor's cache-buster is one page", async () => {
    await useConfig(CALM)
    const ip = '198.51.140.25'
    for (let i = 0; i < 12; i++) expect((await read(`/health?_=${1733000000 + i}`, ip)).response.status).toBe(200)
    await expect.poll(async () => (await peekCounters('ip', ip)).distinct.tool_pages['10m'], { timeout: 10_000 }).toBe(1)
  })

  it('allows six per account signed in on a shared address: people\'s own tools add up behind carrier-grade NAT', async () => {
    await useConfig(CALM)
    const ip = '198.51.140.40'
    await read('/login', ip, BROWSER_HEADERS) // the form first: a sign-in straight at it is `cold_sign_in`
    for (let i = 1; i <= 3; i++) {
      const body = `username=cgnat${i}%40example.com&password=right`
      await callWorker('/login', { method: 'POST', body, headers: { ...BROWSER_HEADERS, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' } }, { clientIp: ip, reply: () => new Response('', { status: 200 }) })
    }
    await expect.poll(async () => (await peekCounters('ip', ip)).distinct.signed_in_users['1h'], { timeout: 10_000 }).toBe(3)
    // Ten pages by three people's scripts: under 6 × 3, none challenged; the 18th is.
    for (let p = 1; p <= 10; p++) expect((await readCounted(`/products/${p}`, ip, p)).response.status).toBe(200)
    for (let p = 11; p <= 17; p++) await readCounted(`/products/${p}`, ip, p)
    const over = await read('/products/18', ip)
    expect(over.logs[0]!.rules).toContain('tool_walks_catalogue')
  }, 30_000)

  it("does not count a browser's pages", async () => {
    await useConfig(CALM)
    const ip = '198.51.140.30'
    for (let p = 1; p <= 8; p++) expect((await read(`/products/${p}`, ip, BROWSER_HEADERS)).response.status).toBe(200)
    await expect.poll(async () => (await peekCounters('ip', ip)).counts.page_views['10m'], { timeout: 10_000 }).toBe(8)
    expect((await peekCounters('ip', ip)).distinct.tool_pages['10m']).toBe(0)
  })
})

describe('a script in a browser\'s User-Agent: Firefox 133 named, no fetch metadata sent, no JavaScript run', () => {
  const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
  /** What `requests` sends with a copied User-Agent: no Sec-Fetch-*, which Firefox sends from 90 on (to https). */
  const SCRIPT = { 'user-agent': FIREFOX, accept: '*/*', 'accept-encoding': 'gzip, deflate' }
  /** Firefox's own navigation headers. */
  const PERSON = { ...SCRIPT, accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-language': 'en-US,en;q=0.5', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'same-origin', 'sec-fetch-user': '?1', 'upgrade-insecure-requests': '1' }
  const https = (path: string) => `https://shop.edge.test${path}`
  const pages = async (ip: string, headers: Record<string, string>, n: number) => {
    const lines = []
    for (let p = 1; p <= n; p++) {
      lines.push((await callWorker(https(`/products/${p}`), { headers }, { clientIp: ip })).logs[0]!)
      await expect.poll(async () => (await peekCounters('ip', ip)).counts.page_views['10m'], { timeout: 10_000 }).toBe(p)
    }
    return lines
  }

  it('is a tool: its sixth distinct page is challenged', async () => {
    await useConfig(CALM)
    const lines = await pages('198.51.142.10', SCRIPT, 6)
    expect(lines[0]!.features).toMatchObject({ ua_claims_browser: 1, sec_fetch_missing: 1 })
    expect(lines.map((l) => l.action)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', 'challenge'])
    expect(lines[5]!.reasons).toContain('tool_walks_catalogue')
  }, 30_000)

  it('is not a tool once it runs the SDK from a page: a person whose proxy strips fetch metadata keeps browsing', async () => {
    await useConfig(CALM)
    const ip = '198.51.142.20'
    const { cookie } = await deviceCookie(ip, { userAgent: FIREFOX })
    const lines = await pages(ip, { ...SCRIPT, cookie }, 8)
    expect(lines.every((l) => l.action === 'allow')).toBe(true)
    expect((await peekCounters('ip', ip)).distinct.tool_pages['10m']).toBe(0)
  }, 30_000)

  it('is still a tool with a cookie minted by one POST to collect, without a page\'s SDK nonce: that switch is not free', async () => {
    await useConfig(CALM)
    const ip = '198.51.142.40'
    const { cookie } = await deviceCookie(ip, { userAgent: FIREFOX, proven: false })
    const lines = await pages(ip, { ...SCRIPT, cookie }, 6)
    expect(lines.map((l) => l.action)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', 'challenge'])
    expect(lines[5]!.reasons).toContain('tool_walks_catalogue')
  }, 30_000)

  it('is not what Firefox with JavaScript off sends: its fetch metadata makes it a browser, however many pages it reads', async () => {
    await useConfig(CALM)
    const ip = '198.51.142.30'
    const lines = await pages(ip, PERSON, 8)
    expect(lines[0]!.features).toMatchObject({ ua_claims_browser: 1, sec_fetch_missing: 0 })
    expect(lines.every((l) => l.action === 'allow')).toBe(true)
    expect((await peekCounters('ip', ip)).distinct.tool_pages['10m']).toBe(0)
  }, 30_000)
})
