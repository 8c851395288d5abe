// Log hygiene inside workerd: one valid JSON line per request however hostile the request (paths,
// escapes, control characters, 16 KB headers), and no cookie, token, password or secret in any line.
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, test } from 'vitest'
import { bindingHashes } from '../../src/signals/binding'
import { clearanceNetHash, verifyClearance } from '../../src/signals/clearanceToken'
import { claims, ecPrivateKey, header, signES256, type PrivateJwk } from '../fixtures/tokens/forge'
import { bindingOf, getChallenge, postVerify, setCookieValue, siteverifyReply, solve, testKeys, UA as CHALLENGE_UA } from '../support/challenge'
import { callWorker, clearConfig, writeConfig, type Call } from '../support/worker'

afterEach(clearConfig)

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
const ADMIN = (env as unknown as Env).EDGEWARD_ADMIN_TOKEN ?? ''
const HASH_KEY = (env as unknown as Env).EDGEWARD_USER_HASH_KEY ?? ''
const KEYS = JSON.parse((env as unknown as Env).EDGEWARD_COOKIE_KEYS ?? '') as { keys: PrivateJwk[] }

/** The whole record a request left: decision lines and any console.error lines, as text. */
const written = (c: Call): string => [...c.logs.map((l) => JSON.stringify(l)), ...c.errors].join('\n')

function expectOneLine(c: Call): void {
  expect(c.response.status).toBeLessThan(500)
  expect(c.logs).toHaveLength(1)
  const line = c.logs[0] as Record<string, unknown>
  for (const key of ['ts', 'ref', 'method', 'path', 'route', 'ip', 'action', 'mode', 'missing']) expect(line).toHaveProperty(key)
  // Printable ASCII only: no line-breaking character for any log shipper (\u2028, \u0085, …).
  expect(JSON.stringify(line)).toMatch(/^[\x20-\x7e]*$/)
}

describe('one JSON line per request, whatever the request', () => {
  test.each([
    ['a 8 KB path', `/${'a'.repeat(8192)}`],
    ['invalid UTF-8 escapes', '/%ff%fe/%c3%28/%ed%a0%80'],
    ['broken escapes', '/%/%%/%zz/%2'],
    ['encoded control characters', '/a%00b%0d%0aSet-Cookie:%20x=1/%1b[31m'],
    ['raw control characters', '/a\u0000b\u0007c\u001b'],
    ['line separators', '/a\u2028b\u2029c\u0085d'],
    ['emoji and RTL overrides', '/\u{1F600}/\u202Egnp.exe'],
    ['a reserved disguise', '/%5F%5fEDGEWARD%2f..%2fadmin/stats'],
    ['dot segments out of the root', '/../../../../etc/passwd'],
    ['a query full of escapes', '/search?q=%ff%00%0a&token=x'],
    ['a backslash path', '/\\\\evil.example\\x'],
  ])('writes exactly one line for %s', async (_name, path) => {
    expectOneLine(await callWorker(path, { headers: { 'user-agent': UA } }))
  })

  test.each([
    ['one 16 KB header', { 'x-big': 'v'.repeat(16 * 1024) }],
    ['a 16 KB cookie header', { cookie: `${'a=b; '.repeat(3000)}__edgeward=${'A'.repeat(2000)}` }],
    ['a 16 KB User-Agent', { 'user-agent': `Mozilla/5.0 ${'x'.repeat(16 * 1024)}` }],
    ['100 headers', Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`x-h-${i}`, 'v'.repeat(150)]))],
    ['Latin-1 bytes in values', { 'user-agent': '\u00ff\u0085\u00a0', 'accept-language': '\u00e9\u0085' }],
    ['a cf-ray with a line break character', { 'cf-ray': 'abc\u0085def' }],
    ['a 16 KB test header with the dev flag on', { 'x-edgeward-test-cf': `{"asn":${'1'.repeat(16 * 1024)}}` }],
    ['a test header naming a country with line separators', { 'x-edgeward-test-cf': JSON.stringify({ country: 'N\u2028L', asn: 1e400 }) }],
  ])('writes exactly one line for %s', async (_name, headers) => {
    expectOneLine(await callWorker('/products/1', { headers }, { env: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } }))
  })

  test.each(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'PURGE'])('writes exactly one line for method %s on the login route', async (method) => {
    const withBody = !['GET', 'HEAD'].includes(method)
    expectOneLine(await callWorker('/login', { method, ...(withBody ? { body: '\u0000\u00ff{"username":', headers: { 'content-type': 'application/json' } } : {}) }))
  })

  test.each([
    ['GET', '/__edgeward/nope'],
    ['POST', '/__edgeward/collect'],
    ['GET', '/__edgeward/admin/stats'],
    ['DELETE', '/__EDGEWARD/admin/denylist?kind=ip&value=%ff'],
    ['GET', '/__edgeward/challenge?return=%0d%0a//evil.example'],
    ['POST', '/__edgeward/challenge/verify'],
  ])('writes exactly one line for %s %s', async (method, path) => {
    expectOneLine(await callWorker(path, { method, ...(method === 'POST' ? { body: '{"x":' } : {}) }))
  })
})

