// The operator console through the real fetch handler: refused like the admin API without a token;
// every route refuses without a valid session (forged or wrong key: 401, counted as a guess; none,
// expired, another browser's: sent to sign in, not counted);
// CSRF refused without the session's token or from another origin; hostile paths and User-Agents in
// the decision sample come out escaped; labels, deny and lift, and mode switches act (a rejected
// config leaves the old one in force); the overview counts what the log lines say.
import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it, test, vi } from 'vitest'
import { ZONE_ROOT_NAME, ZONE_SHARDS, zoneShardName } from '../../src/counters/keys'
import { emptyDelta } from '../../src/counters/zone'
import { isolateCaches } from '../../worker/counters/isolate'
import { csrfMatches, csrfToken, issueSession, readSession, SESSION_COOKIE } from '../../worker/console/session'
import { callWorker, clearConfig, loadForm, ownSite, signInPeople, writeConfig } from '../support/worker'

const TOKEN = 'test-admin-token'
/** The session secrets vitest.config.ts gives the Worker: the admin token and EDGEWARD_USER_HASH_KEY. */
const SECRETS = { token: TOKEN, server: 'test-user-hash-key' }
const SITE = 'https://console.edge.test'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
const C = '/__edgeward/console'

const shard = (i: number) => env.ZONE_STATS.get(env.ZONE_STATS.idFromName(zoneShardName(i)))
const root = () => env.ZONE_STATS.get(env.ZONE_STATS.idFromName(ZONE_ROOT_NAME))

/** What isolates would send on their next zone flush, sent now through a shard and forwarded by its alarm to the root. */
async function forwardToRoot(): Promise<void> {
  await shard(0).add(0, emptyDelta(), Date.now(), isolateCaches.console.take())
  for (let i = 0; i < ZONE_SHARDS; i++) await runDurableObjectAlarm(shard(i))
}

async function signIn(ua = UA): Promise<{ cookie: string; csrf: string }> {
  const { response } = await callWorker(`${SITE}${C}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, 'sec-fetch-site': 'same-origin', 'user-agent': ua },
    body: `token=${encodeURIComponent(TOKEN)}`,
  })
  expect(response.status).toBe(303)
  const set = response.headers.get('set-cookie') ?? ''
  const cookie = set.split(';')[0]!
  const jwt = cookie.slice(SESSION_COOKIE.length + 1)
  const sid = JSON.parse(atob(jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sid: string }
  return { cookie, csrf: await csrfToken(SECRETS, sid.sid) }
}

function get(path: string, cookie?: string, ua = UA) {
  return callWorker(`${SITE}${path}`, { headers: { 'user-agent': ua, ...(cookie === undefined ? {} : { cookie }) } })
}

function post(path: string, form: Record<string, string>, cookie?: string, extra: Record<string, string> = {}) {
  return callWorker(`${SITE}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, 'sec-fetch-site': 'same-origin', 'user-agent': UA, ...(cookie === undefined ? {} : { cookie }), ...extra },
    body: new URLSearchParams(form).toString(),
  })
}

afterEach(async () => {
  await clearConfig()
})

