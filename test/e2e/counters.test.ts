// Journey counters through the real `npm start`: many usernames from one 127.x device, and a
// low-and-slow spread over 200 addresses raising the zone-wide failure ratio from below the
// distributed-stuffing threshold to above it. Runs in shadow mode so every attempt reaches the
// demo origin and its outcome is counted.
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import telemetry from '../fixtures/tokens/telemetry-valid.json'
import { startDevServer, waitForLog, type DevServer } from './support/devServer'

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
const ADMIN_TOKEN = 'e2e-counters-admin'
/** The zone ratio at which the default `distributed_stuffing` / `zone_under_login_attack` rules act. */
const ZONE_THRESHOLD = 0.5

interface Answer {
  readonly status: number
  readonly setCookie: string | null
}

function send(port: number, localAddress: string, method: string, path: string, body?: string, extra: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': UA, accept: 'text/html', ...extra }
    if (body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded'
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, localAddress, agent: false }, (res) => {
      res.resume()
      const cookie = res.headers['set-cookie']?.[0] ?? null
      res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: cookie }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const user = (n: number): string => `user${String(n).padStart(4, '0')}%40example.com`
const failedLogin = async (port: number, ip: string, n: number, cookie?: string) =>
  (await send(port, ip, 'POST', '/login', `username=${user(n)}&password=wrong-${n}`, cookie === undefined ? {} : { cookie })).status
const goodLogin = async (port: number, ip: string, n: number) =>
  (await send(port, ip, 'POST', '/login', `username=${user(n)}&password=pass-${String(n).padStart(4, '0')}`)).status

/** A device cookie for this address, from the SDK's endpoint with valid telemetry (as a browser gets it). */
async function deviceCookie(port: number, ip: string): Promise<string> {
  const a = await send(port, ip, 'POST', '/__edgeward/collect', JSON.stringify(telemetry), { 'content-type': 'application/json' })
  expect(a.status).toBe(204)
  const cookie = a.setCookie?.split(';')[0]
  if (cookie === undefined || !cookie.startsWith('__edgeward=')) throw new Error('collect set no device cookie')
  return cookie
}

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn))
}

type Windows = Record<'1m' | '10m' | '1h' | '24h', number>
interface ZoneView {
  /** From GET /__edgeward/admin/stats (the root object). */
  readonly failures10m: number
  readonly successes10m: number
  readonly newIps10m: number
  /** zone_login_failure_ratio_10m in the decision line of a probe request (an isolate's cached figures). */
  readonly ratioFeature: number | undefined
}