describe('no secret in any line', () => {
  let token = ''
  beforeAll(async () => {
    const nowS = Math.floor(Date.now() / 1000)
    token = await signES256(header(KEYS.keys[0]!.kid), JSON.stringify(claims(nowS, await bindingHashes(UA, '203.0.113.7'))), await ecPrivateKey(KEYS.keys[0]!))
  })

  /** Secrets as they travel: the values, and their URL-encoded forms. */
  function expectNoSecret(text: string, secrets: readonly string[]): void {
    for (const s of [...secrets, ADMIN, HASH_KEY, ...KEYS.keys.map((k) => k.d)]) {
      expect(s.length).toBeGreaterThan(3)
      expect(text).not.toContain(s)
      expect(text).not.toContain(encodeURIComponent(s))
    }
  }

  const PASSWORD = 'Tr0ub4dor&3-correct-horse'
  const SESSION = 'sess-4f9a1c7e2b'

  test.each([
    ['a form login', '/login', () => ({ method: 'POST', body: `username=victim%40example.com&password=${encodeURIComponent(PASSWORD)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['a JSON login', '/login', () => ({ method: 'POST', body: JSON.stringify({ email: 'victim@example.com', password: PASSWORD }), headers: { 'content-type': 'application/json' } })],
    ['a signup', '/signup', () => ({ method: 'POST', body: `email=victim%40example.com&password=${encodeURIComponent(PASSWORD)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['a checkout', '/checkout', () => ({ method: 'POST', body: `card_number=4111111111111111&cvv=${encodeURIComponent(PASSWORD)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['secrets in the query', `/account?password=${encodeURIComponent(PASSWORD)}&token=${SESSION}`, () => ({})],
    ['a basic-auth header', '/account', () => ({ headers: { authorization: `Basic ${btoa(`victim:${PASSWORD}`)}` } })],
  ])('logs nothing secret for %s with cookies', async (_name, path, init) => {
    const i = init() as RequestInit
    const headers = new Headers(i.headers)
    headers.set('user-agent', UA)
    headers.set('cookie', `session=${SESSION}; __edgeward=${token}; __edgeward_clearance=${PASSWORD}`)
    const call = await callWorker(path, { ...i, headers })
    expect(call.logs).toHaveLength(1)
    expect(call.logs[0]?.cookie).toBe('valid')
    expectNoSecret(written(call), [PASSWORD, encodeURIComponent(PASSWORD), SESSION, token, token.split('.')[2]!, 'victim@example.com', '4111111111111111'])
  })

  test.each([
    ['the right admin token', () => ADMIN],
    ['a wrong admin token', () => `${PASSWORD}-admin`],
  ])('logs nothing secret for an admin call with %s', async (_name, bearer) => {
    const call = await callWorker('/__edgeward/admin/stats', { headers: { authorization: `Bearer ${bearer()}`, cookie: `__edgeward=${token}` } })
    expect(call.logs).toHaveLength(1)
    expectNoSecret(written(call), [bearer(), token])
  })

  it('logs nothing secret when a collect refreshes the cookie', async () => {
    const telemetry = (await import('../fixtures/tokens/telemetry-valid.json')).default
    const call = await callWorker('/__edgeward/collect', { method: 'POST', body: JSON.stringify(telemetry), headers: { 'content-type': 'application/json', 'user-agent': UA, cookie: `__edgeward=${token}` } })
    expect(call.response.status).toBe(204)
    const issued = /__edgeward=([^;]+)/.exec(call.response.headers.get('set-cookie') ?? '')?.[1] ?? ''
    expect(issued.length).toBeGreaterThan(100)
    expect(call.logs).toHaveLength(1)
    expectNoSecret(written(call), [token, issued])
  })

  it('logs nothing secret when a bad config is rejected or the pipeline fails', async () => {
    await writeConfig({ version: 'x', mode: PASSWORD })
    const rejected = await callWorker('/login', { method: 'POST', body: `username=a&password=${encodeURIComponent(PASSWORD)}`, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `__edgeward=${token}` } })
    const failing = await callWorker('/login', { method: 'POST', body: `username=a&password=${encodeURIComponent(PASSWORD)}`, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `__edgeward=${token}` } }, { env: { EDGEWARD_COOKIE_KEYS: {} as unknown as string } })
    expect(failing.logs[0]?.missing).toContain('pipeline_error')
    // The rejected config's own values may be quoted back to the operator; the request's never are.
    expectNoSecret(written(rejected).replaceAll(PASSWORD, ''), [token])
    expectNoSecret(written(failing), [PASSWORD, token])
  })

  describe('the challenge flow', () => {
    // An address of its own: the hostile requests above get their address deny-listed.
    const clientIp = '198.51.100.77'
    /** Solves a real challenge as the page does; returns what the browser held and got. */
    async function solvedChallenge(): Promise<{ token: string; solution: string; page: Call; verify: Call; clearance: string }> {
      const issued = await getChallenge('return=%2Faccount&d=16', { clientIp })
      const solution = await solve(issued.challengeId, issued.difficulty)
      const verify = await postVerify({ challenge: issued.token, solution }, { clientIp })
      expect(verify.response.status).toBe(303)
      const clearance = setCookieValue(verify.response, '__edgeward_clearance') ?? ''
      expect(clearance.length).toBeGreaterThan(100)
      return { token: issued.token, solution, page: issued.call, verify, clearance }
    }

    it('logs neither the challenge token, its solution (when long enough to tell) nor the clearance issued for it', async () => {
      const { token, solution, page, verify, clearance } = await solvedChallenge()
      expect(page.logs).toHaveLength(1)
      expect(verify.logs).toHaveLength(1)
      expect(verify.logs[0]?.detail).toBe('challenge:cleared:pow')
      const setCookie = verify.response.headers.get('set-cookie') ?? ''
      expectNoSecret([written(page), written(verify)].join('\n'), [token, token.split('.')[2]!, clearance, clearance.split('.')[2]!, setCookie, ...(solution.length > 3 ? [solution] : [])])
    })

    it('logs nothing of a valid clearance cookie that lets a challenged request through', async () => {
      const { clearance } = await solvedChallenge()
      expect(await verifyClearance(clearance, await testKeys(), { now: Date.now(), deviceId: null, netHash: await clearanceNetHash(clientIp), ...(await bindingOf(CHALLENGE_UA, clientIp)) })).toMatchObject({ kind: 'valid' })
      // The model challenges the page (a clearance lifts only the model's challenges, never a rule's).
      await writeConfig({ version: 'hygiene-challenge', thresholds: { other: { challenge: 0, block: 1 } } })
      const call = await callWorker('/products/1', { headers: { 'user-agent': CHALLENGE_UA, cookie: `session=${SESSION}; __edgeward_clearance=${clearance}` } }, { clientIp })
      expect(call.logs).toHaveLength(1)
      // The clearance was read and used: the model's challenge became an allow.
      expect(call.logs[0]).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['cleared']) })
      expectNoSecret(written(call), [clearance, clearance.split('.')[1]!, clearance.split('.')[2]!, SESSION])
    })

    it('logs nothing of a configured Turnstile secret, on the page or the verify', async () => {
      const SECRET = 'turnstile-secret-0x4AAA-do-not-log'
      const turnstile = { EDGEWARD_TURNSTILE_SITE_KEY: '1x00000000000000000000AA', EDGEWARD_TURNSTILE_SECRET: SECRET }
      const issued = await getChallenge('return=%2Faccount', { env: turnstile, clientIp })
      expect(issued.html).toContain('data-sitekey')
      const asked: URLSearchParams[] = []
      const reply = siteverifyReply({ success: true, hostname: 'edge.test', action: 'edgeward-challenge', cdata: issued.challengeId }, asked)
      const verify = await postVerify({ challenge: issued.token, 'cf-turnstile-response': 'XXXX.DUMMY.TOKEN.XXXX' }, { env: turnstile, reply, clientIp })
      expect(verify.response.status).toBe(303)
      // The secret did travel, to siteverify only.
      expect(asked[0]?.get('secret')).toBe(SECRET)
      // The paths where siteverify says no, or cannot be read.
      const refusedBy = async (answer: Parameters<typeof siteverifyReply>[0]) => {
        const again = await getChallenge('return=%2Faccount', { env: turnstile, clientIp })
        return postVerify({ challenge: again.token, 'cf-turnstile-response': 'XXXX.DUMMY.TOKEN.XXXX' }, { env: turnstile, reply: siteverifyReply(answer), clientIp })
      }
      const refused = await refusedBy({ success: false, 'error-codes': ['invalid-input-secret'] })
      const unavailable = await refusedBy(500)
      expect([refused.response.status, unavailable.response.status]).toEqual([403, 503])
      expect([refused.logs[0]?.detail, unavailable.logs[0]?.detail]).toEqual(['challenge:refused:turnstile_failed', 'challenge:unavailable:turnstile_status'])
      expectNoSecret([issued.call, verify, refused, unavailable].map(written).join('\n'), [SECRET, 'XXXX.DUMMY.TOKEN.XXXX', issued.token])
    })
  })
})
