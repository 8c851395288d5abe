// POST /__edgeward/collect and GET /__edgeward/sdk.js inside workerd, mounted on a tiny Hono app:
// valid telemetry → 204 + a correct Set-Cookie whose token verifies; anything else → 400, no cookie.
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { describe, expect, it, test } from 'vitest'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { readDeviceCookie } from '../../src/signals/deviceCookie'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { collectOutcome, collectRoutes } from '../../worker/routes/collect'
import { sdkRoutes } from '../../worker/routes/sdk'
import { SDK_ETAG } from '../../worker/sdk/sdk.generated'
import telemetry from '../fixtures/tokens/telemetry-valid.json'

const TEST_ENV = env as unknown as Env
const app = new Hono<{ Bindings: Env }>()
app.route('/', sdkRoutes)
app.route('/', collectRoutes)

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'
const IP = '198.51.100.23'
const URL_HTTPS = 'https://shop.example.test/__edgeward/collect'

function post(body: BodyInit | null, headers: Record<string, string> = {}, url = URL_HTTPS): Request {
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': UA, 'cf-connecting-ip': IP, ...headers },
    body,
  })
}

const good = (over: Record<string, unknown> = {}): string => JSON.stringify({ ...telemetry, ...over })
const call = (req: Request, e: Env = TEST_ENV): Promise<Response> => Promise.resolve(app.fetch(req, e))

async function verifyFrom(res: Response, ua = UA, ip = IP) {
  const token = readDeviceCookie(res.headers.get('set-cookie')?.split(';')[0])
  return verifyDeviceToken(token, await loadCookieKeys(TEST_ENV.EDGEWARD_COOKIE_KEYS), { now: Date.now(), ...(await bindingHashes(ua, ip)) })
}

describe('POST /__edgeward/collect with valid telemetry', () => {
  it('answers 204 with a Secure, HttpOnly, SameSite=Lax device cookie whose token verifies', async () => {
    const req = post(good())
    const res = await call(req)
    expect(res.status).toBe(204)
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^__edgeward=[\w-]+\.[\w-]+\.[\w-]+; /)
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/', 'Max-Age=2592000']) expect(cookie.split('; ')).toContain(attr)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const state = await verifyFrom(res)
    expect(state).toMatchObject({ kind: 'valid', replayed: false, telemetry: { keyCount: 29, phase: 'submit', webdriver: false } })
    expect(collectOutcome(req)).toMatchObject({ ok: true, newDevice: true, previous: 'missing' })
  })

  it('leaves Secure off only on plain-http loopback', async () => {
    const res = await call(post(good(), {}, 'http://127.0.0.1:8787/__edgeward/collect'))
    expect(res.status).toBe(204)
    expect(res.headers.get('set-cookie')?.split('; ')).not.toContain('Secure')
    const plain = await call(post(good(), {}, 'http://shop.example.test/__edgeward/collect'))
    expect(plain.headers.get('set-cookie')?.split('; ')).toContain('Secure')
  })

  it('keeps the device id and first-seen time of a valid cookie', async () => {
    const first = await call(post(good({ phase: 'load', timeToSubmitMs: null })))
    const before = await verifyFrom(first)
    const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? ''
    const second = await call(post(good(), { cookie: `other=1; ${cookie}` }))
    const after = await verifyFrom(second)
    if (before.kind !== 'valid' || after.kind !== 'valid') throw new Error('expected valid cookies')
    expect(after.deviceId).toBe(before.deviceId)
    expect(after.firstSeen).toBe(before.firstSeen)
    expect(after.telemetry?.phase).toBe('submit')
  })

  it('gives a new device id when the cookie comes from another client (replay)', async () => {
    const first = await call(post(good()))
    const before = await verifyFrom(first)
    const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? ''
    const req = post(good(), { cookie, 'cf-connecting-ip': '192.0.2.9' })
    const after = await verifyFrom(await call(req), UA, '192.0.2.9')
    if (before.kind !== 'valid' || after.kind !== 'valid') throw new Error('expected valid cookies')
    expect(after.deviceId).not.toBe(before.deviceId)
    expect(collectOutcome(req)).toMatchObject({ ok: true, newDevice: true, previous: 'replayed' })
  })

  it('replaces a forged cookie with a fresh one', async () => {
    const req = post(good(), { cookie: '__edgeward=eyJhbGciOiJub25lIn0.e30.' })
    const res = await call(req)
    expect(res.status).toBe(204)
    expect((await verifyFrom(res)).kind).toBe('valid')
    expect(collectOutcome(req)).toMatchObject({ ok: true, previous: 'invalid' })
  })

  it('issues no cookie (and never a built-in key) when the key set is missing or broken', async () => {
    for (const keys of [undefined, 'not json', '{"keys":[]}']) {
      const req = post(good())
      const res = await call(req, { ...TEST_ENV, EDGEWARD_COOKIE_KEYS: keys })
      expect(res.status).toBe(204)
      expect(res.headers.get('set-cookie')).toBeNull()
      expect(collectOutcome(req)).toMatchObject({ ok: false, reason: 'no_keys' })
    }
  })
})

function stream(total: number, chunk = 1024): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    pull(ctrl) {
      if (sent >= total) return ctrl.close()
      const n = Math.min(chunk, total - sent)
      ctrl.enqueue(new TextEncoder().encode(' '.repeat(n)))
      sent += n
    },
  })
}

