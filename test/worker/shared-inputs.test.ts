// Objects the pipeline shares instead of copying are never written: the client's headers (passed on
// uncopied unless an x-edgeward-* header must go, worker/request.ts) are immutable on a real incoming
// request in workerd, and parseUserAgent's answers are frozen and shared between requests. A write to
// either throws, and the request would fail open (pipeline_error) on every call. Here the request's
// headers throw on any write as workerd's do, and requests down each route — pages with the SDK
// injected, a sign-in, a URL origin, reserved paths, the console, the same User-Agent again from the
// memo — are decided as usual, with no pipeline error.
import { describe, expect, it } from 'vitest'
import { callWorker, type Call } from '../support/worker'

class ImmutableHeaders extends Headers {
  override set(): void {
    throw new TypeError("Can't modify immutable headers.")
  }
  override append(): void {
    throw new TypeError("Can't modify immutable headers.")
  }
  override delete(): void {
    throw new TypeError("Can't modify immutable headers.")
  }
}

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const BROWSER = {
  'user-agent': CHROME,
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'accept-language': 'en-GB,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'sec-ch-ua': '"Chromium";v="131", "Google Chrome";v="131", "Not_A Brand";v="24"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Windows"',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-user': '?1',
  'upgrade-insecure-requests': '1',
  'cf-connecting-ip': '198.51.100.77',
}

/** A request as workerd hands one to the Worker: every header it needs already set, none writable. */
function incoming(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Request {
  const request = new Request(new URL(path, 'https://shop.edge.test'), { ...init, headers: { ...BROWSER, ...init.headers } })
  const frozen = new ImmutableHeaders(request.headers)
  Object.defineProperty(request, 'headers', { get: () => frozen })
  return request
}

function expectDecided(call: Call, what: string): void {
  expect(call.response.status, what).toBeLessThan(500)
  for (const line of call.logs) expect(line.missing, what).not.toContain('pipeline_error')
  expect(call.errors.join('\n'), what).not.toMatch(/pipeline_error|TypeError/)
}

describe('shared request inputs are never written', () => {
  it('the client headers object, immutable as workerd makes it, passes every route without a write', async () => {
    // The stand-in is in force: a write would throw here.
    expect(() => incoming('/').headers.set('x', 'y')).toThrow(TypeError)
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://shop.edge.test', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' }
    const calls: [string, () => Promise<Call>][] = [
      ['home page (SDK injected)', () => callWorker(incoming('/'))],
      ['the same User-Agent again (the parse memo)', () => callWorker(incoming('/products/7'))],
      ['sign-in form', () => callWorker(incoming('/login'))],
      ['sign-in post', () => callWorker(incoming('/login', { method: 'POST', headers: form, body: 'username=user0001%40example.com&password=pass-0001' }))],
      ['a client x-edgeward-* header (the copy path)', () => callWorker(incoming('/products', { headers: { 'x-edgeward-risk': '0' } }))],
      ['a URL origin (proxy headers set on the copy)', () => callWorker(incoming('/api/products', { headers: { accept: 'application/json', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' } }), {}, { env: { ORIGIN_URL: 'https://origin.test/base' } })],
      ['a sub-resource', () => callWorker(incoming('/static/app.css', { headers: { accept: 'text/css', 'sec-fetch-dest': 'style', 'sec-fetch-mode': 'no-cors', 'sec-fetch-site': 'same-origin' } }))],
      ['robots.txt', () => callWorker(incoming('/robots.txt'))],
      ['collect with garbage', () => callWorker(incoming('/__edgeward/collect', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":' }))],
      ['the challenge page', () => callWorker(incoming('/__edgeward/challenge?return=%2Flogin'))],
      ['admin without a token', () => callWorker(incoming('/__edgeward/admin/stats'))],
      ['the console', () => callWorker(incoming('/__edgeward/console'))],
      ['health', () => callWorker(incoming('/__edgeward/health'))],
    ]
    for (const [what, call] of calls) expectDecided(await call(), what)
  })
})
