// Property tests of the whole Worker inside workerd: random methods, paths, headers, cookies and bodies
// through the real fetch handler. Never a 5xx of our own, always exactly one log line (sdk.js/health: none).
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { normalisePath } from '../../src/signals/path'
import { COLLECT_PROBLEMS } from '../../worker/routes/collect'
import telemetry from '../fixtures/tokens/telemetry-valid.json'
import { callWorker, clearConfig } from '../support/worker'

afterAll(clearConfig)

const UNLOGGED = new Set(['GET /__edgeward/sdk.js', 'GET /__edgeward/health', 'HEAD /__edgeward/health', 'HEAD /__edgeward/sdk.js'])

const segment = fc.oneof(
  fc.constantFrom('', '.', '..', '%2e%2e', '%2f', '%5c', '%00', '%ff', '%c3%28', '%', '%zz', ';x=1', '__edgeward', '__EDGEWARD', '%5f%5fedgeward', 'admin', 'collect', 'sdk.js', 'health', 'challenge', 'verify', 'login', 'signup', 'checkout', 'cart', 'api', 'static', 'products', '1', 'password-reset', 'profile', 'transfer'),
  fc.webSegment(),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map(encodeURIComponent),
)
const path = fc.tuple(fc.array(segment, { maxLength: 6 }), fc.option(fc.webQueryParameters(), { nil: undefined })).map(([segs, q]) => `/${segs.join('/')}${q === undefined ? '' : `?${q}`}`)
const method = fc.constantFrom('GET', 'GET', 'POST', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS')
const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).map((s) => s.replace(/[\r\n\0]/g, ' '))
const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom('user-agent', 'accept', 'accept-language', 'content-type', 'cookie', 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'sec-fetch-site', 'sec-fetch-mode', 'x-forwarded-for', 'authorization', 'x-edgeward-test-cf', 'x-edgeward-risk', 'origin', 'referer', 'content-length', 'cf-ray'),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
  ),
  fc.oneof(
    headerValue,
    fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/html', 'curl/8.5.0', 'Mozilla/5.0 (compatible; Googlebot/2.1)', 'Bearer test-admin-token', '__edgeward=a.b.c', '{"asn":16509}', 'cross-site', '-1', '99999999999'),
  ),
  { maxKeys: 8 },
)
const body = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ maxLength: 2000 }),
  fc.json().map((j) => new TextEncoder().encode(j)),
  fc.constant(new TextEncoder().encode(JSON.stringify(telemetry))),
  fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 })).map(([u, p]) => new TextEncoder().encode(new URLSearchParams({ username: u, password: p }).toString())),
)
// A small pool of odd and ordinary addresses: every new address creates Durable Objects, which is slow in tests.
const clientIp = fc.constantFrom('203.0.113.9', '198.51.100.1', '10.0.0.1', '0.0.0.0', '255.255.255.255', '::1', '2001:db8::1', '::ffff:10.0.0.1', 'fe80::1%eth0', '1.2.3', 'unknown', '')
const originReply = fc.constantFrom(200, 201, 204, 302, 304, 401, 402, 404, 409)

describe('the Worker on random requests', () => {
  it('never answers 5xx itself and writes exactly one log line per request', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, headers, body, clientIp, originReply, async (m, p, h, b, ip, status) => {
        let request: Request
        try {
          const init: RequestInit = { method: m, headers: { ...h, 'cf-connecting-ip': ip } }
          if (b !== null && m !== 'GET' && m !== 'HEAD') init.body = b
          request = new Request(new URL(p, 'http://edge.test'), init)
        } catch {
          return // not a request the platform would ever hand us (e.g. a forbidden header value)
        }
        const call = await callWorker(request, {}, { reply: () => new Response(status === 204 || status === 304 ? null : 'origin', { status }) })
        if (call.seen.length === 0) expect(call.response.status).toBeLessThan(500)
        const normalised = new URL(request.url).pathname.toLowerCase()
        expect(call.logs).toHaveLength(UNLOGGED.has(`${m} ${normalised}`) ? 0 : 1)
        await call.response.body?.cancel()
      }),
      { numRuns: 200 },
    )
  }, 120_000)

  it('answers every collect body with 204 or 400, and logs the reason when it refuses', async () => {
    const mutated = fc.tuple(fc.constantFrom(...Object.keys(telemetry)), fc.jsonValue()).map(([k, val]) => new TextEncoder().encode(JSON.stringify({ ...telemetry, [k]: val })))
    await fc.assert(
      fc.asyncProperty(fc.oneof(body, mutated), fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/json; charset=latin1'), async (b, type) => {
        const call = await callWorker('/__edgeward/collect', { method: 'POST', body: b, headers: { 'content-type': type, 'user-agent': 'Mozilla/5.0' } })
        expect([204, 400]).toContain(call.response.status)
        expect(call.logs).toHaveLength(1)
        const detail = String(call.logs[0]?.detail)
        if (call.response.status === 400) {
          expect(COLLECT_PROBLEMS.map((r) => `collect:${r}`)).toContain(detail)
          expect(await call.response.json()).toEqual({ error: 'bad_request' })
        } else expect(detail).toMatch(/^collect:(new_device|refreshed)$/)
      }),
      { numRuns: 200 },
    )
  }, 60_000)

  it('answers 401 to every admin path and method without the right token', async () => {
    const adminPath = fc.array(segment, { maxLength: 3 }).map((segs) => `/__edgeward/admin/${segs.join('/')}`).filter((p) => /^\/__edgeward\/admin(\/|$)/.test(normalisePath(p)))
    const auth = fc.option(fc.oneof(headerValue.map((v) => `Bearer ${v}`), fc.constantFrom('Bearer', 'Bearer ', 'Token test-admin-token', 'Bearer test-admin-token2', 'Bearer test-admin-toke', 'Bearer test-admin-tokeN', 'Basic dGVzdC1hZG1pbi10b2tlbg==')), { nil: undefined })
    await fc.assert(
      fc.asyncProperty(method, adminPath, auth, async (m, p, a) => {
        const call = await callWorker(p, { method: m, headers: a === undefined ? {} : { authorization: a } })
        expect(call.response.status).toBe(401)
        expect(call.seen).toHaveLength(0)
        expect(call.logs).toHaveLength(1)
      }),
      { numRuns: 200 },
    )
  }, 60_000)
})
