// The Worker's own routes through the real Worker (real KV and Durable Objects): a deny-listed IP
// (an IPv6 one by its /64) gets 403 block on collect, challenge and verify, GET sdk.js and health
// stay open and unlogged; collect, challenge, verify and admin auth failures are limited per
// source with 429 + Retry-After and one log line that says why; a page load never comes near.
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { makeDenyEntry } from '../../src/counters/deny'
import { denySource, DENY_MIRROR_PREFIX } from '../../worker/counters/client'
import telemetry from '../fixtures/tokens/telemetry-valid.json'
import { callWorker, clearConfig, writeConfig, type Call } from '../support/worker'

afterEach(clearConfig)

let net = 0
/** A /24 no other test uses. */
const freshNet = (): string => `100.72.${++net}`
const JSON_TYPE = { 'content-type': 'application/json' }
/** The suite runs with the limits off (vitest.config.ts); here they are on, as deployed. */
const LIMITS_ON: Partial<Env> = { EDGEWARD_RESERVED_LIMITS: undefined }
const call = (path: string, init: RequestInit, clientIp: string, extra: Partial<Env> = {}): Promise<Call> => callWorker(path, init, { clientIp, env: { ...LIMITS_ON, ...extra } })
const collect = (clientIp: string, extra: Partial<Env> = {}): Promise<Call> =>
  call('/__edgeward/collect', { method: 'POST', body: JSON.stringify(telemetry), headers: JSON_TYPE }, clientIp, extra)
const PATIENT = { budget_ms: 1000 }

async function denyIp(ip: string): Promise<void> {
  const entry = makeDenyEntry({ kind: 'ip', ip }, 600, 'test', Date.now())
  if (!entry.ok) throw new Error('entry')
  expect(await denySource(env, entry.value, Date.now())).toBe(true)
}

