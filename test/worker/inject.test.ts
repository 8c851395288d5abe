// injectSdk inside workerd (real HTMLRewriter): the SDK tag lands once in <head> (or at the start
// of <body>), only in text/html with a body, never twice, never in excluded paths.
import { describe, expect, it, test } from 'vitest'
import { injectSdk, SDK_TAG, sdkTag } from '../../worker/sdk/inject'

const html = (body: string, headers: Record<string, string> = {}): Response =>
  new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8', ...headers } })

const count = (s: string): number => s.split(SDK_TAG).length - 1

describe('injectSdk', () => {
  it('adds the tag once, at the end of <head>', async () => {
    const out = await injectSdk(html('<!doctype html><html><head><title>t</title></head><body><p>x</p></body></html>'), { path: '/' }).text()
    expect(out).toBe(`<!doctype html><html><head><title>t</title>${SDK_TAG}</head><body><p>x</p></body></html>`)
  })

  it('adds the tag at the start of <body> when there is no <head>', async () => {
    const out = await injectSdk(html('<html><body class="a"><p>x</p></body></html>'), { path: '/' }).text()
    expect(out).toBe(`<html><body class="a">${SDK_TAG}<p>x</p></body></html>`)
  })

  test.each([
    ['in head', `<html><head><script src="/__edgeward/sdk.js" defer></script></head><body></body></html>`],
    ['absolute, with a query', `<html><head><script src="https://shop.example/__EDGEWARD/sdk.js?v=2"></script></head><body></body></html>`],
  ])('does not inject when the page already has the SDK (%s)', async (_n, page) => {
    const out = await injectSdk(html(page), { path: '/' }).text()
    expect(out).toBe(page)
  })

  test.each([
    ['application/json', '{"a":"<head></head>"}'],
    ['text/plain', '<html><head></head></html>'],
    ['application/xhtml+xml', '<html><head></head></html>'],
    ['text/htmlx', '<html><head></head></html>'],
  ])('never touches %s', async (type, body) => {
    const res = new Response(body, { headers: { 'content-type': type } })
    const out = injectSdk(res, { path: '/' })
    expect(out).toBe(res)
  })

  it('leaves a response without a content type alone', async () => {
    const res = new Response('<html><head></head></html>')
    res.headers.delete('content-type')
    expect(injectSdk(res, { path: '/' })).toBe(res)
  })

  it('leaves an HTML download alone', () => {
    const res = html('<html><head></head></html>', { 'content-disposition': 'attachment; filename=a.html' })
    expect(injectSdk(res, { path: '/' })).toBe(res)
  })

  it('leaves bodiless responses alone', () => {
    const res = new Response(null, { status: 304, headers: { 'content-type': 'text/html' } })
    expect(injectSdk(res, { path: '/' })).toBe(res)
  })

  it('does not inject into an HTML fragment with neither head nor body', async () => {
    const out = await injectSdk(html('<div>partial</div>'), { path: '/' }).text()
    expect(out).toBe('<div>partial</div>')
  })

  it('honours excluded paths (exact and prefix*)', async () => {
    const page = '<html><head></head><body></body></html>'
    expect(await injectSdk(html(page), { path: '/admin/x', exclude: ['/admin/*'] }).text()).toBe(page)
    expect(await injectSdk(html(page), { path: '/embed', exclude: ['/embed'] }).text()).toBe(page)
    expect(count(await injectSdk(html(page), { path: '/embed/2', exclude: ['/embed'] }).text())).toBe(1)
  })

  it('keeps status and headers, weakens a strong ETag and drops Content-Length', async () => {
    const body = '<html><head></head><body>hi</body></html>'
    const res = new Response(body, { status: 404, headers: { 'content-type': 'TEXT/HTML', etag: '"abc"', 'content-length': String(body.length), 'set-cookie': 's=1' } })
    const out = injectSdk(res, { path: '/' })
    expect(out.status).toBe(404)
    expect(out.headers.get('etag')).toBe('W/"abc"')
    expect(out.headers.get('content-length')).toBeNull()
    expect(out.headers.get('set-cookie')).toBe('s=1')
    expect(count(await out.text())).toBe(1)
  })

  it('injects once into a large streamed page with several heads and bodies', async () => {
    const big = `<html><head><title>x</title></head><body>${'<p>row</p>'.repeat(20000)}<head></head><body></body></body></html>`
    expect(count(await injectSdk(html(big), { path: '/' }).text())).toBe(1)
  })

  describe('with a nonce source', () => {
    const NONCE = 'eyJhbGciOiJFUzI1NiJ9.eyJ2IjoxfQ.c2lnbmF0dXJl'
    const counting = () => {
      let calls = 0
      return { nonce: async () => { calls++; return NONCE }, calls: () => calls }
    }

    it('puts this page view\'s nonce on the tag, signing once', async () => {
      const n = counting()
      const out = await injectSdk(html('<html><head></head><body></body></html>'), { path: '/', nonce: n.nonce }).text()
      expect(out).toBe(`<html><head><script src="/__edgeward/sdk.js" defer data-edgeward-nonce="${NONCE}"></script></head><body></body></html>`)
      expect(n.calls()).toBe(1)
    })

    it('gives a tag the page already has the nonce, and adds none', async () => {
      const n = counting()
      const out = await injectSdk(html('<html><head><script src="/__edgeward/sdk.js" defer></script></head><body></body></html>'), { path: '/', nonce: n.nonce }).text()
      expect(out).toBe(`<html><head><script src="/__edgeward/sdk.js" defer data-edgeward-nonce="${NONCE}"></script></head><body></body></html>`)
      expect(n.calls()).toBe(1)
    })

    it('signs nothing for a page it does not inject into', async () => {
      const n = counting()
      await injectSdk(html('<div>partial</div>'), { path: '/', nonce: n.nonce }).text()
      injectSdk(new Response('{}', { headers: { 'content-type': 'application/json' } }), { path: '/', nonce: n.nonce })
      expect(n.calls()).toBe(0)
    })

    test.each([
      ['no nonce (no keys)', async () => null],
      ['a failing signer', async () => { throw new Error('sign') }],
      ['text that is not a token', async () => '"><script>alert(1)</script>'],
    ])('writes the plain tag for %s', async (_name, nonce) => {
      const out = await injectSdk(html('<html><head></head><body></body></html>'), { path: '/', nonce }).text()
      expect(out).toBe(`<html><head>${SDK_TAG}</head><body></body></html>`)
      expect(sdkTag('a"b.c.d')).toBe(SDK_TAG)
    })
  })
})
