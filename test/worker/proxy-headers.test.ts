import { afterEach, describe, expect, it } from 'vitest'
import { forwardedNode } from '../../worker/origin/proxyHeaders'
import { callWorker, clearConfig, type Seen } from '../support/worker'

afterEach(clearConfig)

describe('a reverse proxy’s manners toward a URL origin', () => {
  it('sends the client’s host and scheme as X-Forwarded-Host, X-Forwarded-Proto and Forwarded', async () => {
    const { seen } = await callWorker('https://shop.example:8443/products/7?q=1', {}, { clientIp: '198.51.100.23' })
    const h = (seen[0] as Seen).headers
    expect(h.get('x-forwarded-host')).toBe('shop.example:8443')
    expect(h.get('x-forwarded-proto')).toBe('https')
    expect(h.get('forwarded')).toBe('for=198.51.100.23;host="shop.example:8443";proto=https')
    // The origin's own host for Host, as before: the app is reached at its own address.
    expect(new URL(seen[0]?.url ?? '').host).toBe('origin.test')
  })

  it('says http for a plain-http client and quotes an IPv6 client in brackets', async () => {
    const { seen } = await callWorker('http://edge.test/', {}, { clientIp: '2001:db8::7' })
    const h = (seen[0] as Seen).headers
    expect(h.get('x-forwarded-proto')).toBe('http')
    expect(h.get('forwarded')).toBe('for="[2001:db8::7]";host="edge.test";proto=http')
  })

  it('replaces a client’s own X-Forwarded-Host, X-Forwarded-Proto and Forwarded: they are claims, not ours', async () => {
    const { seen } = await callWorker('https://shop.example/login', {
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'for=1.2.3.4;host=evil.example' },
    })
    const h = (seen[0] as Seen).headers
    expect(h.get('x-forwarded-host')).toBe('shop.example')
    expect(h.get('x-forwarded-proto')).toBe('https')
    expect(h.get('forwarded')).toBe('for=203.0.113.7;host="shop.example";proto=https')
  })

  it('still passes X-Forwarded-For exactly as the client sent it', async () => {
    const { seen } = await callWorker('https://shop.example/', { headers: { 'x-forwarded-for': '10.0.0.1, 1.2.3.4' } })
    expect((seen[0] as Seen).headers.get('x-forwarded-for')).toBe('10.0.0.1, 1.2.3.4')
  })

  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::1', '"[::1]"'],
    ['0x7f.1', 'unknown'],
    ['1.2.3.4"; host=x', 'unknown'],
    ['', 'unknown'],
  ])('writes the Forwarded node for %j as %s', (ip, node) => {
    expect(forwardedNode(ip)).toBe(node)
  })
})

describe('ORIGIN_URL kept parsed between requests', () => {
  it('follows a changed ORIGIN_URL at once: each request goes to the origin its env names', async () => {
    const first = await callWorker('https://shop.example/a', {}, { env: { ORIGIN_URL: 'https://one.test/base' } })
    const second = await callWorker('https://shop.example/b', {}, { env: { ORIGIN_URL: 'https://two.test' } })
    const again = await callWorker('https://shop.example/c', {}, { env: { ORIGIN_URL: 'https://one.test/base' } })
    expect(first.seen[0]?.url).toBe('https://one.test/base/a')
    expect(second.seen[0]?.url).toBe('https://two.test/b')
    expect(again.seen[0]?.url).toBe('https://one.test/base/c')
  })
})
