// The challenge page and the interstitial that leads to it: strict CSP with a nonce, no
// third-party script by default, accessible text, the return path validated and encoded,
// the difficulty only from a signed ticket (never the query), nothing hostile reflected, and a
// plain 503 (never a 500) when no key can sign a challenge.
import { afterEach, describe, expect, it } from 'vitest'
import { respond } from '../../src/action/respond'
import type { MitigatingDecision } from '../../src/policy/decision'
import { mitigationResponse } from '../../worker/pages/render'
import { clearanceNetHash, issueClearanceToken } from '../../src/signals/clearanceToken'
import { bindingOf, CLIENT_IP, decodePayload, getChallenge, getChallengeRaw, HTML_ACCEPT, setCookieValue, solveAndVerify, testKeys, ticketFor, UA } from '../support/challenge'
import { callWorker, clearConfig, writeConfig } from '../support/worker'

afterEach(clearConfig)

const XSS = [
  '/<script>alert(1)</script>',
  '/x"><img src=x onerror=alert(1)>',
  "/x'><svg/onload=alert(1)>",
  '/x?q=</script><script>alert(1)</script>',
  '/`${alert(1)}`',
]

function expectNoRawXss(body: string): void {
  expect(body).not.toContain('<script>alert')
  expect(body).not.toContain('onerror=')
  expect(body).not.toMatch(/<svg/i)
  expect(body).not.toContain('<img')
  expect(body).not.toContain('${alert')
}

