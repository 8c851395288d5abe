// Takes the embedded demo origin's fetch; checks every route's status codes, sessions and escaping.
// Must not go through the Worker: it calls the demo origin directly, as the Worker would.
import { describe, expect, it, test } from 'vitest'
import { createDemoOrigin } from '../../worker/demo/origin'
import { createDemoState } from '../../worker/demo/state'

const BASE = 'https://bank.example.test'
const WRONG_TYPES = {
  username: 5, password: [], email: {}, name: 1, to: true, amount: null, product_id: {}, card_number: [],
}
const HOSTILE = `"><script>alert(1)</script><img src=x onerror='x'>`

type Origin = ReturnType<typeof createDemoOrigin>

function fresh(now?: () => number): Origin {
  return createDemoOrigin({ state: createDemoState(), ...(now ? { now } : {}) })
}

function get(path: string, cookie?: string, accept = 'text/html'): Request {
  return new Request(BASE + path, { headers: { accept, ...(cookie ? { cookie } : {}) } })
}

function form(path: string, fields: Record<string, string>, cookie?: string): Request {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (cookie) headers.cookie = cookie
  return new Request(BASE + path, { method: 'POST', headers, body: new URLSearchParams(fields).toString() })
}

function json(path: string, body: unknown, cookie?: string): Request {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (cookie) headers.cookie = cookie
  return new Request(BASE + path, { method: 'POST', headers, body: JSON.stringify(body) })
}

function raw(path: string, body: BodyInit, type: string, cookie?: string): Request {
  const headers: Record<string, string> = { 'content-type': type }
  if (cookie) headers.cookie = cookie
  return new Request(BASE + path, { method: 'POST', headers, body })
}

/** Signs in and returns the `name=value` part of the session cookie. */
async function signIn(origin: Origin, username = 'user0007@example.com', password = 'pass-0007'): Promise<string> {
  const res = await origin.fetch(json('/login', { username, password }))
  expect(res.status).toBe(200)
  const cookie = res.headers.get('set-cookie')?.split(';')[0]
  expect(cookie).toMatch(/^demo_session=.+/)
  return cookie ?? ''
}

describe('the sign-in page and POST /login', () => {
  it('serves a form posting username and password to /login', async () => {
    const body = await (await fresh().fetch(get('/login'))).text()
    expect(body).toContain('<form method="post" action="/login">')
    expect(body).toMatch(/<input[^>]*name="username"[^>]*type="email"[^>]*autocomplete="username"/)
    expect(body).toMatch(/<input[^>]*name="password"[^>]*type="password"[^>]*autocomplete="current-password"/)
    expect(body).toContain('<button type="submit">')
  })

  it('signs user0007 in from a form post with a Welcome page and an HttpOnly session cookie', async () => {
    const res = await fresh().fetch(form('/login', { username: 'user0007@example.com', password: 'pass-0007' }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(await res.text()).toContain('Welcome')
    const cookie = res.headers.get('set-cookie') ?? ''
    for (const attr of ['demo_session=', 'HttpOnly', 'Path=/', 'SameSite=Lax', 'Secure']) expect(cookie).toContain(attr)
  })

  it('signs user0007 in from a JSON post with {ok:true}', async () => {
    const res = await fresh().fetch(json('/login', { username: 'user0007@example.com', password: 'pass-0007' }))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
    expect(res.headers.get('set-cookie')).toContain('demo_session=')
  })

  it('signs the simulator\'s people in to accounts of their own (person01001…99999@people.example), and refuses a wrong password or one out of range', async () => {
    const ok = await fresh().fetch(json('/login', { username: 'person04321@people.example', password: 'pass-p04321' }))
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ ok: true })
    for (const [username, password] of [['person04321@people.example', 'pass-p04322'], ['person01000@people.example', 'pass-p01000'], ['person1001@people.example', 'pass-p1001']]) {
      expect((await fresh().fetch(json('/login', { username, password }))).status).toBe(401)
    }
    expect((await fresh().fetch(form('/signup', { email: 'person05000@people.example', password: 'correct horse' }))).status).toBe(409)
  })

  it('treats the email case-insensitively and leaves Secure off over plain http', async () => {
    const req = new Request('http://127.0.0.1:8787/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=USER0042%40Example.com&password=pass-0042',
    })
    const res = await fresh().fetch(req)
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).not.toContain('Secure')
  })

  test.each([
    ['a wrong password', 'user0007@example.com', 'pass-0008'],
    ['an unknown user', 'user1001@example.com', 'pass-1001'],
    ['user zero', 'user0000@example.com', 'pass-0000'],
    ['an unpadded password', 'user0007@example.com', 'pass-7'],
  ])('answers 401 without a cookie for %s, in HTML and in JSON', async (_case, username, password) => {
    const origin = fresh()
    const html = await origin.fetch(form('/login', { username, password }))
    expect(html.status).toBe(401)
    expect(html.headers.get('content-type')).toContain('text/html')
    expect(html.headers.get('set-cookie')).toBeNull()
    const api = await origin.fetch(json('/login', { username, password }))
    expect(api.status).toBe(401)
    expect(await api.json()).toEqual({ ok: false, error: 'invalid_credentials' })
  })
})

