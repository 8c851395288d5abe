import { afterEach, describe, expect, it } from 'vitest'
import { callWorker, clearConfig, type Seen } from '../support/worker'

afterEach(clearConfig)

describe('pass-through to the origin', () => {
  it('forwards method, raw path and query to ORIGIN_URL joined as a path', async () => {
    const { seen, response } = await callWorker('/products/7?q=a%20b&x=1', { method: 'GET' })
    expect(response.status).toBe(200)
    expect(seen).toHaveLength(1)
    expect(seen[0]?.url).toBe('http://origin.test/products/7?q=a%20b&x=1')
    expect(seen[0]?.method).toBe('GET')
  })

  it('keeps a leading double slash as a path, never a protocol-relative host', async () => {
    const { seen } = await callWorker('http://edge.test//evil.example/x')
    expect(new URL(seen[0]?.url ?? '').host).toBe('origin.test')
    expect(new URL(seen[0]?.url ?? '').pathname).toBe('//evil.example/x')
  })

  it('joins below a base path in ORIGIN_URL', async () => {
    const { seen } = await callWorker('/a?b=1', {}, { env: { ORIGIN_URL: 'http://origin.test/base/' } })
    expect(seen[0]?.url).toBe('http://origin.test/base/a?b=1')
  })

  it('removes every client-sent x-edgeward-* header and adds its own', async () => {
    const { seen } = await callWorker('/', {
      headers: { 'x-edgeward-risk': '0', 'X-Edgeward-Action': 'allow', 'x-edgeward-anything': 'y', 'x-custom': 'kept' },
    })
    const h = (seen[0] as Seen).headers
    expect(h.get('x-edgeward-risk')).not.toBe('0')
    expect(h.get('x-edgeward-risk')).toMatch(/^(0|1)\.\d{3}$/)
    expect(h.get('x-edgeward-anything')).toBeNull()
    expect(h.get('x-custom')).toBe('kept')
  })

  it('passes X-Forwarded-For, True-Client-IP and X-Real-IP through as the client sent them', async () => {
    const { seen, logs } = await callWorker('/', {
      headers: { 'x-forwarded-for': '1.2.3.4', 'true-client-ip': '5.6.7.8', 'x-real-ip': '9.9.9.9' },
    })
    const h = (seen[0] as Seen).headers
    expect([h.get('x-forwarded-for'), h.get('true-client-ip'), h.get('x-real-ip')]).toEqual(['1.2.3.4', '5.6.7.8', '9.9.9.9'])
    expect(logs[0]?.ip).toBe('203.0.113.7')
  })

  it('delivers request body bytes unchanged, login bodies included', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256)
    for (const path of ['/upload', '/login']) {
      const { seen } = await callWorker(path, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } })
      expect(seen[0]?.body).toEqual(bytes)
    }
    const form = 'username=user0007%40example.com&password=pass-0007'
    const { seen } = await callWorker('/login', { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(new TextDecoder().decode(seen[0]?.body)).toBe(form)
  })

  it('returns redirects to the client instead of following them', async () => {
    const { response, seen } = await callWorker('/old', {}, {
      reply: () => new Response(null, { status: 302, headers: { location: '/new' } }),
    })
    expect(seen[0]?.redirect).toBe('manual')
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/new')
  })

  it('keeps every Set-Cookie header and the status of the origin response', async () => {
    const { response } = await callWorker('/', {}, {
      reply: () => {
        const h = new Headers({ 'content-type': 'text/plain' })
        h.append('set-cookie', 'a=1; Path=/')
        h.append('set-cookie', 'b=2; Path=/; HttpOnly')
        return new Response('teapot', { status: 418, headers: h })
      },
    })
    expect(response.status).toBe(418)
    expect(response.headers.getAll('set-cookie')).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly'])
    expect(await response.text()).toBe('teapot')
  })

  it('does not forward its own cookies to the origin but keeps the others', async () => {
    const { seen } = await callWorker('/', { headers: { cookie: 'sid=1; __edgeward=tok; theme=dark' } })
    expect(seen[0]?.headers.get('cookie')).toBe('sid=1; theme=dark')
  })

  it('answers 502, not 500, when ORIGIN_URL is not an http(s) URL', async () => {
    const { response } = await callWorker('/', {}, { env: { ORIGIN_URL: 'ftp://nope' } })
    expect(response.status).toBe(502)
  })
})
