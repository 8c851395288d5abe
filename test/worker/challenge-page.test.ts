// The challenge page and the interstitial that leads to it: strict CSP with a nonce, no
// third-party script by default, accessible text, the return path validated and encoded,
// nothing hostile reflected, and a plain 503 (never a 500) when no key can sign a challenge.
import { afterEach, describe, expect, it } from 'vitest'
import { respond } from '../../src/action/respond'
import type { Decision } from '../../src/policy/decision'
import { mitigationResponse } from '../../worker/pages/render'
import { decodePayload, getChallenge, HTML_ACCEPT, setCookieValue, solveAndVerify, UA } from '../support/challenge'
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
    ['d=12', 12],
    ['d=20', 20],
    ['d=16', 16],
    ['', 20],
    ['d=1', 20],
    ['d=99', 20],
    ['d=12.5', 20],
    ['d=-3', 20],
    ['d=%31%32', 12],
  ])('carries the difficulty in the signed challenge (%s → %i bits)', async (query, bits) => {
    const { token, difficulty } = await getChallenge(`return=%2F&${query}`)
    expect(difficulty).toBe(bits)
    expect(decodePayload(token)).toMatchObject({ d: bits, m: 'pow', r: '/' })
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
  const decision = (difficulty: number): Exclude<Decision, { action: 'allow' }> => ({
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