describe('sign-up', () => {
  it('creates a new account with 201, refuses the same email again with 409, and lets it sign in', async () => {
    const origin = fresh()
    const fields = { email: 'new.person@example.org', password: 'correct horse' }
    expect((await origin.fetch(form('/signup', fields))).status).toBe(201)
    expect((await origin.fetch(json('/signup', { ...fields, email: 'NEW.person@example.org' }))).status).toBe(409)
    await signIn(origin, 'new.person@example.org', 'correct horse')
  })

  test.each(['user0001@example.com', 'USER0500@example.com', 'user1000@example.com'])(
    'answers 409 for the built-in user %s',
    async (email) => {
      expect((await fresh().fetch(json('/signup', { email, password: 'long enough' }))).status).toBe(409)
    },
  )

  test.each([
    ['an invalid email', { email: 'not-an-email', password: 'long enough' }],
    ['a short password', { email: 'a@example.org', password: 'short' }],
    ['a missing password', { email: 'a@example.org' }],
    ['a numeric email', { email: 42, password: 'long enough' }],
  ])('answers 400 for %s', async (_case, body) => {
    expect((await fresh().fetch(json('/signup', body))).status).toBe(400)
  })
})

describe('session-only pages', () => {
  const pages = [
    ['GET /account', () => get('/account')],
    ['GET /profile', () => get('/profile')],
    ['POST /profile', () => form('/profile', { name: 'x' })],
    ['POST /transfer', () => form('/transfer', { to: 'acct-1', amount: '1' })],
  ] as const

  test.each(pages)('%s answers 401 without a session', async (_name, request) => {
    expect((await fresh().fetch(request())).status).toBe(401)
  })

  test.each(pages)('%s answers 401 for a forged, foreign or expired cookie', async (_name, request) => {
    let now = Date.now()
    const origin = fresh(() => now)
    const cookie = await signIn(origin)
    const foreign = await signIn(fresh())
    const tampered = cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA')
    for (const bad of [tampered, foreign, 'demo_session=' + 'x'.repeat(5000), 'demo_session=a.b.c']) {
      const req = request()
      req.headers.set('cookie', bad)
      expect((await origin.fetch(req)).status).toBe(401)
    }
    now += 3601 * 1000
    const late = request()
    late.headers.set('cookie', cookie)
    expect((await origin.fetch(late)).status).toBe(401)
  })

  test.each(['/account', '/profile'])('GET %s answers 200 with the cookie from sign-in', async (path) => {
    const origin = fresh()
    const res = await origin.fetch(get(path, await signIn(origin)))
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('user0007@example.com')
  })

  it('saves a profile change and shows it on the next visit', async () => {
    const origin = fresh()
    const cookie = await signIn(origin)
    const res = await origin.fetch(json('/profile', { name: 'Ada', phone: '+1 555 0100' }, cookie))
    expect(res.status).toBe(200)
    const profile = await (await origin.fetch(get('/profile', cookie, 'application/json'))).json()
    expect(profile).toEqual({ ok: true, profile: { name: 'Ada', email: 'user0007@example.com', phone: '+1 555 0100' } })
  })
})

describe('POST /transfer', () => {
  it('sends money and lowers the balance shown on /account', async () => {
    const origin = fresh()
    const cookie = await signIn(origin)
    const before = (await (await origin.fetch(get('/account', cookie, 'application/json'))).json()) as { balance: string }
    const res = await origin.fetch(json('/transfer', { to: 'acct-123', amount: 10.5 }, cookie))
    expect(res.status).toBe(200)
    const body = (await res.json()) as { balance: string; amount: string }
    expect(body.amount).toBe('10.50')
    expect(Number(body.balance)).toBeCloseTo(Number(before.balance) - 10.5, 2)
  })

  it('answers 422 when the amount is more than the balance', async () => {
    const origin = fresh()
    const res = await origin.fetch(form('/transfer', { to: 'acct-1', amount: '99999999' }, await signIn(origin)))
    expect(res.status).toBe(422)
  })

  test.each([['0'], ['-5'], ['abc'], ['1.234'], [''], ['1e3']])('answers 400 for the amount %j', async (amount) => {
    const origin = fresh()
    expect((await origin.fetch(form('/transfer', { to: 'acct-1', amount }, await signIn(origin)))).status).toBe(400)
  })
})

