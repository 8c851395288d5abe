// Turnstile in place of proof of work when a site key and a secret are set: the page loads
// Turnstile's script (CSP opens challenges.cloudflare.com only then), and verify asks a mocked
// siteverify — success clears; failure, wrong or missing hostname, action or cdata, a browser
// report that shows a driver, a timeout or an outage never does.
import { describe, expect, it } from 'vitest'
import { clearanceNetHash, verifyClearance } from '../../src/signals/clearanceToken'
import { bindingOf, browserReport, CLIENT_IP, getChallenge, setCookieValue, siteverifyReply, testKeys, verifyDirect } from '../support/challenge'

const TURNSTILE = { EDGEWARD_TURNSTILE_SITE_KEY: '1x00000000000000000000AA', EDGEWARD_TURNSTILE_SECRET: 'test-turnstile-secret' }
const RESPONSE = 'XXXX.DUMMY.TOKEN.XXXX'

async function issue() {
  const issued = await getChallenge('return=%2Faccount', { env: TURNSTILE })
  return { ...issued, fields: { challenge: issued.token, 'cf-turnstile-response': RESPONSE } }
}

describe('the Turnstile page', () => {
  it('loads Turnstile with the nonce and opens only challenges.cloudflare.com in the CSP', async () => {
    const { call, html, challengeId } = await issue()
    expect(call.response.status).toBe(200)
    const csp = call.response.headers.get('content-security-policy') ?? ''
    const nonce = /'nonce-([0-9a-f]{32})'/.exec(csp)?.[1]
    expect(csp).toMatch(/script-src 'nonce-[0-9a-f]{32}' https:\/\/challenges\.cloudflare\.com;/)
    expect(csp).toContain('frame-src https://challenges.cloudflare.com')
    expect(csp.match(/https?:\/\/[^\s;]+/g)).toEqual(['https://challenges.cloudflare.com', 'https://challenges.cloudflare.com'])
    const srcs = [...html.matchAll(/<script src="([^"]*)" nonce="([^"]*)"/g)].map((m) => [m[1]?.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))), m[2]])
    expect(srcs).toEqual([['/__edgeward/sdk.js', nonce], ['https://challenges.cloudflare.com/turnstile/v0/api.js', nonce]])
    expect(html).toContain('data-sitekey="1x00000000000000000000AA"')
    expect(html).toContain(`data-cdata="${challengeId}"`)
    expect(html).toContain('data-action="edgeward-challenge"')
    expect(html).not.toContain('data-difficulty')
  })

  it('stays on proof of work with a site key but no secret', async () => {
    const { call, html } = await getChallenge('return=%2F', { env: { EDGEWARD_TURNSTILE_SITE_KEY: TURNSTILE.EDGEWARD_TURNSTILE_SITE_KEY } })
    expect(call.response.headers.get('content-security-policy')).not.toContain('cloudflare')
    expect(html).toContain('data-difficulty')
  })
})

