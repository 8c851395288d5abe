import { afterEach, describe, expect, it } from 'vitest'
import { callWorker, clearConfig, writeConfig } from '../support/worker'

afterEach(clearConfig)

const REQUIRED = ['ts', 'ref', 'ray', 'method', 'host', 'path', 'route', 'ip', 'asn', 'country', 'device', 'user', 'risk', 'action', 'mode', 'reasons', 'rules', 'model', 'config', 'origin_status']

describe('the decision log line', () => {
  it('is exactly one JSON line per request with every contract field', async () => {
    const { logs } = await callWorker('/products/3?secret=token', { headers: { 'cf-ray': 'abc123-LHR' } })
    expect(logs).toHaveLength(1)
    const line = logs[0] ?? {}
    for (const key of REQUIRED) expect(line).toHaveProperty(key)
    expect(line).toMatchObject({ method: 'GET', path: '/products/3', route: 'other', ray: 'abc123-LHR', origin_status: 200, ip: '203.0.113.7' })
    expect(JSON.stringify(line)).not.toContain('secret=token')
  })

  it('logs a keyed hash of the username, never the username or the password', async () => {
    const body = 'username=User0007%40Example.com&password=pass-0007'
    const { logs } = await callWorker('/login', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    const text = JSON.stringify(logs)
    expect(logs[0]?.user).toMatch(/^[0-9a-f]{32}$/)
    expect(text.toLowerCase()).not.toContain('user0007')
    expect(text).not.toContain('pass-0007')
    const again = await callWorker('/login', { method: 'POST', body: JSON.stringify({ username: ' user0007@example.com ' }), headers: { 'content-type': 'application/json' } })
    expect(again.logs[0]?.user).toBe(logs[0]?.user)
  })

  it('truncates or hashes the IP as the config says', async () => {
    await writeConfig({ version: 'ip-1', log: { ip: 'truncated', features: false } })
    expect((await callWorker('/')).logs[0]?.ip).toBe('203.0.113.0/24')
    await writeConfig({ version: 'ip-2', log: { ip: 'hashed', features: false } })
    const hashed = (await callWorker('/')).logs[0]?.ip
    expect(hashed).toMatch(/^[0-9a-f]{32}$/)
  })

  it('logs reserved-path requests too, except the SDK and health', async () => {
    const sdk = await callWorker('/__edgeward/sdk.js')
    expect(sdk.response.status).toBe(200)
    expect(sdk.response.headers.get('content-type')).toContain('javascript')
    expect(sdk.logs).toHaveLength(0)
    expect((await callWorker('/__edgeward/health')).logs).toHaveLength(0)
    expect((await callWorker('/__edgeward/nope')).logs).toHaveLength(1)
  })
})

describe('the dev-only test header', () => {
  const override = JSON.stringify({ asn: 16509, country: 'NL', tlsVersion: 'TLSv1.2' })

  it('is merged over request.cf when EDGEWARD_TRUST_TEST_HEADERS is "true"', async () => {
    const { logs, seen } = await callWorker('/', { headers: { 'x-edgeward-test-cf': override } }, { env: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } })
    expect(logs[0]).toMatchObject({ asn: 16509, country: 'NL' })
    expect(seen[0]?.headers.get('x-edgeward-test-cf')).toBeNull()
  })

  it.each([undefined, 'false', 'TRUE', '1'])('is ignored and stripped when the flag is %s', async (flag) => {
    const { logs, seen } = await callWorker('/', { headers: { 'x-edgeward-test-cf': override } }, { env: { EDGEWARD_TRUST_TEST_HEADERS: flag } })
    expect(logs[0]?.asn).not.toBe(16509)
    expect(seen[0]?.headers.get('x-edgeward-test-cf')).toBeNull()
  })

  it('ignores malformed JSON without failing the request', async () => {
    const { response } = await callWorker('/', { headers: { 'x-edgeward-test-cf': '{nope' } }, { env: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } })
    expect(response.status).toBe(200)
  })
})