describe('the shop', () => {
  test.each(['1', '7', '1000'])('GET /products/%s answers 200 with the product page', async (id) => {
    const res = await fresh().fetch(get(`/products/${id}`))
    expect(res.status).toBe(200)
    expect(await res.text()).toContain(`#${id}`)
  })

  test.each(['0', '1001', '01', '-1', '1.5', 'abc', '99999'])('GET /products/%s answers 404', async (id) => {
    expect((await fresh().fetch(get(`/products/${id}`))).status).toBe(404)
  })

  it('lists products as HTML links, fifty a page', async () => {
    const body = await (await fresh().fetch(get('/products?page=2'))).text()
    expect(body.match(/href="\/products\/\d+"/g)).toHaveLength(50)
    expect(body).toContain('href="/products/51"')
    expect((await fresh().fetch(get('/products?page=21'))).status).toBe(400)
  })

  it('serves the catalogue as JSON at /api/products', async () => {
    const res = await fresh().fetch(get('/api/products?per_page=1000'))
    expect(res.headers.get('content-type')).toContain('application/json')
    const body = (await res.json()) as { total: number; products: { id: number; price: string }[] }
    expect(body.total).toBe(1000)
    expect(body.products.map((p) => p.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
    expect(body.products[0]?.price).toMatch(/^\d+\.\d\d$/)
    expect((await fresh().fetch(get('/api/products?page=x'))).status).toBe(400)
  })

  it('adds a product to the cart and answers 404 for a product that does not exist', async () => {
    const res = await fresh().fetch(json('/cart', { product_id: 5, qty: 2 }))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, product_id: 5, qty: 2 })
    expect((await fresh().fetch(form('/cart', { product_id: '5' }))).status).toBe(200)
    expect((await fresh().fetch(form('/cart', { product_id: '1001', qty: '1' }))).status).toBe(400)
  })

  const card = { exp: '12/29', cvv: '123', amount: '19.99' }
  test.each(['4111111111111111', '5555555555554444', '4111 1111 1111 1111'])(
    'approves the test card %s at checkout with 200',
    async (card_number) => {
      expect((await fresh().fetch(form('/checkout', { ...card, card_number }))).status).toBe(200)
    },
  )

  test.each(['4000000000000002', '4111111111111112', '5555555555554443', '378282246310005'])(
    'declines the card %s at checkout with 402',
    async (card_number) => {
      const res = await fresh().fetch(json('/checkout', { ...card, card_number }))
      expect(res.status).toBe(402)
      expect(await res.json()).toMatchObject({ ok: false, error: 'card_declined' })
    },
  )

  test.each([
    ['no card number', { ...card }],
    ['letters in the card number', { ...card, card_number: '4111abcd11111111' }],
    ['a bad expiry', { ...card, card_number: '4111111111111111', exp: '13/29' }],
    ['a bad cvv', { ...card, card_number: '4111111111111111', cvv: '12' }],
    ['a zero amount', { ...card, card_number: '4111111111111111', amount: '0' }],
  ])('answers 400 at checkout for %s', async (_case, body) => {
    expect((await fresh().fetch(json('/checkout', body))).status).toBe(400)
  })
})

describe('password reset', () => {
  it('serves the reset form', async () => {
    const res = await fresh().fetch(get('/password-reset'))
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('action="/password-reset"')
  })

  test.each([
    ['a known user', () => form('/password-reset', { email: 'user0007@example.com' })],
    ['an unknown user', () => form('/password-reset', { email: 'nobody@example.org' })],
    ['no email', () => form('/password-reset', {})],
    ['a JSON body', () => json('/password-reset', { email: 'user0001@example.com' })],
    ['malformed JSON', () => raw('/password-reset', '{"email":', 'application/json')],
    ['an odd content type', () => raw('/password-reset', '<x/>', 'text/xml')],
  ])('answers 200 for %s', async (_case, request) => {
    expect((await fresh().fetch(request())).status).toBe(200)
  })
})

