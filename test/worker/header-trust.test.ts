// Header trust inside workerd: CF-Connecting-IP is the client; X-Forwarded-For, True-Client-IP,
// X-Real-IP, Forwarded and x-edgeward-* sent by a client change no counter key, no decision, no list hit.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, test } from 'vitest'
import { counterName } from '../../src/counters/keys'
import { callWorker, clearConfig, ownSite, writeConfig, type Call } from '../support/worker'

afterEach(clearConfig)

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
const BROWSER = { 'user-agent': UA, accept: 'text/html', 'accept-language': 'en' }

/** What a client might send to pose as another address or to talk to the origin in our name. */
const SPOOF: Record<string, string> = {
  'x-forwarded-for': '192.0.2.10, 10.0.0.1',
  'true-client-ip': '192.0.2.11',
  'x-real-ip': '192.0.2.12',
  forwarded: 'for=192.0.2.13;proto=https',
  'x-edgeward-risk': '0.000',
  'x-edgeward-action': 'allow',
  'x-edgeward-reasons': 'trusted',
  'x-edgeward-device': 'AAAAAAAAAAAAAAAAAAAAAA',
  'x-edgeward-test-cf': JSON.stringify({ asn: 15169, country: 'US', botManagement: { verifiedBot: true, score: 99 } }),
  'X-EdgeWard-Anything': 'x',
}
const SPOOFED_IPS = ['192.0.2.10', '10.0.0.1', '192.0.2.11', '192.0.2.12', '192.0.2.13']

let subnet = 10
/** A client address in a /24 no other test uses, so its counters start at zero. */
const freshIp = (): string => `198.18.${subnet++}.9`

