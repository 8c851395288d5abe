// Unblocking a source through the admin API (POST /__edgeward/admin/unblock): the entry is lifted
// AND the counts that listed it are forgotten, so the next request is judged afresh. DELETE on the
// deny list alone leaves the counts: the next login trips credential_stuffing again. Every kind
// `npm run unblock` takes (ip, device, user + ip) is lifted here.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deviceCookie } from '../support/journey'
import { callWorker, clearConfig, loadForm, ownSite, signInPeople, writeConfig, type Call } from '../support/worker'

afterEach(clearConfig)
// Each test a site of its own, with people signing in: what lists the source is the per-source rule.
let sites = 0
beforeEach(() => ownSite(`unblock${++sites}`))

const ADMIN = { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' }
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
/** The model's thresholds out of reach, counters given time: what lists the source is the stuffing rule. */
const CONFIG = {
  version: 'unblock-test',
  thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } },
  counters: { budget_ms: 1000 },
}
const DEMO = { env: { ORIGIN_URL: 'demo' } }

let net = 0
const login = (ip: string, user: number, password: string): Promise<Call> =>
  callWorker('/login', { method: 'POST', headers: FORM, body: `username=user${String(user).padStart(4, '0')}%40example.com&password=${password}` }, { ...DEMO, clientIp: ip })
const admin = (path: string, method: string, body?: unknown) =>
  callWorker(`/__edgeward/admin/${path}`, { method, headers: ADMIN, body: body === undefined ? undefined : JSON.stringify(body) })

/** Stuffs from `ip` until credential_stuffing blocks it and lists it. */
async function stuff(ip: string): Promise<void> {
  await signInPeople(10)
  await loadForm(ip, DEMO)
  for (let i = 1; i <= 8; i++) {
    const call = await login(ip, 100 + i, 'wrong')
    if (call.logs[0]?.rules instanceof Array && (call.logs[0].rules as string[]).includes('credential_stuffing')) break
  }
  const next = await callWorker('/products/1', {}, { ...DEMO, clientIp: ip })
  expect(next.response.status).toBe(403)
  expect(next.logs[0]?.reasons).toContain('deny_ip')
}

describe('unblocking a source that credential stuffing listed', () => {
  it('lifts the entry and forgets its counts: the next plain request and a right password are allowed', async () => {
    await writeConfig(CONFIG)
    const ip = `100.90.${++net}.7`
    await stuff(ip)
    const r = await admin('unblock', 'POST', { kind: 'ip', value: ip })
    expect(r.response.status).toBe(200)
    expect(await r.response.json()).toEqual({ lifted: true, forgot: [`ip:${ip}`] })
    const page = await callWorker('/products/1', {}, { ...DEMO, clientIp: ip })
    expect(page.response.status).toBe(200)
    expect(page.logs[0]).toMatchObject({ action: 'allow' })
    expect((page.logs[0]?.features as Record<string, number>).ip_requests_1m).toBe(1)
    const ok = await login(ip, 7, 'pass-0007')
    expect(ok.response.status).toBe(200)
    expect(ok.logs[0]?.rules).not.toContain('credential_stuffing')
    const list = await admin('denylist', 'GET')
    expect(JSON.stringify(await list.response.json())).not.toContain(ip)
  })

  it('after DELETE alone, the counts are still there: the next login is listed again', async () => {
    await writeConfig(CONFIG)
    const ip = `100.90.${++net}.7`
    await stuff(ip)
    const del = await callWorker(`/__edgeward/admin/denylist?kind=ip&value=${ip}`, { method: 'DELETE', headers: ADMIN })
    expect(del.response.status).toBe(200)
    const again = await login(ip, 200, 'wrong')
    expect(again.response.status).toBe(403)
    expect(again.logs[0]?.rules).toContain('credential_stuffing')
  })

  it('answers 200 with lifted: false when no entry is listed (the counts are still forgotten)', async () => {
    const ip = `100.90.${++net}.8`
    const r = await admin('unblock', 'POST', { kind: 'ip', value: ip })
    expect(r.response.status).toBe(200)
    expect(await r.response.json()).toEqual({ lifted: false, forgot: [`ip:${ip}`] })
  })

  it('lifts a device entry (npm run unblock -- device <id>): that browser is let back in', async () => {
    await writeConfig(CONFIG)
    const ip = `100.90.${++net}.9`
    const { cookie, device } = await deviceCookie(ip)
    const page = (n: number) => callWorker(`/products/${n}`, { headers: { cookie } }, { ...DEMO, clientIp: ip })
    const listed = await admin('denylist', 'POST', { kind: 'device', value: device, ttl_s: 600, reason: 'manual' })
    expect(listed.response.status).toBe(201)
    const blocked = await page(1)
    expect(blocked.response.status).toBe(403)
    expect(blocked.logs[0]?.reasons).toContain('deny_device')
    const r = await admin('unblock', 'POST', { kind: 'device', value: device })
    expect(r.response.status).toBe(200)
    expect(await r.response.json()).toEqual({ lifted: true, forgot: [`device:${device}`] })
    const next = await page(2)
    expect(next.response.status).toBe(200)
    expect(next.logs[0]).toMatchObject({ action: 'allow', device })
  })

  it('lifts a user-from-address entry (npm run unblock -- user <hash> <ip>): forgets the username and the address', async () => {
    await writeConfig(CONFIG)
    const ip = `100.90.${++net}.10`
    await loadForm(ip, DEMO)
    const first = await login(ip, 42, 'wrong')
    const user = first.logs[0]?.user
    expect(typeof user).toBe('string')
    const listed = await admin('denylist', 'POST', { kind: 'user_ip', value: { user, ip }, ttl_s: 600, reason: 'manual' })
    expect(listed.response.status).toBe(201)
    const blocked = await login(ip, 42, 'pass-0042')
    expect(blocked.response.status).toBe(403)
    const r = await admin('unblock', 'POST', { kind: 'user_ip', value: { user, ip } })
    expect(r.response.status).toBe(200)
    expect(await r.response.json()).toEqual({ lifted: true, forgot: [`user:${String(user)}`, `ip:${ip}`] })
    await loadForm(ip, DEMO) // the address's counts were forgotten: the person reads the form again
    const ok = await login(ip, 42, 'pass-0042')
    expect(ok.response.status).toBe(200)
  })

  it.each([
    ['a missing kind', { value: '192.0.2.1' }],
    ['a bad address', { kind: 'ip', value: 'not-an-ip' }],
    ['not JSON', '{'],
  ])('refuses %s with 400', async (_what, body) => {
    const r = await callWorker('/__edgeward/admin/unblock', { method: 'POST', headers: ADMIN, body: typeof body === 'string' ? body : JSON.stringify(body) })
    expect(r.response.status).toBe(400)
  })

  it('answers 401 without the token and 405 to GET', async () => {
    expect((await callWorker('/__edgeward/admin/unblock', { method: 'POST', body: '{}' })).response.status).toBe(401)
    expect((await admin('unblock', 'GET')).response.status).toBe(405)
  })
})
