// A declared tool walking the catalogue (the `tool_walks_catalogue` rule): the address's tools — a
// User-Agent that claims no browser — read a 6th distinct page in 10 minutes, and are challenged
// whatever the model says. A monitor polling two URLs is not, nor are a browser's pages counted.
import { describe, expect, it } from 'vitest'
import { peekCounters } from '../support/journey'
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
    // The sixth distinct page — a query is a page of its own: the JSON API paged through — is
    // challenged: the address's count and the page this isolate holds for it.
    const next = await read('/api/products?page=2', ip)
    expect(next.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(next.logs[0]).toMatchObject({ action: 'challenge', source: 'rule' })
    expect(next.logs[0]!.reasons).toContain('tool_walks_catalogue')
    // An asset is not a page, and another address owes nothing.
    expect((await read('/static/app.css', ip)).response.status).toBe(200)
    expect((await read('/api/products?page=2', '198.51.141.10')).response.status).toBe(200)
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

  it("does not count a browser's pages", async () => {
    await useConfig(CALM)
    const ip = '198.51.140.30'
    for (let p = 1; p <= 8; p++) expect((await read(`/products/${p}`, ip, BROWSER_HEADERS)).response.status).toBe(200)
    await expect.poll(async () => (await peekCounters('ip', ip)).counts.page_views['10m'], { timeout: 10_000 }).toBe(8)
    expect((await peekCounters('ip', ip)).distinct.tool_pages['10m']).toBe(0)
  })
})
