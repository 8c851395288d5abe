// The return target is a same-origin relative path, whatever the `return` parameter or a
// challenged POST's Referer says: the signed challenge, the page and the verify 303's Location
// never point off-origin, never carry control characters, never reach our own reserved paths.
import { describe, expect, it } from 'vitest'
import { respond } from '../../src/action/respond'
import type { Decision } from '../../src/policy/decision'
import { decodePayload, getChallengeRaw, HTML_ACCEPT, solveAndVerify, ticketFor } from '../support/challenge'

const BASE = 'https://edge.test'

function expectSameOrigin(location: string): void {
  expect(location.startsWith('/')).toBe(true)
  expect(location.startsWith('//')).toBe(false)
  expect(location).not.toMatch(/[\\\u0000-\u001f\u007f\s]/)
  expect(new URL(location, BASE).origin).toBe(BASE)
  expect(location.toLowerCase()).not.toContain('__edgeward')
}

/** Hostile return targets, percent-encoded into the query as a browser would send them. */
const HOSTILE = [
  '//evil.example', '///evil.example', '/\\evil.example', '\\/evil.example', '\\\\evil.example',
  'https:evil.example', 'https://evil.example/x', 'HTTPS://evil.example', 'javascript:alert(1)', 'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>', '/ok\r\nSet-Cookie: pwned=1', '/ok\nLocation: https://evil.example',
  '/\t/evil.example', ' //evil.example', '/.//evil.example', '/a/..//evil.example', '/%2f%2fevil.example',
  '/%2F%2Fevil.example', '/%5c%5cevil.example', '/%5C/evil.example', '%2f%2fevil.example', '/%0d%0aSet-Cookie:%20x=1',
  '%0d%0a', '/__edgeward/challenge/verify', '/__EDGEWARD/admin/stats', '/%5f%5fedgeward/health', '//evil.example/%2e%2e',
  '/\u0000/evil.example', 'evil.example', '',
]

/** Hostile query strings exactly as they go on the wire (not re-encoded by the test). */
const RAW_QUERIES = [
  'return=//evil.example', 'return=/%2f%2fevil.example', 'return=%2F%252f%252fevil.example', 'return=/%5Cevil.example',
  'return=%0d%0a', 'return=/%0d%0aLocation:%20https://evil.example', 'return=https:evil.example', 'return=/%09/evil.example',
  'return=%2F%2Fevil.example', 'return=//evil.example&return=/', 'return=/%2e%2e//evil.example', 'return=%zz//evil.example',
]

/**
 * The page for `query` exactly as sent (no ticket: the query's return path is the one read), then
 * the verify for the same signed return path, solved at 12 bits on a challenge signed by the test.
 */
async function pageThenVerify(query: string): Promise<{ r: string; location: string; status: number }> {
  const page = await getChallengeRaw(query)
  expect(page.call.response.status).toBe(200)
  const r = String(decodePayload(page.token).r)
  const { verify } = await solveAndVerify(`d=12&return=${encodeURIComponent(r)}`)
  return { r, location: verify.response.headers.get('location') ?? '', status: verify.response.status }
}

describe('open redirects through the challenge return path', () => {
  it.each(HOSTILE)('never lets return=%j lead off-origin', async (target) => {
    const { r, location, status } = await pageThenVerify(`return=${encodeURIComponent(target)}`)
    expectSameOrigin(r)
    expect(status).toBe(303)
    expectSameOrigin(location)
  })

  it.each(RAW_QUERIES)('never lets the raw query %s lead off-origin', async (query) => {
    const { r, location, status } = await pageThenVerify(query)
    expectSameOrigin(r)
    expect(status).toBe(303)
    expectSameOrigin(location)
  })

  it.each(['//evil.example', '/\\evil.example', '/__edgeward/admin/stats'])('re-checks the return path a signed ticket carries (%j)', async (r) => {
    const page = await getChallengeRaw(`t=${encodeURIComponent(await ticketFor(12, r))}`)
    expect(page.difficulty).toBe(12)
    expectSameOrigin(String(decodePayload(page.token).r))
  })

  it('falls back to / when a return path grows past 2048 characters once encoded', async () => {
    const { r, location, status } = await pageThenVerify(`return=${encodeURIComponent('/' + 'é'.repeat(1500))}`)
    expect(r).toBe('/')
    expect(status).toBe(303)
    expect(location).toBe('/')
  })

  it('keeps an ordinary path with its query', async () => {
    const { location } = await pageThenVerify(`return=${encodeURIComponent('/products/7?colour=red&size=m')}`)
    expect(location).toBe('/products/7?colour=red&size=m')
  })
})

describe('open redirects through a challenged POST', () => {
  const decision: Exclude<Decision, { action: 'allow' }> = {
    action: 'challenge', difficulty: 12, risk: 0.5, modelRisk: 0.5, mode: 'enforce', routeClass: 'login', wouldAction: 'challenge', source: 'model', reasons: [], rules: [],
  }

  it.each([
    'https://evil.example/login', '//evil.example/login', 'http://edge.test@evil.example/', 'https://edge.test.evil.example/',
    'javascript:alert(1)', 'https://edge.test/\\evil.example', 'null', '', 'https://edge.test//evil.example',
  ])('never returns a POST to an off-origin Referer %j', (referer) => {
    const m = respond(decision, HTML_ACCEPT, 'r', '/login', { method: 'POST', referer, origin: BASE })
    if (m.body.format !== 'html' || m.body.page !== 'challenge') throw new Error('expected the challenge page')
    expectSameOrigin(m.body.returnPath)
  })
})