interface Step {
  readonly path: string
  readonly init: (user: string) => RequestInit
}
const JOURNEY: readonly Step[] = [
  { path: '/', init: () => ({ headers: BROWSER }) },
  { path: '/login', init: () => ({ headers: BROWSER }) },
  { path: '/login', init: (u) => ({ method: 'POST', body: `username=${u}&password=wrong-1`, headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' } }) },
  { path: '/login', init: (u) => ({ method: 'POST', body: JSON.stringify({ username: u, password: 'wrong-2' }), headers: { ...BROWSER, 'content-type': 'application/json' } }) },
  { path: '/products/3', init: () => ({ headers: { 'user-agent': 'curl/8.5.0' } }) },
  { path: '/login', init: (u) => ({ method: 'POST', body: `username=${u}&password=x`, headers: { 'user-agent': 'curl/8.5.0', 'content-type': 'application/x-www-form-urlencoded' } }) },
]

async function walk(ip: string, user: string, extra: Record<string, string>): Promise<Call[]> {
  const calls: Call[] = []
  for (const step of JOURNEY) {
    const init = step.init(user)
    const headers = new Headers(init.headers)
    for (const [k, val] of Object.entries(extra)) headers.set(k, val)
    calls.push(await callWorker(step.path, { ...init, headers }, { clientIp: ip, reply: (s) => (s.method === 'POST' ? new Response('no', { status: 401 }) : new Response('ok')) }))
  }
  return calls
}

/** The decision part of a log line: everything but the per-request id, time, client address, host and username hash. */
function decisionOf(line: Record<string, unknown> | undefined): Record<string, unknown> {
  const { ts: _ts, ref: _ref, ip: _ip, user: _user, host: _host, features, ...rest } = line ?? {}
  const { zone_login_failure_ratio_10m: _zone, ...f } = (features ?? {}) as Record<string, number>
  return { ...rest, features: f }
}

const peekIp = (ip: string) => env.COUNTERS.get(env.COUNTERS.idFromName(counterName('ip', ip))).peek(Date.now())

describe('client identity', () => {
  // A generous counters budget: this file is about trust, and a cold object must not make a run differ.
  beforeEach(() => writeConfig({ version: 'trust', counters: { budget_ms: 1000 } }))

  it('decides the same journey the same way with and without spoofed address headers', async () => {
    // Each walk on a site of its own: the first one's refused sign-ins must not weigh on the second's.
    ownSite('trust-plain')
    const plain = await walk(freshIp(), 'plain@example.com', {})
    ownSite('trust-spoofed')
    const spoofed = await walk(freshIp(), 'spoofed@example.com', SPOOF)
    expect(plain.map((c) => c.logs.length)).toEqual(JOURNEY.map(() => 1))
    expect(spoofed.map((c) => decisionOf(c.logs[0]))).toEqual(plain.map((c) => decisionOf(c.logs[0])))
    expect(spoofed.map((c) => c.response.status)).toEqual(plain.map((c) => c.response.status))
    // The journey did something worth comparing: a rule fired and the counters were read.
    expect(plain.some((c) => (c.logs[0]?.rules as string[]).length > 0)).toBe(true)
    expect(plain.every((c) => c.logs[0]?.counters === 'ok')).toBe(true)
  })

  it('counts a spoofing client under its CF-Connecting-IP only, never under an address it claims', async () => {
    const ip = freshIp()
    const calls = await walk(ip, 'counted@example.com', SPOOF)
    expect(calls.every((c) => c.logs[0]?.ip === ip)).toBe(true)
    expect((await peekIp(ip)).counts.requests['10m']).toBe(JOURNEY.length)
    for (const claimed of SPOOFED_IPS) expect((await peekIp(claimed)).counts.requests['24h']).toBe(0)
  })

  it('counts two clients that claim the same X-Forwarded-For apart', async () => {
    const [a, b] = [freshIp(), freshIp()]
    for (const ip of [a, b, a]) await callWorker('/products/1', { headers: { ...BROWSER, 'x-forwarded-for': '192.0.2.77' } }, { clientIp: ip })
    expect([(await peekIp(a)).counts.requests['10m'], (await peekIp(b)).counts.requests['10m']]).toEqual([2, 1])
  })

  test.each(['x-forwarded-for', 'true-client-ip', 'x-real-ip', 'forwarded'])('does not let %s borrow an allow-listed address', async (header) => {
    await writeConfig({ version: 'trust-allow', counters: { budget_ms: 1000 }, allow: { ips: ['192.0.2.0/24'], asns: [] } })
    const value = header === 'forwarded' ? 'for=192.0.2.1' : '192.0.2.1'
    const { response, logs } = await callWorker('/login', { method: 'POST', body: 'username=a&password=b', headers: { 'user-agent': 'curl/8.5.0', 'content-type': 'application/x-www-form-urlencoded', [header]: value } }, { clientIp: freshIp() })
    expect(logs[0]?.source).not.toBe('allow_list')
    expect(response.status).toBe(403)
  })

  test.each(['x-forwarded-for', 'true-client-ip', 'x-real-ip', 'forwarded'])('does not let %s escape a deny-listed address', async (header) => {
    const ip = freshIp()
    await writeConfig({ version: 'trust-deny', counters: { budget_ms: 1000 }, deny: { ips: [ip], asns: [] } })
    const { response, logs, seen } = await callWorker('/products/1', { headers: { ...BROWSER, [header]: '192.0.2.1' } }, { clientIp: ip })
    expect(response.status).toBe(403)
    expect(logs[0]).toMatchObject({ action: 'block', source: 'deny_list', ip })
    expect(seen).toHaveLength(0)
  })

  it('does not block a client whose spoofed header names a deny-listed address', async () => {
    await writeConfig({ version: 'trust-deny-2', counters: { budget_ms: 1000 }, deny: { ips: ['192.0.2.0/24'], asns: [] } })
    const { response, logs } = await callWorker('/products/1', { headers: { ...BROWSER, 'x-forwarded-for': '192.0.2.5', 'x-real-ip': '192.0.2.5', 'true-client-ip': '192.0.2.5' } }, { clientIp: freshIp() })
    expect(response.status).toBe(200)
    expect(logs[0]?.source).not.toBe('deny_list')
  })
})

describe('what the origin is told', () => {
  it('passes the address headers on exactly as sent (Forwarded is edgeward’s own, replacing the client’s), and only edgeward’s own x-edgeward-* values', async () => {
    const ip = freshIp()
    const { seen, logs } = await callWorker('/products/2', { headers: { ...BROWSER, ...SPOOF } }, { clientIp: ip })
    const h = seen[0]?.headers
    expect([h?.get('x-forwarded-for'), h?.get('true-client-ip'), h?.get('x-real-ip')]).toEqual([SPOOF['x-forwarded-for'], SPOOF['true-client-ip'], SPOOF['x-real-ip']])
    // To a URL origin the Forwarded header is the proxy's own (worker/origin/proxyHeaders.ts): the client's claim is dropped.
    expect(h?.get('forwarded')).toContain(`for=${ip}`)
    expect(h?.get('forwarded')).not.toContain(SPOOF.forwarded)
    const ours = [...(h?.keys() ?? [])].filter((n) => n.startsWith('x-edgeward-')).sort()
    expect(ours).toEqual(['x-edgeward-action', 'x-edgeward-risk'].concat((logs[0]?.reasons as string[]).length > 0 ? ['x-edgeward-reasons'] : []).sort())
    expect(h?.get('x-edgeward-risk')).toBe((logs[0]?.risk as number).toFixed(3))
    expect(h?.get('x-edgeward-reasons')).not.toBe('trusted')
    expect(h?.get('x-edgeward-device')).toBeNull()
  })

  it('sends no x-edgeward-* header at all when origin headers are off, whatever the client sent', async () => {
    await writeConfig({ version: 'no-origin-headers', origin_headers: { enabled: false } })
    const { seen } = await callWorker('/products/2', { headers: { ...BROWSER, ...SPOOF } }, { clientIp: freshIp() })
    expect([...(seen[0]?.headers.keys() ?? [])].filter((n) => n.startsWith('x-edgeward-'))).toEqual([])
  })

  it('ignores the dev-only test header unless the flag is set, so a client cannot pose as a verified bot', async () => {
    const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'
    const { response, logs } = await callWorker('/products/2', { headers: { 'user-agent': googlebot, 'x-edgeward-test-cf': SPOOF['x-edgeward-test-cf'] as string } }, { clientIp: freshIp() })
    expect(response.status).toBe(403)
    expect(logs[0]).toMatchObject({ action: 'block', asn: null })
  })
})
