// The return target is a same-origin relative path, whatever the `return` parameter or a
// challenged POST's Referer says: the signed challenge, the page and the verify 303's Location
// never point off-origin, never carry control characters, never reach our own reserved paths.
import { describe, expect, it } from 'vitest'
import { respond } from '../../src/action/respond'
import type { Decision } from '../../src/policy/decision'
import { decodePayload, HTML_ACCEPT, solveAndVerify } from '../support/challenge'

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

describe('open redirects through the challenge return path', () => {
  it.each(HOSTILE)('never lets return=%j lead off-origin', async (target) => {
    const { issued, verify } = await solveAndVerify(`return=${encodeURIComponent(target)}&d=12`)
    expectSameOrigin(String(decodePayload(issued.token).r))
    expect(verify.response.status).toBe(303)
    expectSameOrigin(verify.response.headers.get('location') ?? '')
  })

  it.each(RAW_QUERIES)('never lets the raw query %s lead off-origin', async (query) => {
    const { issued, verify } = await solveAndVerify(`${query}&d=12`)
    expectSameOrigin(String(decodePayload(issued.token).r))
    expect(verify.response.status).toBe(303)
    expectSameOrigin(verify.response.headers.get('location') ?? '')
  })

  it('falls back to / when a return path grows past 2048 characters once encoded', async () => {
    const { issued, verify } = await solveAndVerify(`return=${encodeURIComponent('/' + 'é'.repeat(1500))}&d=12`)
    expect(issued.call.response.status).toBe(200)
    expect(verify.response.headers.get('location')).toBe('/')
  })

  it('keeps an ordinary path with its query', async () => {
    const { verify } = await solveAndVerify(`return=${encodeURIComponent('/products/7?colour=red&size=m')}&d=12`)
    expect(verify.response.headers.get('location')).toBe('/products/7?colour=red&size=m')
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
