// App tokens through the real Worker: the operator registers its app's Ed25519 public key in the
// config; the app trades an assertion signed with the private key for a token bound to its
// User-Agent and network, and its library User-Agent signs in where an unregistered one is blocked.
// Every bad, replayed, expired or foreign assertion is refused (never a 5xx); a token on another
// network or User-Agent is no token; a token holder that stuffs is still stopped by the counters.
import { SignJWT, exportJWK, type JWK } from 'jose'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { APP_ASSERTION_AUDIENCE, APP_TOKEN_HEADER } from '../../src/signals/appToken'
import { callWorker, clearConfig, writeConfig, type Call } from '../support/worker'

afterEach(clearConfig)

const APP_UA = 'okhttp/4.12.0'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
let keys: CryptoKeyPair
let publicJwk: JWK

beforeAll(async () => {
  keys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair
  publicJwk = await exportJWK(keys.publicKey)
})

let net = 0
const freshIp = (): string => `100.99.${++net}.5`
let jtis = 0
const jti = (): string => `test-assertion-${String(++jtis).padStart(6, '0')}`

async function assertion(opts: { iss?: string; aud?: string; ageS?: number; ttlS?: number; key?: CryptoKey; id?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000) - (opts.ageS ?? 0)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(opts.iss ?? 'bank-app')
    .setAudience(opts.aud ?? APP_ASSERTION_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.ttlS ?? 120))
    .setJti(opts.id ?? jti())
    .sign(opts.key ?? keys.privateKey)
}

const registered = () => ({ version: 'apps', counters: { budget_ms: 1000 }, apps: [{ id: 'bank-app', public_key: publicJwk }] })

async function mint(ip: string, body: unknown, ua = APP_UA): Promise<Call> {
  return callWorker('/__edgeward/app/token', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', 'user-agent': ua } }, { clientIp: ip })
}

async function tokenFor(ip: string, ua = APP_UA): Promise<string> {
  const r = await mint(ip, { assertion: await assertion() }, ua)
  expect(r.response.status).toBe(200)
  const { token, expires_in } = (await r.response.json()) as { token: string; expires_in: number }
  expect(expires_in).toBe(900)
  return token
}

const login = (ip: string, n: number, password: string, token?: string, ua = APP_UA) =>
  callWorker(
    '/login',
    { method: 'POST', body: `username=user${String(n).padStart(4, '0')}%40example.com&password=${password}`, headers: { ...FORM, 'user-agent': ua, ...(token === undefined ? {} : { [APP_TOKEN_HEADER]: token }) } },
    { clientIp: ip, env: { ORIGIN_URL: 'demo' } },
  )

describe('app tokens', () => {
  it('lift fake_crawler: an app whose User-Agent names a verifiable crawler token is not blocked as a spoof with its token', async () => {
    await writeConfig(registered())
    const ip = freshIp()
    const ua = 'bank-app/3.1 (Storebot-Google compatible)'
    const without = await callWorker('/products/1', { headers: { 'user-agent': ua } }, { clientIp: ip })
    expect(without.response.status).toBe(403)
    expect(without.logs[0]?.rules).toContain('fake_crawler')
    const token = await tokenFor(ip, ua)
    const withToken = await callWorker('/products/1', { headers: { 'user-agent': ua, [APP_TOKEN_HEADER]: token } }, { clientIp: ip })
    expect(withToken.logs[0]?.rules).not.toContain('fake_crawler')
    expect(withToken.response.status).toBe(200)
  })

  it("let the operator's own app sign in with its library User-Agent, which is blocked without one", async () => {
    await writeConfig(registered())
    const ip = freshIp()
    const without = await login(ip, 7, 'pass-0007')
    expect(without.response.status).toBe(403)
    expect(without.logs[0]?.rules).toContain('declared_bot_on_sensitive_route')
    const token = await tokenFor(ip)
    const signedIn = await login(ip, 7, 'pass-0007', token)
    expect(signedIn.response.status).toBe(200)
    expect(signedIn.logs[0]).toMatchObject({ app: 'bank-app', action: 'allow' })
    // The origin never sees the token.
    const echo = await callWorker('/api/products', { headers: { 'user-agent': APP_UA, [APP_TOKEN_HEADER]: token } }, { clientIp: ip })
    expect(echo.seen[0]?.headers.get(APP_TOKEN_HEADER)).toBeNull()
    expect(echo.logs[0]?.app).toBe('bank-app')
  })

  it('refuses a replayed, expired, foreign, tampered or badly formed assertion — 400 or 401, never a 5xx', async () => {
    await writeConfig(registered())
    const ip = freshIp()
    const once = await assertion()
    expect((await mint(ip, { assertion: once })).response.status).toBe(200)
    const other = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const good = await assertion()
    const tampered = `${good.slice(0, -4)}${good.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`
    const cases: [string, unknown, number, string][] = [
      ['replayed', { assertion: once }, 401, 'app_token:replayed'],
      ['expired', { assertion: await assertion({ ageS: 600, ttlS: 120 }) }, 401, 'app_token:expired'],
      ['signed by another key', { assertion: await assertion({ key: other.privateKey }) }, 401, 'app_token:bad_signature'],
      ['an unknown app', { assertion: await assertion({ iss: 'someone-else' }) }, 401, 'app_token:unknown_app'],
      ['another audience', { assertion: await assertion({ aud: 'elsewhere' }) }, 401, 'app_token:bad_claims'],
      ['a long-lived assertion', { assertion: await assertion({ ttlS: 3600 }) }, 401, 'app_token:too_old'],
      ['tampered', { assertion: tampered }, 401, 'app_token:bad_signature'],
      ['not a JWT', { assertion: 'hello' }, 400, 'app_token:malformed'],
      ['no assertion', { nothing: true }, 400, 'app_token:missing'],
      ['not JSON', '{', 400, 'app_token:not_json'],
    ]
    for (const [what, body, status, detail] of cases) {
      const r = await mint(ip, body)
      expect(r.response.status, what).toBe(status)
      expect(r.logs[0]?.detail, what).toBe(detail)
      expect(await r.response.text(), what).not.toContain('token')
    }
  })

  it('is no token on another network or User-Agent, nor once the app is no longer registered', async () => {
    await writeConfig(registered())
    const ip = freshIp()
    const token = await tokenFor(ip)
    expect((await login(freshIp(), 7, 'pass-0007', token)).response.status).toBe(403) // another /24
    expect((await login(ip, 7, 'pass-0007', token, 'okhttp/4.11.0')).response.status).toBe(403)
    await writeConfig({ ...registered(), version: 'apps-removed', apps: [] })
    const revoked = await login(ip, 7, 'pass-0007', token)
    expect(revoked.response.status).toBe(403)
    expect(revoked.logs[0]?.app).toBeNull()
  })

  it('lifts nothing the counters say: a token holder trying many usernames is blocked by credential_stuffing by its 5th', async () => {
    await writeConfig(registered())
    const ip = freshIp()
    const token = await tokenFor(ip)
    const actions: string[] = []
    for (let i = 1; i <= 6; i++) actions.push((await login(ip, 100 + i, 'wrong', token)).logs[0]!.action as string)
    const first = actions.findIndex((a) => a !== 'allow') + 1
    expect(first).toBeGreaterThan(0)
    expect(first).toBeLessThanOrEqual(5)
  })
})