describe('deny list on reserved paths', () => {
  it('blocks a deny-listed IP on collect, challenge and verify with one log line each, and leaves sdk.js and health alone', async () => {
    const ip = `${freshNet()}.9`
    await denyIp(ip)
    for (const [path, init] of [
      ['/__edgeward/collect', { method: 'POST', body: JSON.stringify(telemetry), headers: JSON_TYPE }],
      ['/__edgeward/challenge?return=%2F', {}],
      ['/__edgeward/challenge/verify', { method: 'POST', body: 'challenge=x&solution=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['/__edgeward/nothing-here', {}],
    ] as const) {
      const answer = await call(path, init as RequestInit, ip)
      expect(answer.response.status, path).toBe(403)
      expect(answer.response.headers.get('edgeward-mitigated')).toBe('block')
      expect(answer.response.headers.get('set-cookie')).toBeNull()
      expect(answer.logs).toHaveLength(1)
      expect(answer.logs[0]).toMatchObject({ route: 'edgeward', action: 'block', source: 'deny_list', reasons: ['deny_ip'], detail: 'deny_ip', status: 403 })
      expect(answer.logs[0]?.ref).toBe(answer.response.headers.get('edgeward-ref'))
    }
    for (const path of ['/__edgeward/sdk.js', '/__edgeward/health']) {
      const answer = await call(path, {}, ip)
      expect(answer.response.status, path).toBe(200)
      expect(answer.logs).toHaveLength(0)
    }
    expect((await collect(`${freshNet()}.9`)).response.status).toBe(204) // another address is not affected
  })

  it('blocks every address of a deny-listed IPv6 /64, and none of the next /64', async () => {
    const n = ++net
    await denyIp(`2001:db8:${n}:1::77`)
    expect((await collect(`2001:db8:${n}:1:ffff:1234:5678:9abc`)).response.status).toBe(403)
    expect((await collect(`2001:db8:${n}:2::77`)).response.status).toBe(204)
  })

  it('blocks from the KV mirror when the counters object is down (fails closed), and lets collect through when nothing is listed (limits fail open)', async () => {
    const ip = `${freshNet()}.3`
    const expiresAt = Date.now() + 600_000
    await env.EDGEWARD_CONFIG.put(`${DENY_MIRROR_PREFIX}${JSON.stringify(['ip', ip])}`, JSON.stringify({ kind: 'ip', reason: 'test', expires_at: expiresAt }))
    const hang = { observe: () => new Promise(() => {}), record: () => new Promise(() => {}), deny: () => Promise.resolve(), undeny: () => Promise.resolve(false) }
    const COUNTERS = { idFromName: (n: string) => env.COUNTERS.idFromName(n), get: () => hang } as unknown as Env['COUNTERS']
    await writeConfig({ version: 'mirror-patient', counters: { budget_ms: 25 } })
    // The mirror's own budget is 5 ms: a cold local KV read may miss it once, then its late answer is cached.
    let status = 0
    for (let i = 0; i < 5 && status !== 403; i++) status = (await collect(ip, { COUNTERS })).response.status
    expect(status).toBe(403)
    const open = await collect(`${freshNet()}.3`, { COUNTERS })
    expect(open.response.status).toBe(204)
  }, 30_000)
})

describe('per-source limits on reserved paths', () => {
  const limits = (over: Record<string, number>) => writeConfig({ version: 'reserved-limits', counters: PATIENT, reserved_limits: over })

  it('rate-limits collect per IP past the limit, with Retry-After and one line that says why', async () => {
    await limits({ collect_per_ip_1m: 3 })
    const ip = `${freshNet()}.5`
    for (let i = 0; i < 3; i++) expect((await collect(ip)).response.status).toBe(204)
    const answer = await collect(ip)
    expect(answer.response.status).toBe(429)
    expect(answer.response.headers.get('edgeward-mitigated')).toBe('rate_limit')
    expect(answer.response.headers.get('retry-after')).toBe('60')
    expect(answer.response.headers.get('set-cookie')).toBeNull()
    expect(answer.logs).toHaveLength(1)
    expect(answer.logs[0]).toMatchObject({ action: 'rate_limit', reasons: ['reserved_limit:collect:ip'], detail: 'reserved_limit:collect:ip', status: 429 })
    expect((await collect(`${freshNet()}.5`)).response.status).toBe(204)
  }, 30_000)

  it('rate-limits collect per /24 across addresses', async () => {
    await limits({ collect_per_ip_1m: 100, collect_per_prefix_1m: 4 })
    const n = freshNet()
    for (let i = 1; i <= 4; i++) expect((await collect(`${n}.${i}`)).response.status).toBe(204)
    const answer = await collect(`${n}.5`)
    expect(answer.response.status).toBe(429)
    expect(answer.logs[0]?.detail).toBe('reserved_limit:collect:prefix')
  }, 30_000)

  it('rate-limits the challenge page and verify per IP', async () => {
    await limits({ challenge_per_ip_1m: 2, verify_per_ip_1m: 2 })
    const ip = `${freshNet()}.6`
    const page = () => call('/__edgeward/challenge?return=%2F', {}, ip)
    expect((await page()).response.status).toBe(200)
    expect((await page()).response.status).toBe(200)
    const third = await page()
    expect(third.response.status).toBe(429)
    expect(third.logs[0]?.detail).toBe('reserved_limit:challenge:ip')
    const verify = () => call('/__edgeward/challenge/verify', { method: 'POST', body: 'challenge=x&solution=1', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://edge.test' } }, ip)
    expect((await verify()).response.status).toBe(403) // refused: a bad answer, not a limit
    expect((await verify()).response.status).toBe(403)
    const last = await verify()
    expect(last.response.status).toBe(429)
    expect(last.logs[0]?.detail).toBe('reserved_limit:verify:ip')
  }, 30_000)

  it('stops admin token guessing after the limit, whatever the next token, and counts only failures', async () => {
    await limits({ admin_failures_per_ip_10m: 3 })
    const ip = `${freshNet()}.7`
    const admin = (token: string) => call('/__edgeward/admin/stats', { headers: { authorization: `Bearer ${token}` } }, ip)
    for (let i = 0; i < 5; i++) expect((await admin('test-admin-token')).response.status).toBe(200) // successes are not counted
    for (let i = 0; i < 3; i++) expect((await admin(`guess-${i}`)).response.status).toBe(401)
    const answer = await admin('test-admin-token')
    expect(answer.response.status).toBe(429)
    expect(answer.response.headers.get('retry-after')).toBe('600')
    expect(answer.logs[0]).toMatchObject({ action: 'rate_limit', detail: 'reserved_limit:admin_auth:ip' })
    expect((await call('/__edgeward/admin/stats', { headers: { authorization: 'Bearer test-admin-token' } }, `${freshNet()}.7`)).response.status).toBe(200)
  }, 30_000)

  it('checks at most the limit of concurrent wrong tokens, through the admin API and the console form alike', async () => {
    await limits({ admin_failures_per_ip_10m: 3 })
    const api = `${freshNet()}.7`
    const guesses = await Promise.all(Array.from({ length: 40 }, (_, i) => call('/__edgeward/admin/stats', { headers: { authorization: `Bearer guess-${i}` } }, api)))
    const statuses = guesses.map((g) => g.response.status)
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(37)
    const form = `${freshNet()}.7`
    const site = 'http://edge.test'
    const posts = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call('/__edgeward/console/session', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: site, 'sec-fetch-site': 'same-origin' }, body: `token=guess-${i}` }, form),
      ),
    )
    expect(posts.filter((g) => g.response.status === 401).length).toBeLessThanOrEqual(3)
    expect(posts.filter((g) => g.response.status === 429).length).toBeGreaterThanOrEqual(37)
    // Right tokens, even many at once, are taken back: they never use up the budget.
    const ok = `${freshNet()}.7`
    const rights = await Promise.all(Array.from({ length: 3 }, () => call('/__edgeward/admin/stats', { headers: { authorization: 'Bearer test-admin-token' } }, ok)))
    expect(rights.map((r) => r.response.status)).toEqual([200, 200, 200])
    for (let i = 0; i < 5; i++) expect((await call('/__edgeward/admin/stats', { headers: { authorization: 'Bearer test-admin-token' } }, ok)).response.status).toBe(200)
  }, 60_000)

  it('in shadow mode records what it would do and answers as usual', async () => {
    await writeConfig({ version: 'reserved-shadow', mode: 'shadow', counters: PATIENT, reserved_limits: { collect_per_ip_1m: 1 } })
    const ip = `${freshNet()}.8`
    expect((await collect(ip)).response.status).toBe(204)
    const answer = await collect(ip)
    expect(answer.response.status).toBe(204)
    expect(answer.logs[0]).toMatchObject({ action: 'allow', would_action: 'rate_limit', reasons: ['reserved_limit:collect:ip'], detail: 'collect:new_device' })
  }, 30_000)

  it('leaves a browser\'s page loads far below the bundled limits: ten people behind one address, each with two collects, a challenge and a verify', async () => {
    await writeConfig({ version: 'reserved-defaults', counters: PATIENT })
    const ip = `${freshNet()}.10`
    for (let person = 0; person < 10; person++) {
      expect((await collect(ip)).response.status).toBe(204)
      expect((await collect(ip)).response.status).toBe(204)
      expect((await call('/__edgeward/challenge?return=%2F', {}, ip)).response.status).toBe(200)
      const verify = await call('/__edgeward/challenge/verify', { method: 'POST', body: 'challenge=x&solution=1', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://edge.test' } }, ip)
      expect(verify.response.status).toBe(403)
    }
  }, 60_000)
})