describe('console sign-in', () => {
  it('is refused exactly like the admin API when no admin token is configured', async () => {
    for (const [method, path] of [['GET', C], ['GET', `${C}/decisions`], ['POST', `${C}/session`], ['POST', `${C}/mode`], ['DELETE', `${C}/session`]] as const) {
      const { response } = await callWorker(`${SITE}${path}`, { method, headers: { 'user-agent': UA } }, { env: { EDGEWARD_ADMIN_TOKEN: '' } })
      expect(response.status, `${method} ${path}`).toBe(401)
      expect(await response.json()).toEqual({ error: 'unauthorized' })
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
    }
    const logged = await callWorker(`${SITE}${C}`, { headers: { 'user-agent': UA } }, { env: { EDGEWARD_ADMIN_TOKEN: '' } })
    expect(logged.logs[0]?.detail).toBe('console:unauthorized')
    const admin = await callWorker(`${SITE}/__edgeward/admin/stats`, { headers: { 'user-agent': UA } }, { env: { EDGEWARD_ADMIN_TOKEN: '' } })
    expect(admin.response.status).toBe(401)
  })

  it('shows only the sign-in form when signed out, under a CSP with a fresh nonce and no script', async () => {
    const a = await get(C)
    const b = await get(C)
    expect(a.response.status).toBe(200)
    const html = await a.response.text()
    expect(html).toContain('name="token"')
    expect(html).not.toMatch(/Mode|Config version|Deny list|Decisions/)
    const csp = a.response.headers.get('content-security-policy') ?? ''
    expect(csp).toMatch(/script-src 'none'/)
    expect(csp).toMatch(/default-src 'none'/)
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1]
    expect(nonce).toBeTruthy()
    expect(html).toContain(`<style nonce="${nonce}">`)
    expect(b.response.headers.get('content-security-policy')).not.toBe(csp)
    expect(a.response.headers.get('cache-control')).toBe('no-store')
  })

  it('answers a wrong token with the form and an error, never a session or a 500', async () => {
    for (const token of ['wrong', '', 'x'.repeat(5000), `${TOKEN} `]) {
      const { response } = await post(`${C}/session`, { token })
      expect(response.status, token.slice(0, 10)).toBe(401)
      expect(response.headers.get('set-cookie')).toBeNull()
      expect(await response.text()).toContain('not the admin token')
    }
  })

  it('signs in with the admin token: 303 to the console and a short-lived, HttpOnly, SameSite=Strict cookie on the console path', async () => {
    const { response } = await post(`${C}/session`, { token: TOKEN })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(C)
    const set = response.headers.get('set-cookie') ?? ''
    expect(set).toMatch(/^edgeward_console=[\w-]+\.[\w-]+\.[\w-]+;/)
    for (const part of ['Path=/__edgeward/console', 'HttpOnly', 'SameSite=Strict', 'Max-Age=1800', 'Secure']) expect(set).toContain(part)
    const { response: plain } = await callWorker(`http://console.edge.test${C}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': UA, 'sec-fetch-site': 'same-origin' },
      body: `token=${TOKEN}`,
    })
    expect(plain.headers.get('set-cookie')).not.toContain('Secure')
  })

  it('issues no session without the server secret (EDGEWARD_USER_HASH_KEY): the right token gets the form and says why', async () => {
    const { response } = await callWorker(`${SITE}${C}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, 'sec-fetch-site': 'same-origin', 'user-agent': UA },
      body: `token=${TOKEN}`,
    }, { env: { EDGEWARD_USER_HASH_KEY: '' } })
    expect(response.status).toBe(503)
    expect(response.headers.get('set-cookie')).toBeNull()
    expect(await response.text()).toContain('EDGEWARD_USER_HASH_KEY')
    // A session signed before the secret went is no session.
    const s = await signIn()
    const page = await callWorker(`${SITE}${C}/denylist`, { headers: { 'user-agent': UA, cookie: s.cookie } }, { env: { EDGEWARD_USER_HASH_KEY: '' } })
    expect(await page.response.text()).toContain('name="token"')
  })

  it('derives and imports the session key once per isolate, not on every page and form', async () => {
    const first = await issueSession(SECRETS, UA, Date.now()) // warms the key
    const imports = vi.spyOn(crypto.subtle, 'importKey')
    try {
      for (let i = 0; i < 5; i++) {
        const { jwt, session } = await issueSession(SECRETS, UA, Date.now())
        expect((await readSession(jwt, SECRETS, UA, Date.now())).ok).toBe(true)
        expect(await csrfMatches(await csrfToken(SECRETS, session.sid), SECRETS, session.sid)).toBe(true)
      }
      expect((await readSession(first.jwt, SECRETS, UA, Date.now())).ok).toBe(true)
      expect(imports).not.toHaveBeenCalled()
    } finally {
      imports.mockRestore()
    }
  })

  it('refuses a sign-in posted from another site', async () => {
    const { response } = await post(`${C}/session`, { token: TOKEN }, undefined, { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' })
    expect(response.status).toBe(403)
    expect(response.headers.get('set-cookie')).toBeNull()
  })
})

