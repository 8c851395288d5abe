import { afterEach, describe, expect, it } from 'vitest'
import { callWorker, clearConfig } from '../support/worker'

afterEach(clearConfig)

const VARIANTS = [
  '/__edgeward/',
  '/__edgeward/health',
  '/__EDGEWARD/',
  '/__EdgeWard/admin/stats',
  '/__edgeward%2f',
  '/__edgeward%2Fhealth',
  '/%5f%5fedgeward/',
  '/%5F%5Fedgeward/x',
  '//__edgeward/',
  '///__edgeward//health',
  '/x/../__edgeward/',
  '/x/%2e%2e/__edgeward/',
  '/./__edgeward/',
  '/%255f%255fedgeward/',
  '/__edgeward;jsessionid=1/',
  '/__edgeward',
  '/__edgewardx',
  '/%5c__edgeward/',
]

describe('reserved paths', () => {
  it.each(VARIANTS)('answers %s itself and never forwards it', async (path) => {
    const { response, seen } = await callWorker(`http://edge.test${path}`)
    expect(seen).toHaveLength(0)
    expect([200, 401, 404]).toContain(response.status)
  })

  it('serves health as JSON with status, model, config and mode', async () => {
    const { response } = await callWorker('/__edgeward/health')
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body).toMatchObject({ status: 'ok', config: 'bundled-1', mode: 'enforce' })
    expect(typeof (body as { model: unknown }).model).toBe('string')
  })

  it('answers health under a case variant of the prefix too', async () => {
    const { response } = await callWorker('/__EDGEWARD/HEALTH')
    expect(response.status).toBe(200)
  })

  it('answers unknown reserved paths with 404 JSON', async () => {
    const { response } = await callWorker('/__edgeward/nope')
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toContain('application/json')
  })

  it('says in the log line why it refused: an unknown path, an admin call without the token', async () => {
    const unknown = await callWorker('/__edgeward/nope')
    expect(unknown.logs).toMatchObject([{ route: 'edgeward', status: 404, detail: 'reserved:not_found' }])
    const admin = await callWorker('/__edgeward/admin/denylist')
    expect(admin.logs).toMatchObject([{ route: 'edgeward', status: 401, detail: 'admin:unauthorized' }])
    // The admin API's own code when it has one: a bad TTL is not just "bad request".
    const badTtl = await callWorker('/__edgeward/admin/denylist', {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'ip', value: '203.0.113.9', ttl_s: -1 }),
    })
    expect(badTtl.response.status).toBe(400)
    const code = ((await badTtl.response.json()) as { error: string }).error
    expect(badTtl.logs).toMatchObject([{ route: 'edgeward', status: 400, detail: `admin:${code}` }])
    expect(code).not.toBe('bad_request')
    const fine = await callWorker('/__edgeward/challenge?return=/')
    expect(fine.logs[0]?.detail ?? null).not.toMatch(/^(reserved|admin):/)
  })

  it('still forwards paths that merely contain the word', async () => {
    const { seen } = await callWorker('/docs/__edgeward/readme')
    expect(seen).toHaveLength(1)
  })
})