describe('journey counters through npm start', () => {
  let server: DevServer
  beforeAll(async () => {
    server = await startDevServer({ config: { version: 'e2e-counters', mode: 'shadow' }, env: { EDGEWARD_ADMIN_TOKEN: ADMIN_TOKEN } })
  })
  afterAll(async () => server?.stop())

  let probes = 0
  /** The zone as the root and as a new request see it. Each probe is a request, which also lets the isolate flush. */
  async function zoneView(): Promise<ZoneView> {
    const path = `/products/${10 + (probes++ % 900)}`
    await send(server.port, '127.2.0.1', 'GET', path)
    const line = await waitForLog(server, (l) => l.path === path && l.ip === '127.2.0.1')
    const r = await fetch(`${server.url}/__edgeward/admin/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(r.status).toBe(200)
    const stats = (await r.json()) as { zone: { windows: Record<string, Windows> } | null }
    const w = stats.zone?.windows
    return {
      failures10m: w?.login_failures?.['10m'] ?? 0,
      successes10m: w?.login_successes?.['10m'] ?? 0,
      newIps10m: w?.new_ips?.['10m'] ?? 0,
      ratioFeature: (line.features as Record<string, number> | undefined)?.zone_login_failure_ratio_10m,
    }
  }

  /**
   * Zone figures travel isolate → shard (at most every 5 s) → root (shard alarm, every 5 s) and back
   * to the isolate on its next flush: poll, probing once a second, until `done` or the deadline.
   */
  async function zoneUntil(done: (z: ZoneView) => boolean, timeoutMs = 60_000): Promise<ZoneView> {
    const deadline = Date.now() + timeoutMs
    let view = await zoneView()
    while (!done(view) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000))
      view = await zoneView()
    }
    return view
  }

  it('counts 30 failed logins for 30 usernames from one device on that device and its IP', async () => {
    const ip = '127.0.42.7'
    const cookie = await deviceCookie(server.port, ip)
    for (let n = 1; n <= 30; n++) expect(await failedLogin(server.port, ip, n, cookie)).toBe(401)
    // Outcomes are counted after the response (waitUntil); the next request reads them.
    await new Promise((r) => setTimeout(r, 300))
    await send(server.port, ip, 'GET', '/products/9', undefined, { cookie })
    const line = await waitForLog(server, (l) => l.path === '/products/9' && l.ip === ip)
    // The device is the cookie's own id (its own counters object), not the IP standing in for it.
    expect(line.cookie).toBe('valid')
    expect(typeof line.device).toBe('string')
    const f = line.features as Record<string, number>
    expect(f.device_failed_logins_10m).toBe(30)
    expect(f.device_distinct_users_10m).toBe(30)
    expect(f.device_login_attempts_10m).toBe(30)
    expect(f.ip_failed_logins_10m).toBe(30)
    expect(f.ip_distinct_users_10m).toBe(30)
    // In enforce mode the default credential-stuffing rule would have stopped it early.
    const attempts = server.logLines().filter((l) => l.ip === ip && l.path === '/login')
    expect(attempts.every((l) => l.device === line.device)).toBe(true)
    const firstBlock = attempts.findIndex((l) => l.would_action === 'block') // -1: never
    expect(firstBlock).toBeGreaterThanOrEqual(0)
    expect(firstBlock + 1).toBeLessThanOrEqual(5)
  })

  it('raises the zone-wide login failure ratio from below the threshold to above it when 200 addresses fail twice each', async () => {
    // First a healthy zone: 150 good logins from 75 addresses bring the ratio well below the threshold
    // (the 30 failures of the test above, if it ran, are 30 / 180).
    const good = Array.from({ length: 75 }, (_, a) => a)
    await inBatches(good, 8, async (a) => {
      const ip = `127.3.0.${a + 1}`
      expect(await goodLogin(server.port, ip, 501 + 2 * a)).toBe(200)
      expect(await goodLogin(server.port, ip, 502 + 2 * a)).toBe(200)
    })
    const before = await zoneUntil((z) => z.successes10m >= 150 && z.ratioFeature !== undefined && z.ratioFeature <= 0.3)
    expect(before.successes10m).toBeGreaterThanOrEqual(150)
    expect(before.ratioFeature).toBeDefined()
    expect(before.ratioFeature!).toBeLessThanOrEqual(0.3)

    // Then the spread: 200 new addresses, 2 failed logins each, no cookie — no address stands out.
    const spread = Array.from({ length: 200 }, (_, a) => a)
    await inBatches(spread, 8, async (a) => {
      const ip = `127.1.${Math.floor(a / 250)}.${(a % 250) + 1}`
      expect(await failedLogin(server.port, ip, 100 + a)).toBe(401)
      expect(await failedLogin(server.port, ip, 300 + a)).toBe(401)
    })
    const after = await zoneUntil(
      (z) => z.failures10m >= before.failures10m + 400 && z.newIps10m >= before.newIps10m + 200 && (z.ratioFeature ?? 0) >= ZONE_THRESHOLD,
      90_000,
    )
    expect(after.failures10m - before.failures10m).toBeGreaterThanOrEqual(400)
    expect(after.newIps10m - before.newIps10m).toBeGreaterThanOrEqual(200)
    expect(before.ratioFeature!).toBeLessThan(ZONE_THRESHOLD)
    expect(after.ratioFeature).toBeGreaterThanOrEqual(ZONE_THRESHOLD)

    // A cookie-less login now meets the zone-wide rule (alone it only adds risk).
    await failedLogin(server.port, '127.4.0.1', 999)
    const next = await waitForLog(server, (l) => l.path === '/login' && l.ip === '127.4.0.1')
    expect(next.rules).toContain('zone_under_login_attack')
  }, 300_000)
})
