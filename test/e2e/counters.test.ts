// Journey counters through the real `npm start`: many usernames from one 127.x address,
// and a low-and-slow spread over 200 addresses raising the zone-wide failure ratio. Runs in
// shadow mode so every attempt reaches the demo origin and its outcome is counted.
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevServer, waitForLog, type DevServer } from './support/devServer'

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'

function send(port: number, localAddress: string, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': UA, accept: 'text/html' }
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, localAddress, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const failedLogin = (port: number, ip: string, n: number) =>
  send(port, ip, 'POST', '/login', `username=user${String(n).padStart(4, '0')}%40example.com&password=wrong-${n}`)

describe('journey counters through npm start', () => {
  let server: DevServer
  beforeAll(async () => {
    server = await startDevServer({ config: { version: 'e2e-counters', mode: 'shadow' } })
  })
  afterAll(async () => server?.stop())

  it('counts 30 failed logins for 30 usernames from one address on that device and IP', async () => {
    const ip = '127.0.42.7'
    for (let n = 1; n <= 30; n++) expect(await failedLogin(server.port, ip, n)).toBe(401)
    // Outcomes are counted after the response (waitUntil); the next request reads them.
    await new Promise((r) => setTimeout(r, 300))
    await send(server.port, ip, 'GET', '/products/9')
    const line = await waitForLog(server, (l) => l.path === '/products/9' && l.ip === ip)
    const f = line.features as Record<string, number>
    expect(f.ip_failed_logins_10m).toBe(30)
    expect(f.device_failed_logins_10m).toBe(30)
    expect(f.ip_distinct_users_10m).toBe(30)
    expect(f.device_distinct_users_10m).toBe(30)
    // In enforce mode the default credential-stuffing rule would have stopped it early.
    const attempts = server.logLines().filter((l) => l.ip === ip && l.path === '/login')
    const firstBlock = attempts.findIndex((l) => l.would_action === 'block') // -1: never
    expect(firstBlock).toBeGreaterThanOrEqual(0)
    expect(firstBlock + 1).toBeLessThanOrEqual(5)
  })

  it('raises the zone-wide login failure ratio when 200 addresses fail twice each', async () => {
    for (let a = 0; a < 200; a++) {
      const ip = `127.1.${Math.floor(a / 250)}.${(a % 250) + 1}`
      await failedLogin(server.port, ip, 100 + a)
      await failedLogin(server.port, ip, 400 + a)
    }
    // Zone figures are batched per isolate and flushed every few seconds.
    const deadline = Date.now() + 30_000
    let ratio: number | undefined
    while (Date.now() < deadline && !(ratio !== undefined && ratio >= 0.9)) {
      await new Promise((r) => setTimeout(r, 1000))
      await send(server.port, '127.2.0.1', 'GET', '/products/10')
      const lines = server.logLines().filter((l) => l.path === '/products/10')
      ratio = (lines.at(-1)?.features as Record<string, number> | undefined)?.zone_login_failure_ratio_10m
    }
    expect(ratio).toBeGreaterThanOrEqual(0.9)
  })
})