describe('verifying a Turnstile answer', () => {
  it('clears on success for our hostname, action and challenge id, after asking siteverify once', async () => {
    const { fields, challengeId } = await issue()
    const asked: URLSearchParams[] = []
    const answer = { success: true, hostname: 'edge.test', action: 'edgeward-challenge', cdata: challengeId, 'error-codes': [] }
    const { response, outcome } = await verifyDirect(fields, { env: TURNSTILE, reply: siteverifyReply(answer, asked) })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/account')
    expect(outcome?.detail).toBe('challenge:cleared:turnstile')
    expect(asked).toHaveLength(1)
    expect(Object.fromEntries(asked[0] ?? [])).toEqual({ secret: 'test-turnstile-secret', response: RESPONSE, remoteip: CLIENT_IP })
    const state = await verifyClearance(setCookieValue(response, '__edgeward_clearance'), await testKeys(), { now: Date.now(), deviceId: null, netHash: await clearanceNetHash(CLIENT_IP), minDifficulty: 20, ...(await bindingOf()) })
    expect(state).toMatchObject({ kind: 'valid', method: 'turnstile', difficulty: 0 })
  })

  it('refuses a replay without asking siteverify again', async () => {
    const { fields, challengeId } = await issue()
    const asked: URLSearchParams[] = []
    const reply = siteverifyReply({ success: true, hostname: 'edge.test', action: 'edgeward-challenge', cdata: challengeId }, asked)
    expect((await verifyDirect(fields, { env: TURNSTILE, reply })).response.status).toBe(303)
    const again = await verifyDirect(fields, { env: TURNSTILE, reply })
    expect(again.response.status).toBe(403)
    expect(again.outcome?.detail).toBe('challenge:refused:replayed')
    expect(asked).toHaveLength(1)
  })

  it.each<[string, (id: string) => Record<string, unknown> | number, number, string]>([
    ['a failed check', () => ({ success: false, 'error-codes': ['invalid-input-response'] }), 403, 'refused:turnstile_failed'],
    ['another hostname', (id) => ({ success: true, hostname: 'evil.example', action: 'edgeward-challenge', cdata: id }), 403, 'refused:turnstile_hostname'],
    ['no hostname', (id) => ({ success: true, cdata: id }), 403, 'refused:turnstile_hostname'],
    ['another action', (id) => ({ success: true, hostname: 'edge.test', action: 'login', cdata: id }), 403, 'refused:turnstile_action'],
    ['no action', (id) => ({ success: true, hostname: 'edge.test', cdata: id }), 403, 'refused:turnstile_action'],
    ['an empty action', (id) => ({ success: true, hostname: 'edge.test', action: '', cdata: id }), 403, 'refused:turnstile_action'],
    ['another challenge id in cdata', () => ({ success: true, hostname: 'edge.test', action: 'edgeward-challenge', cdata: 'A'.repeat(22) }), 403, 'refused:turnstile_cdata'],
    ['no cdata', () => ({ success: true, hostname: 'edge.test', action: 'edgeward-challenge' }), 403, 'refused:turnstile_cdata'],
    ['an empty cdata', () => ({ success: true, hostname: 'edge.test', action: 'edgeward-challenge', cdata: '' }), 403, 'refused:turnstile_cdata'],
    ['an answer that is not the siteverify shape', () => ({ ok: 'yes' }), 503, 'unavailable:turnstile_unreadable'],
    ['a siteverify outage (500)', () => 500, 503, 'unavailable:turnstile_status'],
  ])('does not clear on %s', async (_name, answer, status, detail) => {
    const { fields, challengeId } = await issue()
    const { response, outcome } = await verifyDirect(fields, { env: TURNSTILE, reply: siteverifyReply(answer(challengeId)) })
    expect(response.status).toBe(status)
    expect(outcome?.detail).toBe(`challenge:${detail}`)
    expect(response.headers.getAll('set-cookie')).toEqual([])
  })

  it('does not clear when siteverify does not answer within 3 s', async () => {
    const { fields } = await issue()
    const started = Date.now()
    const { response, outcome } = await verifyDirect(fields, { env: TURNSTILE, reply: siteverifyReply('hang') })
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900)
    expect(Date.now() - started).toBeLessThan(6000)
    expect(response.status).toBe(503)
    expect(outcome?.detail).toBe('challenge:unavailable:turnstile_timeout')
    expect(response.headers.getAll('set-cookie')).toEqual([])
  }, 15_000)

  it('refuses a browser report that shows a driver before asking siteverify', async () => {
    const { fields, challengeId } = await issue()
    const asked: URLSearchParams[] = []
    const reply = siteverifyReply({ success: true, hostname: 'edge.test', action: 'edgeward-challenge', cdata: challengeId }, asked)
    const { response, outcome } = await verifyDirect({ ...fields, browser: JSON.stringify(browserReport({ webdriver: true })) }, { env: TURNSTILE, reply })
    expect(response.status).toBe(403)
    expect(outcome?.detail).toBe('challenge:refused:browser_webdriver')
    expect(asked).toHaveLength(0)
  })

  it('refuses a post without the widget response, never asking siteverify', async () => {
    const { token } = await issue()
    const asked: URLSearchParams[] = []
    const { response, outcome } = await verifyDirect({ challenge: token }, { env: TURNSTILE, reply: siteverifyReply({ success: true }, asked) })
    expect(response.status).toBe(403)
    expect(outcome?.detail).toBe('challenge:refused:turnstile_missing')
    expect(asked).toHaveLength(0)
  })

  it('does not use up the challenge on a post without the widget response', async () => {
    const { token, fields, challengeId } = await issue()
    expect((await verifyDirect({ challenge: token }, { env: TURNSTILE })).response.status).toBe(403)
    const reply = siteverifyReply({ success: true, hostname: 'edge.test', action: 'edgeward-challenge', cdata: challengeId })
    expect((await verifyDirect(fields, { env: TURNSTILE, reply })).response.status).toBe(303)
  })

  it('cannot be cleared when Turnstile was switched off after the page was served', async () => {
    const { fields } = await issue()
    const { response, outcome } = await verifyDirect(fields)
    expect(response.status).toBe(503)
    expect(outcome?.detail).toBe('challenge:unavailable:turnstile_not_configured')
  })
})