describe('bad request bodies', () => {
  const huge = 'a='.padEnd(70 * 1024, 'x')
  type BadBody = readonly [name: string, make: () => readonly [BodyInit, string], status: number]
  const bodies: readonly BadBody[] = [
    ['malformed JSON', () => ['{"username": "a', 'application/json'], 400],
    ['a JSON array', () => ['[1,2,3]', 'application/json'], 400],
    ['a JSON string', () => ['"hello"', 'application/json'], 400],
    ['JSON null', () => ['null', 'application/json'], 400],
    ['an empty JSON body', () => ['', 'application/json'], 400],
    ['fields of the wrong type', () => [JSON.stringify(WRONG_TYPES), 'application/json'], 400],
    ['invalid UTF-8', () => [new Uint8Array([0x61, 0x3d, 0xff, 0xfe]), 'application/x-www-form-urlencoded'], 400],
    ['an empty form', () => ['', 'application/x-www-form-urlencoded'], 400],
    ['a prototype-polluting form', () => ['__proto__=x&constructor=y', 'application/x-www-form-urlencoded'], 400],
    ['broken multipart', () => ['--zz\r\nnope', 'multipart/form-data; boundary=zz'], 400],
    ['an unsupported content type', () => ['<a/>', 'application/xml'], 415],
    ['a 70 KB body', () => [huge, 'application/x-www-form-urlencoded'], 413],
    ['a 70 KB streamed body without a length', () => [new Blob([huge]).stream(), 'application/json'], 413],
  ]
  const paths = ['/login', '/signup', '/profile', '/transfer', '/cart', '/checkout'] as const
  const cases = paths.flatMap((path) => bodies.map(([name, make, status]) => [path, name, make, status] as const))

  test.each(cases)('POST %s with %s answers a 4xx, never a 5xx', async (path, _name, make, status) => {
    const origin = fresh()
    const cookie = await signIn(origin)
    const [body, type] = make()
    const res = await origin.fetch(raw(path, body, type, cookie))
    expect(res.status).toBe(status)
  })
})

describe('HTML pages', () => {
  test.each(['/', '/login', '/signup', '/password-reset', '/products', '/products/7', '/account', '/profile', '/nowhere'])(
    'GET %s is a complete HTML document with a head and a body',
    async (path) => {
      const origin = fresh()
      const body = await (await origin.fetch(get(path, await signIn(origin)))).text()
      expect(body.startsWith('<!doctype html>')).toBe(true)
      for (const tag of ['<head>', '</head>', '<body>', '</body>', '</html>']) expect(body).toContain(tag)
    },
  )

  it('links the home page to every part of the site', async () => {
    const body = await (await fresh().fetch(get('/'))).text()
    for (const href of ['/login', '/signup', '/password-reset', '/account', '/profile', '/products', '/api/products']) {
      expect(body).toContain(`href="${href}"`)
    }
  })

  it('serves /static/app.css as CSS and 404 for unknown assets', async () => {
    const css = await fresh().fetch(get('/static/app.css'))
    expect(css.status).toBe(200)
    expect(css.headers.get('content-type')).toContain('text/css')
    expect((await fresh().fetch(get('/static/nope.js'))).status).toBe(404)
  })

  test.each([
    ['the username after a failed sign-in', async (o: Origin) => o.fetch(form('/login', { username: HOSTILE, password: 'x' }))],
    ['the recipient of a transfer', async (o: Origin) => {
      return o.fetch(form('/transfer', { to: HOSTILE.slice(0, 60), amount: '1' }, await signIn(o)))
    }],
    ['a profile name', async (o: Origin) => {
      const cookie = await signIn(o)
      await o.fetch(form('/profile', { name: HOSTILE }, cookie))
      return o.fetch(get('/profile', cookie))
    }],
    ['a path that is not found', async (o: Origin) => o.fetch(get(`/products/${encodeURIComponent(HOSTILE)}`))],
  ])('escapes %s', async (_case, run) => {
    const body = await (await run(fresh())).text()
    expect(body).not.toContain('<script>')
    expect(body).not.toContain('<img')
  })

  it('escapes a hostile username into the value attribute', async () => {
    const body = await (await fresh().fetch(form('/login', { username: HOSTILE, password: 'x' }))).text()
    expect(body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&#39;x&#39;&gt;"')
  })
})

describe('the default state', () => {
  it('is shared by every demo origin built in the isolate, so its sessions stay valid', async () => {
    const cookie = await signIn(createDemoOrigin())
    expect((await createDemoOrigin().fetch(get('/account', cookie))).status).toBe(200)
  })
})
