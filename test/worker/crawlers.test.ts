import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import worker from '../../worker/index'
import { crawlerKey, resetCrawlerCacheForTests } from '../../worker/crawlers'
import { callWorker, clearConfig } from '../support/worker'

const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
const RANGES = { creationTime: '2026-11-20T00:00:00', prefixes: [{ ipv4Prefix: '66.249.64.0/27' }, { ipv6Prefix: '2001:4860:4801:10::/64' }] }

async function runCron(reply: (url: string) => Response | Promise<Response>): Promise<string[]> {
  const fetched: string[] = []
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const url = input instanceof Request ? input.url : String(input)
    fetched.push(url)
    return reply(url)
  })
  const log = vi.spyOn(console, 'log').mockImplementation(() => {})
  try {
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 */6 * * *' }), env)
    await waitOnExecutionContext(ctx)
  } finally {
    spy.mockRestore()
    log.mockRestore()
  }
  resetCrawlerCacheForTests()
  return fetched
}

afterEach(async () => {
  await env.EDGEWARD_CONFIG.delete(crawlerKey('googlebot'))
  await env.EDGEWARD_CONFIG.delete(crawlerKey('bingbot'))
  resetCrawlerCacheForTests()
  await clearConfig()
})

describe('verified crawlers from published ranges (Cron Trigger)', () => {
  it('fetches every configured source into KV', async () => {
    const fetched = await runCron((url) => (url.includes('google') ? Response.json(RANGES) : new Response('down', { status: 503 })))
    expect(fetched).toHaveLength(2)
    const stored = JSON.parse((await env.EDGEWARD_CONFIG.get(crawlerKey('googlebot'))) ?? 'null')
    expect(stored.prefixes).toEqual(['66.249.64.0/27', '2001:4860:4801:10::/64'])
    expect(await env.EDGEWARD_CONFIG.get(crawlerKey('bingbot'))).toBeNull()
  })

  it('allows a Googlebot User-Agent from inside the ranges and blocks it from outside', async () => {
    await runCron(() => Response.json(RANGES))
    const inside = await callWorker('/products/1', { headers: { 'user-agent': GOOGLEBOT_UA } }, { clientIp: '66.249.64.5' })
    expect(inside.response.status).toBe(200)
    expect(inside.logs[0]).toMatchObject({ source: 'allow_list', reasons: ['crawler_allow'], crawler: 'search_engine' })
    const outside = await callWorker('/products/1', { headers: { 'user-agent': GOOGLEBOT_UA } }, { clientIp: '66.249.65.5' })
    expect(outside.response.status).toBe(403)
    expect(outside.logs[0]?.reasons).toContain('fake_search_engine')
  })

  it.each([
    ['not JSON', () => new Response('<html>', { headers: { 'content-type': 'text/html' } })],
    ['a bad prefix', () => Response.json({ prefixes: [{ ipv4Prefix: 'everything' }] })],
    ['an empty list', () => Response.json({ prefixes: [] })],
    ['a network error', () => Promise.reject(new TypeError('network down'))],
  ])('keeps the previous ranges when a refresh returns %s', async (_what, reply) => {
    await runCron(() => Response.json(RANGES))
    await runCron(reply)
    const stored = JSON.parse((await env.EDGEWARD_CONFIG.get(crawlerKey('googlebot'))) ?? 'null')
    expect(stored.prefixes).toHaveLength(2)
  })

  it('never treats a crawler User-Agent as verified when no ranges are stored', async () => {
    const { response } = await callWorker('/products/1', { headers: { 'user-agent': GOOGLEBOT_UA } }, { clientIp: '66.249.64.5' })
    expect(response.status).toBe(403)
  })
})
