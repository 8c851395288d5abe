// Takes the admin routes with the test bindings; checks that every admin path answers
// 401 without the right bearer token, the deny-list round trip, label import/export and
// that bad input gets 400/413, never 500.
import { env } from 'cloudflare:workers'
import { describe, expect, it, test } from 'vitest'
import { adminRoutes } from '../../worker/routes/admin'

const TOKEN = 'test-admin-token'
const BASE = 'https://shop.example.test'
const auth = { authorization: `Bearer ${TOKEN}` }

function call(path: string, init: RequestInit = {}, bindings: Env = env) {
  return adminRoutes.request(`${BASE}${path}`, init, bindings)
}
const json = (method: string, body: unknown): RequestInit => ({ method, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('admin auth', () => {
  const headers = {
    'no header': {},
    'wrong scheme': { authorization: `Basic ${btoa(`admin:${TOKEN}`)}` },
    'wrong token': { authorization: 'Bearer not-the-token' },
    'right token with a suffix': { authorization: `Bearer ${TOKEN}x` },
    'right token': auth,
  } as const
  const paths = {
    '/__edgeward/admin/stats': 200,
    '/__edgeward/admin/denylist': 200,
    '/__edgeward/admin/labels': 200,
    '/__edgeward/admin': 404,
    '/__edgeward/admin/': 404,
    '/__edgeward/admin/nope': 404,
    '/__edgeward/admin/stats/extra': 404,
  } as const
  const cases = Object.entries(headers).flatMap(([who, h]) => Object.entries(paths).map(([path, ok]) => [who, path, h, who === 'right token' ? ok : 401] as const))

  test.each(cases)('%s on GET %s', async (_who, path, h, status) => {
    const res = await call(path, { headers: h })
    expect(res.status).toBe(status)
    if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('answers 401 to every call when no token is configured', async () => {
    const noSecret = { ...env, EDGEWARD_ADMIN_TOKEN: undefined } as Env
    for (const h of [auth, { authorization: 'Bearer ' }, { authorization: 'Bearer undefined' }]) {
      expect((await call('/__edgeward/admin/stats', { headers: h }, noSecret)).status).toBe(401)
    }
  })

  it('answers 405 with Allow for a known path and a wrong method', async () => {
    const res = await call('/__edgeward/admin/stats', { method: 'POST', headers: auth })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET')
  })
})

describe('admin deny list', () => {
  it('adds, lists and removes an entry', async () => {
    const add = await call('/__edgeward/admin/denylist', json('POST', { kind: 'ip', value: '203.0.113.99', ttl_s: 600, reason: 'stuffing' }))
    expect(add.status).toBe(201)
    const list = (await (await call('/__edgeward/admin/denylist', { headers: auth })).json()) as { entries: { kind: string; value: unknown; reason: string }[] }
    expect(list.entries).toContainEqual(expect.objectContaining({ kind: 'ip', value: '203.0.113.99', reason: 'stuffing' }))
    const del = await call('/__edgeward/admin/denylist?kind=ip&value=203.0.113.99', { method: 'DELETE', headers: auth })
    expect(del.status).toBe(200)
    const again = await call('/__edgeward/admin/denylist', json('DELETE', { kind: 'ip', value: '203.0.113.99' }))
    expect(again.status).toBe(404)
    const after = (await (await call('/__edgeward/admin/denylist', { headers: auth })).json()) as { entries: { value: unknown }[] }
    expect(after.entries.map((e) => e.value)).not.toContain('203.0.113.99')
  })

  it('adds a username+IP entry', async () => {
    const res = await call('/__edgeward/admin/denylist', json('POST', { kind: 'user_ip', value: { user: 'abc123', ip: '2001:DB8::7' }, ttl_s: 60 }))
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ entry: { kind: 'user_ip', value: { user: 'abc123', ip: '2001:db8::7' }, reason: 'admin' } })
  })

  test.each([
    ['not JSON', '{"kind":'],
    ['an array', '[]'],
    ['an unknown kind', JSON.stringify({ kind: 'asn', value: '1', ttl_s: 60 })],
    ['a bad IP', JSON.stringify({ kind: 'ip', value: '999.1.1.1', ttl_s: 60 })],
    ['a zero TTL', JSON.stringify({ kind: 'ip', value: '203.0.113.1', ttl_s: 0 })],
    ['a TTL past 30 days', JSON.stringify({ kind: 'ip', value: '203.0.113.1', ttl_s: 2_592_001 })],
    ['no TTL', JSON.stringify({ kind: 'device', value: 'd1' })],
    ['an unknown field', JSON.stringify({ kind: 'device', value: 'd1', ttl_s: 60, extra: 1 })],
  ])('refuses a POST with %s (400)', async (_what, body) => {
    const res = await call('/__edgeward/admin/denylist', { method: 'POST', headers: auth, body })
    expect(res.status).toBe(400)
  })

  it('refuses an oversized body (413)', async () => {
    const res = await call('/__edgeward/admin/denylist', { method: 'POST', headers: auth, body: 'x'.repeat(5_000) })
    expect(res.status).toBe(413)
  })
})

/** An NDJSON body as text (workerd warns on .text() for a content type it does not know as text). */
const ndjson = async (r: Response): Promise<string> => new TextDecoder().decode(await r.arrayBuffer())

describe('admin labels', () => {
  it('round-trips labels posted as NDJSON and as a JSON array, in order', async () => {
    const before = (await ndjson(await call('/__edgeward/admin/labels', { headers: auth }))).split('\n').filter(Boolean).length
    const nd = '{"ref":"ref-1","label":"fraud","note":"stuffing wave"}\n{"device":"dev-9","label":"legitimate"}\n'
    expect((await call('/__edgeward/admin/labels', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: nd })).status).toBe(201)
    const arr = await call('/__edgeward/admin/labels', json('POST', [{ user: 'u-hash', label: 'fraud' }]))
    expect(arr.status).toBe(201)
    const res = await call('/__edgeward/admin/labels', { headers: auth })
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/)
    const lines = (await ndjson(res)).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    const mine = lines.slice(before).map(({ seq: _s, created_at: _c, ...rest }) => rest)
    expect(mine).toEqual([
      { ref: 'ref-1', label: 'fraud', note: 'stuffing wave' },
      { device: 'dev-9', label: 'legitimate' },
      { user: 'u-hash', label: 'fraud' },
    ])
    const stats = (await (await call('/__edgeward/admin/stats', { headers: auth })).json()) as { labels: { total: number }; missing: string[] }
    expect(stats.labels.total).toBeGreaterThanOrEqual(3)
    expect(stats.missing).toEqual([])
  })

  test.each([
    ['an empty body', ''],
    ['a label without a subject', '{"label":"fraud"}'],
    ['an unknown label', '{"ref":"r","label":"suspicious"}'],
    ['a broken second line', '{"ref":"r","label":"fraud"}\n{"ref":'],
  ])('refuses %s (400)', async (_what, body) => {
    expect((await call('/__edgeward/admin/labels', { method: 'POST', headers: auth, body })).status).toBe(400)
  })

  it('refuses a body over 256 KB (413)', async () => {
    const body = '{"ref":"r","label":"fraud"}\n'.repeat(10_000)
    expect((await call('/__edgeward/admin/labels', { method: 'POST', headers: auth, body })).status).toBe(413)
  })
})
