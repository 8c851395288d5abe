// "Nothing lost" through the whole Worker: 500 concurrent requests from one device (a real
// device cookie, one client address) each count once on the device's and the IP's objects.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import worker from '../../worker/index'
import { deviceCookie, peekCounters } from '../support/journey'
import { BROWSER_HEADERS, clearConfig, ECHO_ORIGIN, writeConfig } from '../support/worker'

afterEach(() => {
  vi.restoreAllMocks()
  return clearConfig()
})

describe('counters under concurrency, through the Worker', () => {
  it('counts 500 concurrent requests from one device exactly 500 times', async () => {
    // A wide budget so every request waits for its own count: this test is about exactness, not the deadline.
    // Shadow mode and no rules: no decision may deny-list the device midway (a deny hit answers with no count).
    await writeConfig({ version: 'concurrency', mode: 'shadow', rules: [], counters: { budget_ms: 1_000 } })
    const clientIp = '198.51.100.77'
    const { cookie, device } = await deviceCookie(clientIp)
    // One origin stub and one log capture for all 500 (callWorker swaps them per call, so it cannot overlap).
    vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response('ok'))
    const lines = vi.spyOn(console, 'log').mockImplementation(() => {})
    const statuses = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const headers = { ...BROWSER_HEADERS, cookie, 'cf-connecting-ip': clientIp }
        const ctx = createExecutionContext()
        const request = new Request(`http://edge.test/products/${(i % 50) + 1}`, { headers })
        const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, { ...env, ORIGIN_URL: ECHO_ORIGIN } as Env, ctx)
        await response.arrayBuffer()
        await waitOnExecutionContext(ctx)
        return response.status
      }),
    )
    const logs = lines.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>).filter((l) => l.route !== undefined)
    expect(statuses.filter((s) => s !== 200)).toEqual([])
    expect(logs).toHaveLength(500)
    // (A count that outlives its request's budget still lands: the calls are not cancelled, and the
    // peeks below queue behind every one of them on the same objects.)
    expect(logs.every((l) => l.config === 'concurrency' && l.device === device)).toBe(true)
    expect((await peekCounters('device', device)).counts.requests['10m']).toBe(500)
    expect((await peekCounters('ip', clientIp)).counts.requests['10m']).toBe(500)
  }, 60_000)
})