describe('the challenge page', () => {
  it('answers 200 with a nonce CSP, no third-party script and the SDK from our own origin', async () => {
    const { call, html } = await getChallenge('return=%2Fproducts%2F7&d=14')
    expect(call.response.status).toBe(200)
    const csp = call.response.headers.get('content-security-policy') ?? ''
    const nonce = /'nonce-([0-9a-f]{32})'/.exec(csp)?.[1]
    expect(nonce).toBeDefined()
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("form-action 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-eval')
    expect(csp).not.toMatch(/https?:/)
    expect(call.response.headers.get('cache-control')).toBe('no-store')
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '')
    expect(scripts.length).toBeGreaterThan(0)
    for (const attrs of scripts) expect(attrs).toContain(`nonce="${nonce}"`)
    const external = scripts.map((a) => /src="([^"]*)"/.exec(a)?.[1]).filter((s) => s !== undefined)
    expect(external.map((s) => s.replace(/&#47;/g, '/'))).toEqual(['/__edgeward/sdk.js'])
  })

  it('is accessible: a heading, a noscript explanation and a live status line', async () => {
    const { html } = await getChallenge('return=%2F')
    expect(html).toMatch(/<html lang="en">/)
    expect(html).toMatch(/<h1>[^<]+<\/h1>/)
    expect(html).toMatch(/<noscript>[\s\S]*JavaScript[\s\S]*<\/noscript>/)
    expect(html).toMatch(/<p id="ew-status" role="status" aria-live="polite">/)
    expect(html).toContain('action="/__edgeward/challenge/verify"')
    expect(html).toContain('method="post"')
  })

  it.each([
    ['d=12', 20],
    ['d=1', 20],
    ['d=99', 20],
    ['d=%31%32', 20],
    ['', 20],
  ])('never takes the difficulty from the query: %j → %i bits', async (query, bits) => {
    const { token, difficulty } = await getChallengeRaw(`return=%2F&${query}`)
    expect(difficulty).toBe(bits)
    expect(decodePayload(token)).toMatchObject({ d: bits, m: 'pow', r: '/' })
  })

  it.each([12, 16, 20])('takes the difficulty from a signed ticket (%i bits), whatever d= says', async (bits) => {
    const ticket = await ticketFor(bits, '/products/7')
    const { token, difficulty } = await getChallengeRaw(`return=%2Felsewhere&d=12&t=${encodeURIComponent(ticket)}`)
    expect(difficulty).toBe(bits)
    // The ticket's return path is signed; the query's is not read when a ticket is valid.
    expect(decodePayload(token)).toMatchObject({ d: bits, m: 'pow', r: '/products/7' })
  })

  it.each<[string, () => Promise<string>]>([
    ['another User-Agent', () => ticketFor(12, '/', { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) other' })],
    ['another network', () => ticketFor(12, '/', { clientIp: '198.51.100.9' })],
    ['an expired ticket', () => ticketFor(12, '/', {}, Date.now() - 301_000)],
    ['a tampered ticket', async () => `${(await ticketFor(12)).slice(0, -3)}AAA`],
    ['a clearance cookie instead of a ticket', async () => {
      const keys = await testKeys()
      if (!keys.ok) throw new Error('keys')
      return issueClearanceToken({ challengeId: 'T'.repeat(22), method: 'pow', difficulty: 12, deviceId: null, netHash: await clearanceNetHash(CLIENT_IP), now: Date.now(), ...(await bindingOf()) }, keys.value)
    }],
    ['garbage', async () => 'not.a.ticket'],
  ])('asks the most work for %s', async (_name, make) => {
    const { difficulty } = await getChallengeRaw(`return=%2F&d=12&t=${encodeURIComponent(await make())}`)
    expect(difficulty).toBe(20)
  })

  it('signs the validated return path, the binding and a five-minute expiry into the challenge', async () => {
    const { token, challengeId } = await getChallenge('return=%2Fproducts%2F7%3Fcolour%3Dred')
    const claims = decodePayload(token)
    expect(claims).toMatchObject({ v: 1, jti: challengeId, r: '/products/7?colour=red' })
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300)
    expect(JSON.parse(atob((token.split('.')[0] ?? '').replace(/-/g, '+').replace(/_/g, '/')))).toEqual({ alg: 'ES256', kid: 'test-new', typ: 'edgeward-challenge+jwt' })
  })

  it('issues a new, different challenge on every visit', async () => {
    const a = await getChallenge('return=%2F')
    const b = await getChallenge('return=%2F')
    expect(a.challengeId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(a.challengeId).not.toBe(b.challengeId)
  })

  it.each(XSS)('never reflects hostile input in the return path raw: %s', async (payload) => {
    const { html, token } = await getChallenge(`return=${encodeURIComponent(payload)}&d=${encodeURIComponent(payload)}`)
    expectNoRawXss(html)
    expect(String(decodePayload(token).r)).not.toMatch(/[<>"`\s]/)
  })

  it('does not send an already-cleared browser round again (no endless loop), but asks for more work when needed', async () => {
    const { verify } = await solveAndVerify('return=%2Fproducts%2F7&d=14')
    const cookie = `__edgeward_clearance=${setCookieValue(verify.response, '__edgeward_clearance')}`
    const again = await getChallenge('return=%2Fproducts%2F7&d=14', { cookie })
    expect(again.call.response.status).toBe(403)
    expect(again.html).toContain('already verified')
    expect(again.html).toContain('href="&#47;products&#47;7"')
    expect(again.token).toBe('')
    const harder = await getChallenge('return=%2Fproducts%2F7&d=16', { cookie })
    expect(harder.call.response.status).toBe(200)
    expect(harder.difficulty).toBe(16)
    const otherUa = await getChallenge('return=%2Fproducts%2F7&d=14', { cookie, ua: 'Mozilla/5.0 other' })
    expect(otherUa.call.response.status).toBe(200)
  })

  it('says plainly that it cannot verify right now when there are no keys (503, never 500)', async () => {
    const { call, html, token } = await getChallenge('return=%2Fx', { env: { EDGEWARD_COOKIE_KEYS: undefined } })
    expect(call.response.status).toBe(503)
    expect(html).toContain("can't verify your browser right now")
    expect(token).toBe('')
    expect(html).not.toContain('<script')
  })
})

describe('the interstitial of a challenged request', () => {
  const decision = (difficulty: number): MitigatingDecision => ({
    action: 'challenge', difficulty, risk: 0.5, modelRisk: 0.5, mode: 'enforce', routeClass: 'other', wouldAction: 'challenge', source: 'model', reasons: [], rules: [],
  })

  it('sends the browser to the challenge page with the return path and the decision difficulty', async () => {
    const m = respond(decision(17), HTML_ACCEPT, 'ref1', '/products/7?x=1')
    expect(m.body).toEqual({ format: 'html', page: 'challenge', returnPath: '/products/7?x=1', difficulty: 17 })
    const page = await mitigationResponse(m, 'ref1').text()
    expect(page).toContain('/__edgeward/challenge?return=%2Fproducts%2F7%3Fx%3D1')
  })

  it.each([
    ['GET', '/products/7', 'http://edge.test/elsewhere', '/products/7'],
    ['POST', '/login', 'http://edge.test/login?next=%2Faccount', '/login?next=%2Faccount'],
    ['POST', '/login', 'http://edge.test/', '/'],
    ['POST', '/login', 'https://evil.example/login', '/login'],
    ['POST', '/login', 'http://edge.test.evil.example/login', '/login'],
    ['POST', '/login', 'http://edge.test/__edgeward/challenge?return=%2Fx', '/login'],
    ['POST', '/login', 'not a url', '/login'],
    ['POST', '/login', null, '/login'],
    ['PUT', '/profile?tab=2', 'http://edge.test/profile', '/profile'],
    ['POST', '//evil.example', null, '/'],
  ])('a %s to %s with Referer %j returns to %s', (method, rawPath, referer, expected) => {
    const m = respond(decision(12), HTML_ACCEPT, 'r', rawPath, { method, referer, origin: 'http://edge.test' })
    expect(m.body).toMatchObject({ page: 'challenge', returnPath: expected })
  })

  it('carries the decision difficulty as a signed ticket bound to the client, which the page honours', async () => {
    await writeConfig({ version: 'c-ticket', thresholds: { default: { challenge: 0, block: 1 } } })
    const first = await callWorker('/products/3', { headers: { accept: HTML_ACCEPT, 'user-agent': UA } }, { clientIp: CLIENT_IP })
    expect(first.response.status).toBe(403)
    const link = /\/__edgeward\/challenge\?([^"]+)"/.exec(await first.response.text())?.[1]?.replace(/&amp;/g, '&') ?? ''
    expect(link).not.toMatch(/(^|&)d=/)
    const ticket = new URLSearchParams(link).get('t') ?? ''
    const claims = decodePayload(ticket)
    expect(claims).toMatchObject({ m: 'pow', r: '/products/3', d: expect.any(Number) })
    expect(claims.b).toEqual({ u: (await bindingOf()).uaHash, n: (await bindingOf()).ipPrefixHash })
    const page = await getChallengeRaw(`${link}&d=12`, { clientIp: CLIENT_IP })
    expect(page.difficulty).toBe(claims.d)
    // The same link from another network is worth nothing: the most work.
    expect((await getChallengeRaw(link, { clientIp: '198.51.100.20' })).difficulty).toBe(20)
  })

  it('keeps answering non-HTML clients with 403 JSON and edgeward-mitigated: challenge', async () => {
    await writeConfig({ version: 'c-json', thresholds: { default: { challenge: 0, block: 1 } } })
    const { response } = await callWorker('/products/1', { headers: { accept: 'application/json', 'user-agent': UA } })
    expect(response.status).toBe(403)
    expect(response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(await response.json()).toMatchObject({ error: 'challenge_required' })
  })

  it.each(XSS)('never reflects a hostile challenged path raw: %s', async (payload) => {
    await writeConfig({ version: 'c-xss', thresholds: { default: { challenge: 0, block: 1 } } })
    const { response } = await callWorker(payload, { headers: { accept: HTML_ACCEPT, 'user-agent': UA } })
    expect(response.status).toBe(403)
    expectNoRawXss(await response.text())
  })
})