const NESTED = `${'['.repeat(6000)}${']'.repeat(6000)}`
const bad: ReadonlyArray<readonly [string, () => Request]> = [
  ['deep nesting (arrays)', () => post(NESTED)],
  ['deep nesting inside a field', () => post(good().replace('"screen":{', `"screen":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)},"x":{`))],
  ['NaN as a string', () => post(good({ keyCount: 'NaN' }))],
  ['NaN as a bare token', () => post(good().replace('"keyCount":29', '"keyCount":NaN'))],
  ['Infinity via 1e999', () => post(good().replace('"keyIntervalMeanMs":142.5', '"keyIntervalMeanMs":1e999'))],
  ['-Infinity via -1e999', () => post(good().replace('"timeOnPageMs":8412.3', '"timeOnPageMs":-1e999'))],
  ['a negative timing', () => post(good({ timeOnPageMs: -1 }))],
  ['a negative interval', () => post(good({ keyIntervalSdMs: -0.5 }))],
  ['an out-of-bounds count', () => post(good({ keyCount: 1e9 }))],
  ['a fractional count', () => post(good({ focusChanges: 1.5 }))],
  ['an out-of-bounds hardware concurrency', () => post(good({ hardwareConcurrency: 5000 }))],
  ['a number as a string', () => post(good({ keyCount: '29' }))],
  ['an extra top-level key', () => post(good({ extra: 1 }))],
  ['an extra nested key', () => post(good({ screen: { width: 1, height: 1, colorDepth: 24, pixelRatio: 1, extra: 1 } }))],
  ['a __proto__ key', () => post(good().replace('{', '{"__proto__":{"admin":true},'))],
  ['a missing key', () => post(JSON.stringify({ ...telemetry, webdriver: undefined }))],
  ['an unknown automation marker', () => post(good({ automationMarkers: ['<script>'] }))],
  ['too many languages', () => post(good({ languages: Array.from({ length: 17 }, () => 'en') }))],
  ['a long timezone', () => post(good({ timezone: 'A'.repeat(65) }))],
  ['a timezone with markup', () => post(good({ timezone: '<b>x</b>' }))],
  ['a wrong version', () => post(good({ v: 2 }))],
  ['statistics without enough keys', () => post(good({ keyCount: 1 }))],
  ['a submit time on a load report', () => post(good({ phase: 'load' }))],
  ['a JSON array', () => post('[]')],
  ['JSON null', () => post('null')],
  ['a JSON string', () => post('"hello"')],
  ['not JSON', () => post('v=1&phase=load')],
  ['truncated JSON', () => post(good().slice(0, -3))],
  ['invalid UTF-8', () => post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]))],
  ['an empty body', () => post('')],
  ['no body', () => post(null)],
  ['a 10 MB body', () => post('x'.repeat(10 * 1024 * 1024))],
  ['a 10 MB body with a lying Content-Length', () => post(stream(10 * 1024 * 1024, 65536), { 'content-length': '100' })],
  ['a chunked body over 16 KB with no Content-Length', () => post(stream(17 * 1024))],
  ['valid JSON padded past 16 KB', () => post(good() + ' '.repeat(16 * 1024))],
  ['text/plain', () => post(good(), { 'content-type': 'text/plain' })],
  ['form encoding', () => post(good(), { 'content-type': 'application/x-www-form-urlencoded' })],
  ['no content type', () => new Request(URL_HTTPS, { method: 'POST', body: new Blob([good()]), headers: { 'user-agent': UA } })],
  ['a non-UTF-8 charset', () => post(good(), { 'content-type': 'application/json; charset=iso-8859-1' })],
  ['application/json-seq', () => post(good(), { 'content-type': 'application/json-seq' })],
  ['a cross-site request', () => post(good(), { 'sec-fetch-site': 'cross-site' })],
]

describe('POST /__edgeward/collect with bad input', () => {
  test.each(bad)('answers 400 with a generic error and no cookie for %s', async (_name, make) => {
    const req = make()
    const res = await call(req)
    expect(res.status).toBe(400)
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(await res.json()).toEqual({ error: 'bad_request' })
    expect(collectOutcome(req)).toMatchObject({ ok: false })
  })

  it('accepts a body of exactly 16 KB', async () => {
    const body = good()
    const res = await call(post(body + ' '.repeat(16 * 1024 - new TextEncoder().encode(body).byteLength)))
    expect(res.status).toBe(204)
  })

  it('is not routed for GET', async () => {
    expect((await call(new Request(URL_HTTPS))).status).toBe(404)
  })
})

describe('GET /__edgeward/sdk.js', () => {
  it('serves JavaScript with a short public cache and an ETag', async () => {
    const res = await call(new Request('https://shop.example.test/__edgeward/sdk.js'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    expect(res.headers.get('etag')).toBe(SDK_ETAG)
    const js = await res.text()
    expect(js).toContain('/__edgeward/collect')
    expect(js.length).toBeLessThan(12_000)
  })

  it('answers 304 to a matching If-None-Match', async () => {
    const res = await call(new Request('https://shop.example.test/__edgeward/sdk.js', { headers: { 'if-none-match': `"x", W/${SDK_ETAG}` } }))
    expect(res.status).toBe(304)
    expect(await res.text()).toBe('')
  })
})
