// What the origin and the rules see of the client's headers (issue 12 item 9): x-edgeward-* is removed
// in every spelling a CGI/Rack/PHP origin would read as HTTP_X_EDGEWARD_*, and rules read the whole
// User-Agent (to 8 KiB, then `ua_truncated`). Also: the bodies the credential reader peeks at still
// reach the origin byte for byte.
import { afterEach, describe, expect, it } from 'vitest'
import { useConfig } from '../support/useConfig'
import { callWorker, clearConfig, loadForm } from '../support/worker'

afterEach(clearConfig)

/** The model's thresholds out of reach: these tests are about bytes and rules, not about a score. */
const QUIET = { version: 'quiet', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } }
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'

describe('client-sent x-edgeward headers in any spelling', () => {
  it.each(['X_Edgeward_Risk', 'x_edgeward_risk', 'X-EDGEWARD_RISK', 'x_EDGEWARD-risk', 'X-Edgeward-Risk'])('removes %s before the origin', async (name) => {
    await useConfig(QUIET)
    const { seen } = await callWorker('/products/3', { headers: { [name]: '0.000', 'x-edgewardish': 'kept', x_custom: 'kept' } })
    const names = [...seen[0]!.headers.keys()]
    const ours = names.filter((n) => n.replace(/_/g, '-').startsWith('x-edgeward-'))
    // Only edgeward's own, spelled with dashes: no client spelling survives beside them.
    for (const n of ours) expect(['x-edgeward-risk', 'x-edgeward-action', 'x-edgeward-reasons', 'x-edgeward-device']).toContain(n)
    expect(seen[0]!.headers.get('x-edgeward-risk')).toMatch(/^(0|1)\.\d{3}$/)
    expect(seen[0]!.headers.get('x-edgewardish')).toBe('kept')
    expect(seen[0]!.headers.get('x_custom')).toBe('kept')
  })

  it('removes them even when origin headers are off (nothing of ours, nothing of theirs)', async () => {
    await useConfig({ ...QUIET, origin_headers: { enabled: false } })
    const { seen } = await callWorker('/products/3', { headers: { x_edgeward_device: 'forged', 'X_EDGEWARD-ACTION': 'allow' } })
    expect([...seen[0]!.headers.keys()].filter((n) => /^x[-_]edgeward[-_]/.test(n))).toEqual([])
  })
})

describe('rules see the whole User-Agent', () => {
  const RULES = [
    { name: 'tail_marker', when: 'ua contains "evilscanner/2.0"', action: 'block', priority: 5 },
    { name: 'ua_cut', when: 'ua_truncated', action: 'challenge', priority: 6 },
  ]

  it('matches a marker past the first 512 characters', async () => {
    await useConfig({ version: 'ua-tail', rules: RULES })
    const ua = `${CHROME} ${'x'.repeat(600)} EvilScanner/2.0`
    const call = await callWorker('/products/3', { headers: { 'user-agent': ua, accept: 'application/json' } })
    expect(call.response.status).toBe(403)
    expect(call.logs[0]).toMatchObject({ action: 'block', reasons: expect.arrayContaining(['tail_marker']) })
    expect(call.logs[0]?.rules).not.toContain('ua_cut')
  })

  it('says when it cut a User-Agent longer than 8 KiB', async () => {
    await useConfig({ version: 'ua-cut', rules: RULES })
    const ua = `${CHROME} ${'y'.repeat(9000)} EvilScanner/2.0`
    const call = await callWorker('/products/3', { headers: { 'user-agent': ua, accept: 'application/json' } })
    expect(call.logs[0]?.rules).toContain('ua_cut')
    expect(call.logs[0]?.rules).not.toContain('tail_marker') // the marker was past the cut
  })
})

describe('peeked credential bodies reach the origin unchanged', () => {
  it.each([
    ['multipart', 'multipart/form-data; boundary=b1', '--b1\r\nContent-Disposition: form-data; name="username"\r\n\r\nuser0001@example.com\r\n--b1--\r\n'],
    ['padded past the cap', 'application/x-www-form-urlencoded', `pad=${'p'.repeat(200_000)}&username=x&password=y`],
    // Duplicate keys naming one user: two different users would be a decoy, challenged (policy.test.ts).
    ['JSON with duplicate keys', 'application/json', '{"username":"a","username":"A","password":"c"}'],
  ])('%s', async (_what, type, body) => {
    await useConfig(QUIET)
    const { seen, logs } = await callWorker('/login', { method: 'POST', body, headers: { 'content-type': type } })
    expect(new TextDecoder().decode(seen[0]?.body)).toBe(body)
    expect(logs[0]?.route).toBe('login')
  })

  it('forwards a PUT to a login route with its credentials and counts it as an attempt', async () => {
    await useConfig(QUIET)
    const body = JSON.stringify({ username: 'put-user@example.com', password: 'x' })
    const ip = '100.82.0.5'
    await loadForm(ip)
    const first = await callWorker('/login', { method: 'PUT', body, headers: { 'content-type': 'application/json' } }, { clientIp: ip })
    expect(new TextDecoder().decode(first.seen[0]?.body)).toBe(body)
    expect(typeof first.logs[0]?.user).toBe('string')
    expect((first.logs[0]?.features as Record<string, number>).ip_distinct_users_10m).toBe(1)
  })
})