describe('every console route refuses without a valid session', () => {
  const routes = [
    ['GET', `${C}?range=week`],
    ['GET', `${C}/decisions`],
    ['GET', `${C}/decisions/0123456789abcdef`],
    ['GET', `${C}/denylist`],
    ['GET', `${C}/nope`],
    ['POST', `${C}/labels`],
    ['POST', `${C}/denylist`],
    ['POST', `${C}/denylist/lift`],
    ['POST', `${C}/mode`],
    ['POST', `${C}/session/end`],
    ['DELETE', `${C}/session`],
  ] as const
  const forge = async (kind: string): Promise<string | undefined> => {
    const now = Date.now()
    switch (kind) {
      case 'no cookie':
        return undefined
      case 'wrong key':
        return (await issueSession({ ...SECRETS, token: 'some-other-token' }, UA, now)).jwt
      case 'expired':
        return (await issueSession(SECRETS, UA, now - 31 * 60_000)).jwt
      case 'tampered': {
        const [h, , s] = (await issueSession(SECRETS, UA, now)).jwt.split('.')
        const body = btoa(JSON.stringify({ sid: 'x', ua: 'y', aud: 'edgeward-console', iat: now / 1000, exp: now / 1000 + 60 })).replace(/=+$/, '')
        return `${h}.${body}.${s}`
      }
      case 'token-only key': {
        // A session signed the way a key derived from the admin token alone would sign it: what an
        // offline guesser could reproduce for each candidate token. The server secret is missing from it.
        const key = new Uint8Array(await crypto.subtle.sign('HMAC', await crypto.subtle.importKey('raw', new TextEncoder().encode(TOKEN), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']), new TextEncoder().encode('edgeward console session key v1')))
        const ua = (await issueSession(SECRETS, UA, now)).jwt.split('.')[1]!
        const claims = JSON.parse(atob(ua.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
        return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key)
      }
      case 'other server secret':
        return (await issueSession({ ...SECRETS, server: 'another-deployment-key' }, UA, now)).jwt
      case 'another browser':
        return (await issueSession(SECRETS, 'curl/8.0', now)).jwt
      case 'alg none':
        return `${btoa('{"alg":"none"}').replace(/=+$/, '')}.${btoa(JSON.stringify({ sid: 'x', exp: now / 1000 + 60 })).replace(/=+$/, '')}.`
      default:
        return 'garbage'
    }
  }
  const kinds = ['no cookie', 'wrong key', 'token-only key', 'other server secret', 'expired', 'tampered', 'another browser', 'alg none', 'garbage']
  const STALE = ['no cookie', 'expired', 'another browser']
  test.each(kinds.flatMap((k) => routes.map(([m, p]) => [k, m, p] as const)))('%s: %s %s', async (kind, method, path) => {
    const jwt = await forge(kind)
    const headers: Record<string, string> = { 'user-agent': UA, origin: SITE, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' }
    if (jwt !== undefined) headers.cookie = `${SESSION_COOKIE}=${jwt}`
    const { response } = await callWorker(`${SITE}${path}`, { method, headers, ...(method === 'POST' ? { body: 'csrf=x&mode=shadow&kind=ip&value=198.51.100.1&ttl_s=60&ref=abc&label=fraud' } : {}) })
    // A cookie we never signed is refused (401, counted as a guess); a missing, expired or other
    // browser's session is sent to sign in (the form on a GET, a 303 to it otherwise), not counted.
    if (STALE.includes(kind)) {
      if (method !== 'GET') {
        expect(response.status).toBe(303)
        expect(response.headers.get('location')).toBe(kind === 'expired' ? `${C}?signin=expired` : C)
        return
      }
      expect(response.status).toBe(200)
    } else expect(response.status).toBe(401)
    if (kind !== 'no cookie') expect(response.headers.get('set-cookie')).toContain('Max-Age=0')
    const html = await response.text()
    expect(html).toContain('name="token"')
    if (kind === 'expired') expect(html).toContain('Your session expired')
    expect(html).not.toMatch(/Config version|Decision |Deny list/)
  })

  it('stale sessions never use up the admin failure budget; forged cookies do', async () => {
    // As deployed: the reserved limits on, 3 failures per address per 10 minutes.
    await writeConfig({ version: 'console-stale', counters: { budget_ms: 1000 }, reserved_limits: { admin_failures_per_ip_10m: 3 } })
    const on = { env: { EDGEWARD_RESERVED_LIMITS: undefined }, clientIp: '100.73.0.9' }
    const now = Date.now()
    const expired = `${SESSION_COOKIE}=${(await issueSession(SECRETS, UA, now - 31 * 60_000)).jwt}`
    const unbound = `${SESSION_COOKIE}=${(await issueSession(SECRETS, 'curl/8.0', now)).jwt}`
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, 'sec-fetch-site': 'same-origin', 'user-agent': UA }
    // An office's stale tabs, a signed-out bookmark and a post from an expired page: nine of them.
    for (const cookie of [expired, unbound, undefined]) {
      for (const path of [`${C}/decisions`, `${C}/denylist`]) {
        const r = await callWorker(`${SITE}${path}`, { headers: { 'user-agent': UA, ...(cookie === undefined ? {} : { cookie }) } }, on)
        expect(r.response.status, path).toBe(200)
      }
      const p = await callWorker(`${SITE}${C}/mode`, { method: 'POST', headers: { ...form, ...(cookie === undefined ? {} : { cookie }) }, body: 'csrf=x&mode=shadow' }, on)
      expect(p.response.status).toBe(303)
    }
    expect(await (await get(`${C}?signin=expired`)).response.text()).toContain('Your session expired')
    // The operator still signs in, and the admin API still answers from that address.
    const signedIn = await callWorker(`${SITE}${C}/session`, { method: 'POST', headers: form, body: `token=${TOKEN}` }, on)
    expect(signedIn.response.status).toBe(303)
    const api = await callWorker(`${SITE}/__edgeward/admin/stats`, { headers: { authorization: `Bearer ${TOKEN}` } }, on)
    expect(api.response.status).toBe(200)
    // Three forged cookies use it up.
    const forged = `${SESSION_COOKIE}=${(await issueSession({ ...SECRETS, token: 'a-guess' }, UA, now)).jwt}`
    for (let i = 0; i < 3; i++) expect((await callWorker(`${SITE}${C}/decisions`, { headers: { 'user-agent': UA, cookie: forged } }, on)).response.status).toBe(401)
    expect((await callWorker(`${SITE}${C}/decisions`, { headers: { 'user-agent': UA, cookie: forged } }, on)).response.status).toBe(429)
  }, 30_000)

  it('the bare console path with a bad cookie is refused too (and the cookie cleared)', async () => {
    const { response } = await get(C, `${SESSION_COOKIE}=${(await issueSession({ ...SECRETS, token: 'other' }, UA, Date.now())).jwt}`)
    expect(response.status).toBe(401)
    expect(response.headers.get('set-cookie')).toContain('Max-Age=0')
  })
})

describe('CSRF', () => {
  it('refuses a form without the session token, with a wrong one, or from another origin, and changes nothing', async () => {
    await writeConfig({ version: 'csrf-1', mode: 'shadow' })
    const s = await signIn()
    const cases: [string, Record<string, string>, Record<string, string>][] = [
      ['no token', { mode: 'enforce' }, {}],
      ['wrong token', { mode: 'enforce', csrf: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, {}],
      ['another session token', { mode: 'enforce', csrf: await csrfToken(SECRETS, 'another-sid') }, {}],
      ['cross-site fetch', { mode: 'enforce', csrf: s.csrf }, { 'sec-fetch-site': 'cross-site' }],
      ['other origin', { mode: 'enforce', csrf: s.csrf }, { origin: 'https://evil.test', 'sec-fetch-site': 'same-site' }],
      ['null origin', { mode: 'enforce', csrf: s.csrf }, { origin: 'null' }],
    ]
    for (const [name, form, extra] of cases) {
      const { response } = await post(`${C}/mode`, form, s.cookie, extra)
      expect(response.status, name).toBe(403)
      expect(JSON.parse((await env.EDGEWARD_CONFIG.get('config')) ?? '{}').mode, name).toBe('shadow')
    }
    const ok = await post(`${C}/mode`, { mode: 'enforce', csrf: s.csrf }, s.cookie)
    expect(ok.response.status).toBe(303)
    expect(JSON.parse((await env.EDGEWARD_CONFIG.get('config')) ?? '{}').mode).toBe('enforce')
  })
})

describe('the decision sample', () => {
  it('shows hostile paths and User-Agents escaped, in the list and on the decision page', async () => {
    isolateCaches.console.take()
    const hostileUa = '<script>alert("ua")</script><img src=x onerror=alert(1)>'
    const hostilePath = `/products/'"><script>alert(1)</script>`
    const hit = await callWorker(`https://hostile.edge.test${hostilePath}`, { headers: { 'user-agent': hostileUa } })
    const ref = String(hit.logs[0]?.ref)
    expect(ref).toMatch(/^[0-9a-f]+$/)
    await forwardToRoot()
    const s = await signIn()
    const list = await get(`${C}/decisions?host=hostile.edge.test`, s.cookie)
    expect(list.response.status).toBe(200)
    const listHtml = await list.response.text()
    expect(listHtml).toContain(ref)
    const one = await get(`${C}/decisions/${ref}`, s.cookie)
    expect(one.response.status).toBe(200)
    const html = await one.response.text()
    for (const page of [listHtml, html]) {
      expect(page).not.toMatch(/<script|<img|onerror=alert/i)
    }
    expect(html).toContain('&#60;script&#62;alert(&#34;ua&#34;)&#60;&#47;script&#62;')
    expect(html).toContain('&#39;') // the quote in the path, as an entity
  })

  it('a hostile value written straight into the root sample is escaped too', async () => {
    const line = {
      at: Date.now(), ref: 'hostile0000000001', method: 'GET', host: '<b>h</b>', path: '/"><svg onload=alert(1)>', route: 'other', ip: '"><script>x</script>',
      asn: null, country: null, device: '<i>d</i>', user: null, agent: null, risk: 0.5, model_risk: null, action: 'block', would_action: 'block',
      mode: 'enforce', reasons: ['<script>r</script>'], rules: ['<u>rule</u>'], model: '<m>', config: '<c>', origin_status: null, missing: [], detail: '<d>',
      status: null, ua: '<script>ua</script>', features: { '<f>': 1 },
    }
    await root().report(7, 'hostile-epoch', 1, emptyDelta(), Date.now(), { minutes: [[Math.floor(Date.now() / 60_000), 'reason', '<script>r</script>', 1]], sample: [line] })
    const s = await signIn()
    for (const path of [`${C}/decisions/hostile0000000001`, `${C}/decisions?action=block`, C]) {
      const { response } = await get(path, s.cookie)
      expect(response.status, path).toBe(200)
      const html = await response.text()
      expect(html, path).not.toMatch(/<script|<svg onload|<b>h|<i>d|<u>rule|<m>|<c>|<d>|<f>/)
    }
  })
})

describe('acting from the console', () => {
  it('offers to deny a line\'s ip only when it is a full address, never a keyed hash or a truncated /24 or /48', async () => {
    const base = {
      method: 'GET', host: 'deny.edge.test', path: '/', route: 'other', asn: null, country: null, device: null, user: null, agent: null, risk: 0.9, model_risk: null,
      action: 'block', would_action: 'block', mode: 'enforce', reasons: [], rules: [], model: 'm', config: 'c', origin_status: null, missing: [], detail: null, status: null, ua: 'x', features: null,
    }
    const cases = [
      ['denyip0000000001', '9f86d081884c7d659a2feaa0c55ad015', false], // ip_log: hashed
      ['denyip0000000002', '2001:db8:1::/48', false], // ip_log: truncated, IPv6
      ['denyip0000000003', '203.0.113.0/24', false], // ip_log: truncated, IPv4
      ['denyip0000000004', '198.51.100.7', true],
      ['denyip0000000005', '2001:db8::7', true],
    ] as const
    const now = Date.now()
    await root().report(8, 'deny-ip-epoch', 1, emptyDelta(), now, { minutes: [], sample: cases.map(([ref, ip], i) => ({ ...base, at: now + i, ref, ip })) })
    const s = await signIn()
    for (const [ref, ip, offered] of cases) {
      const html = await (await get(`${C}/decisions/${ref}`, s.cookie)).response.text()
      expect(html, ip).toContain('Deny its source')
      expect(html.includes('<option value="ip">'), ip).toBe(offered)
      if (!offered) expect(html, ip).toContain('neither a full IP nor a device')
    }
  })

  it('labels a decision, its device or its user (taken from the line, not the form)', async () => {
    isolateCaches.console.take()
    const hit = await callWorker('https://label.edge.test/products/3', { headers: { 'user-agent': UA } })
    const ref = String(hit.logs[0]?.ref)
    await forwardToRoot()
    const s = await signIn()
    const { response } = await post(`${C}/labels`, { ref, label: 'fraud', of: 'ref', csrf: s.csrf }, s.cookie)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(`${C}/decisions/${ref}?done=labelled`)
    const exported = await callWorker(`${SITE}/__edgeward/admin/labels`, { headers: { authorization: `Bearer ${TOKEN}` } })
    const labels = (await exported.response.text()).trim().split('\n').map((l) => JSON.parse(l) as { ref?: string; label: string })
    expect(labels.some((l) => l.ref === ref && l.label === 'fraud')).toBe(true)
    const bad = await post(`${C}/labels`, { ref, label: 'maybe', csrf: s.csrf }, s.cookie)
    expect(bad.response.status).toBe(400)
  })

  it('adds a deny entry that blocks the source, and lifts it', async () => {
    const ip = '198.51.100.77'
    const s = await signIn()
    const add = await post(`${C}/denylist`, { kind: 'ip', value: ip, ttl_s: '3600', reason: 'console test', csrf: s.csrf }, s.cookie)
    expect(add.response.status).toBe(303)
    const listed = await get(`${C}/denylist`, s.cookie)
    expect(await listed.response.text()).toContain(ip)
    const blocked = await callWorker('https://deny.edge.test/products/4', { headers: { 'user-agent': UA } }, { clientIp: ip })
    expect(blocked.response.status).toBe(403)
    expect(blocked.response.headers.get('edgeward-mitigated')).toBe('block')
    const lift = await post(`${C}/denylist/lift`, { kind: 'ip', value: ip, csrf: s.csrf }, s.cookie)
    expect(lift.response.status).toBe(303)
    isolateCaches.deny.clear(`ip:${ip}`)
    const again = await post(`${C}/denylist/lift`, { kind: 'ip', value: ip, csrf: s.csrf }, s.cookie)
    expect(again.response.status).toBe(404)
    const bad = await post(`${C}/denylist`, { kind: 'ip', value: 'not-an-ip', ttl_s: '3600', csrf: s.csrf }, s.cookie)
    expect(bad.response.status).toBe(400)
    expect(await bad.response.text()).toContain('Not added')
  })

  it('Lift unblocks: a source credential stuffing listed is let back in on its next request, not listed again', async () => {
    // As test/worker/unblock.test.ts: the model out of reach, so what lists the source is the stuffing rule's real counts.
    ownSite('console-lift')
    await writeConfig({ version: 'console-lift', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    const DEMO = { env: { ORIGIN_URL: 'demo' } }
    const ip = '100.91.1.7'
    const login = (user: number, password: string) =>
      callWorker('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=user${String(user).padStart(4, '0')}%40example.com&password=${password}` }, { ...DEMO, clientIp: ip })
    await signInPeople(10)
    await loadForm(ip, DEMO)
    for (let i = 1; i <= 8; i++) {
      const call = await login(100 + i, 'wrong')
      if (call.logs[0]?.rules instanceof Array && (call.logs[0].rules as string[]).includes('credential_stuffing')) break
    }
    const listed = await callWorker('/products/1', {}, { ...DEMO, clientIp: ip })
    expect(listed.response.status).toBe(403)
    expect(listed.logs[0]?.reasons).toContain('deny_ip')
    const s = await signIn()
    const lift = await post(`${C}/denylist/lift`, { kind: 'ip', value: ip, csrf: s.csrf }, s.cookie)
    expect(lift.response.status).toBe(303)
    // The next request and a failed login are judged afresh: neither trips credential_stuffing again.
    const page = await callWorker('/products/1', {}, { ...DEMO, clientIp: ip })
    expect(page.response.status).toBe(200)
    const again = await login(200, 'wrong')
    expect(again.response.status).toBe(401)
    expect(again.logs[0]?.rules).not.toContain('credential_stuffing')
  })

  it('switches mode, and a config the schema rejects leaves the old one in force', async () => {
    await writeConfig({ version: 'mode-1', mode: 'enforce' })
    const s = await signIn()
    const sw = await post(`${C}/mode`, { mode: 'shadow', csrf: s.csrf }, s.cookie)
    expect(sw.response.status).toBe(303)
    expect(sw.response.headers.get('location')).toBe(`${C}?done=mode_shadow`)
    const health = async () => (await (await callWorker(`${SITE}/__edgeward/health`)).response.json()) as { mode: string; config: string }
    const now = await health()
    expect(now.mode).toBe('shadow')
    expect(now.config).not.toBe('mode-1')
    const overview = await get(`${C}?done=mode_shadow`, s.cookie)
    const html = await overview.response.text()
    expect(html).toContain('Mode switched to shadow')
    expect(html).toContain(now.config)

    // A stored config the schema rejects: the console writes nothing and says why; the last good one stays in force.
    const bad = JSON.stringify({ version: 'bad-1', mode: 'shadow', rules: [{ name: 'Not A Name', when: 'true' }] })
    await env.EDGEWARD_CONFIG.put('config', bad)
    const refused = await post(`${C}/mode`, { mode: 'enforce', csrf: s.csrf }, s.cookie)
    expect(refused.response.status).toBe(409)
    expect(await refused.response.text()).toContain('rejected')
    expect(await env.EDGEWARD_CONFIG.get('config')).toBe(bad)
    expect((await health()).mode).toBe('shadow')
  })

  it('signs out with the form (303, cookie cleared) and with DELETE (204)', async () => {
    const s = await signIn()
    const out = await post(`${C}/session/end`, { csrf: s.csrf }, s.cookie)
    expect(out.response.status).toBe(303)
    expect(out.response.headers.get('set-cookie')).toMatch(/^edgeward_console=; Path=\/__edgeward\/console; Max-Age=0/)
    const del = await callWorker(`${SITE}${C}/session`, { method: 'DELETE', headers: { cookie: s.cookie, 'user-agent': UA, origin: SITE, 'sec-fetch-site': 'same-origin' } })
    expect(del.response.status).toBe(204)
    expect(del.response.headers.get('set-cookie')).toContain('Max-Age=0')
  })
})

describe('the overview', () => {
  it('counts the decisions the log lines show, per action and host, and links each bar to them', async () => {
    isolateCaches.console.take()
    const host = 'count.edge.test'
    const lines: Record<string, unknown>[] = []
    for (let i = 0; i < 5; i++) lines.push(...(await callWorker(`https://${host}/products/${i + 1}`, { headers: { 'user-agent': UA } })).logs)
    lines.push(...(await callWorker(`https://${host}/login`, { method: 'POST', headers: { 'user-agent': 'curl/8.5.0', 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=a&password=b' })).logs)
    await forwardToRoot()
    const s = await signIn()
    const { response } = await get(C, s.cookie)
    expect(response.status).toBe(200)
    const html = await response.text()
    // The host's row in "Top hosts" says how many lines were logged for it.
    const row = new RegExp(`${host.replace(/\./g, '\\.')}</a></td><td class="n">(\\d+)<`)
    const m = row.exec(html)
    expect(Number(m?.[1])).toBe(lines.length)
    // Every logged action of the host is reachable from the chart.
    const list = await get(`${C}/decisions?host=${host}`, s.cookie)
    const listHtml = await list.response.text()
    for (const l of lines) expect(listHtml).toContain(String(l.ref))
    expect(listHtml).toContain(`${lines.length.toLocaleString('en-US')} of the`)
    expect(html).toContain('<a href="&#47;__edgeward&#47;console&#47;decisions?action&#61;allow&#38;from&#61;')
  })
})
