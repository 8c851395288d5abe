// Verify: a solved challenge → 303 to the return path with a clearance cookie that
// verifyClearance accepts; replayed, expired, wrong, tampered, forged, cross-typed or
// re-bound challenges → 403 with a generic page and a tagged reason for the log.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { leadingZeroBits, powDigest } from '../../src/action/pow'
import { issueChallengeToken } from '../../src/signals/challengeToken'
import { clearanceNetHash, issueClearanceToken, verifyClearance } from '../../src/signals/clearanceToken'
import { parseCookieKeys } from '../../src/signals/cookieKeys'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import { reservedApp } from '../../worker/app'
import { challengeOutcome } from '../../worker/routes/challenge'
import { ACCEPT_LANGUAGE, bindingOf, browserReport, CLIENT_IP, getChallenge, postVerify, setCookieValue, solve, solveAndVerify, testKeys, UA, verifyDirect } from '../support/challenge'

const CLEARANCE = '__edgeward_clearance'

async function keysValue() {
  const keys = await testKeys()
  if (!keys.ok) throw new Error('test keys')
  return keys.value
}

/** A challenge signed by our keys with any claims we like (for expiry and type tests). */
async function challengeToken(over: { now?: number; difficulty?: number; ua?: string; ip?: string } = {}) {
  const id = crypto.randomUUID().replace(/-/g, '').slice(0, 22)
  const token = await issueChallengeToken(
    { id, method: 'pow', difficulty: over.difficulty ?? 12, returnPath: '/products/7', now: over.now ?? Date.now(), ...(await bindingOf(over.ua, over.ip)) },
    await keysValue(),
  )
  return { id, token }
}

async function firstNonSolution(id: string, bits: number): Promise<string> {
  for (let n = 0; ; n++) if (leadingZeroBits(await powDigest(id, String(n))) < bits) return String(n)
}

describe('verifying a solved challenge', () => {
  it('clears the browser: 303 to the return path with a clearance cookie verifyClearance accepts', async () => {
    const { issued, verify } = await solveAndVerify('return=%2Fproducts%2F7%3Fcolour%3Dred&d=12')
    expect(issued.difficulty).toBe(12)
    expect(verify.response.status).toBe(303)
    expect(verify.response.headers.get('location')).toBe('/products/7?colour=red')
    expect(verify.seen).toHaveLength(0)
    const line = verify.response.headers.getAll('set-cookie').find((l: string) => l.startsWith(`${CLEARANCE}=`)) ?? ''
    // No device cookie: a five-minute clearance, bound to this network and User-Agent.
    expect(line).toMatch(/; Max-Age=300; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
    const ctx = { now: Date.now(), deviceId: null, ...(await bindingOf()) }
    const cookie = setCookieValue(verify.response, CLEARANCE)
    const state = await verifyClearance(cookie, await testKeys(), { ...ctx, netHash: await clearanceNetHash(CLIENT_IP) })
    expect(state).toMatchObject({ kind: 'valid', method: 'pow', difficulty: 12, deviceBound: false })
    // The same /24 is fine; another one (same /24 binding hash forged aside) is not.
    expect(await verifyClearance(cookie, await testKeys(), { ...ctx, netHash: await clearanceNetHash('203.0.113.250') })).toMatchObject({ kind: 'valid' })
    expect(await verifyClearance(cookie, await testKeys(), { ...ctx, netHash: await clearanceNetHash('203.0.114.7') })).toEqual({ kind: 'invalid', reason: 'ip_mismatch' })
    expect(await verifyClearance(cookie, await testKeys(), ctx)).toEqual({ kind: 'invalid', reason: 'ip_mismatch' })
  })

  it('binds the clearance to the device when the browser holds a valid device cookie', async () => {
    const deviceId = 'AAAAAAAAAAAAAAAAAAAAAA'
    const device = await issueDeviceToken({ deviceId, firstSeen: Date.now(), now: Date.now(), telemetry: null, ...(await bindingOf()) }, await keysValue())
    const { verify } = await solveAndVerify('return=%2F&d=12', { cookie: `__edgeward=${device}` })
    expect(verify.response.status).toBe(303)
    expect(verify.response.headers.get('set-cookie')).toContain('; Max-Age=900;')
    const cookie = setCookieValue(verify.response, CLEARANCE)
    const ctx = { now: Date.now(), ...(await bindingOf()) }
    expect(await verifyClearance(cookie, await testKeys(), { ...ctx, deviceId })).toMatchObject({ kind: 'valid', deviceBound: true })
    expect(await verifyClearance(cookie, await testKeys(), { ...ctx, deviceId: 'BBBBBBBBBBBBBBBBBBBBBB' })).toEqual({ kind: 'invalid', reason: 'device_mismatch' })
  })

  it('omits Secure on plain-http loopback only', async () => {
    const issued = await getChallenge('return=%2F&d=12')
    const body = new URLSearchParams({ challenge: issued.token, solution: await solve(issued.challengeId, 12), browser: JSON.stringify(browserReport()) }).toString()
    const ctx = createExecutionContext()
    const req = new Request('http://127.0.0.1:8787/__edgeward/challenge/verify', {
      method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': UA, 'accept-language': ACCEPT_LANGUAGE, 'cf-connecting-ip': CLIENT_IP },
    })
    const res = await reservedApp.fetch(req, env, ctx)
    await waitOnExecutionContext(ctx)
    expect(res.status).toBe(303)
    expect(res.headers.getAll('set-cookie')[0]).not.toContain('Secure')
    expect(challengeOutcome(req)).toEqual({ detail: 'challenge:cleared:pow', deviceId: null })
  })

  it('refuses the same solved challenge posted twice', async () => {
    const { verify, fields } = await solveAndVerify('return=%2F&d=12')
    expect(verify.response.status).toBe(303)
    const again = await verifyDirect(fields)
    expect(again.response.status).toBe(403)
    expect(again.outcome?.detail).toBe('challenge:refused:replayed')
    expect(again.response.headers.getAll('set-cookie')).toEqual([])
  })
})

describe('refusing a challenge answer', () => {
  const keysOf = async (secret: string) => {
    const k = await parseCookieKeys(secret)
    if (!k.ok) throw new Error('keys')
    return k.value
  }

  it.each<[string, string, () => Promise<Record<string, string>>, Record<string, string>?]>([
    ['an expired challenge', 'expired', async () => {
      const c = await challengeToken({ now: Date.now() - 301_000 })
      return { challenge: c.token, solution: await solve(c.id, 12) }
    }],
    ['a wrong proof of work', 'pow_insufficient', async () => {
      const c = await challengeToken({ difficulty: 16 })
      return { challenge: c.token, solution: await firstNonSolution(c.id, 16) }
    }],
    ['a solution with a leading zero', 'pow_malformed', async () => {
      const c = await challengeToken()
      return { challenge: c.token, solution: `0${await solve(c.id, 12)}` }
    }],
    ['a tampered payload (difficulty lowered)', 'bad_signature', async () => {
      const c = await challengeToken({ difficulty: 20 })
      const [h, p, s] = c.token.split('.')
      const claims = JSON.parse(atob((p ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
      const forged = btoa(JSON.stringify({ ...claims, d: 12 })).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
      return { challenge: `${h}.${forged}.${s}`, solution: await solve(c.id, 12) }
    }],
    ['a token signed by another key under our kid', 'bad_signature', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
      const jwk = { ...(await exportJWK(privateKey)), ...(await exportJWK(publicKey)), kid: 'test-new', alg: 'ES256' }
      const c = await issueChallengeToken({ id: 'C'.repeat(22), method: 'pow', difficulty: 12, returnPath: '/', now: Date.now(), ...(await bindingOf()) }, await keysOf(JSON.stringify({ keys: [jwk] })))
      return { challenge: c, solution: await solve('C'.repeat(22), 12) }
    }],
    // A device cookie is HS256 since 2026-12-07 and a challenge ES256 only: refused at its header, before any cryptography.
    ['a device token in place of a challenge', 'bad_header', async () => ({
      challenge: await issueDeviceToken({ deviceId: 'A'.repeat(22), firstSeen: Date.now(), now: Date.now(), telemetry: null, ...(await bindingOf()) }, await keysValue()),
      solution: '1',
    })],
    ['a clearance token in place of a challenge', 'wrong_type', async () => ({
      challenge: await issueClearanceToken({ challengeId: 'A'.repeat(22), method: 'pow', difficulty: 12, deviceId: null, netHash: await clearanceNetHash(CLIENT_IP), now: Date.now(), ...(await bindingOf()) }, await keysValue()),
      solution: '1',
    })],
    ['alg none (no signature)', 'malformed', async () => {
      const c = await challengeToken()
      const header = btoa(JSON.stringify({ alg: 'none', kid: 'test-new', typ: 'edgeward-challenge+jwt' })).replace(/=+$/, '')
      return { challenge: `${header}.${c.token.split('.')[1]}.`, solution: await solve(c.id, 12) }
    }],
    ['an HS256 token keyed with nothing', 'bad_header', async () => ({
      challenge: await new SignJWT({ v: 1 }).setProtectedHeader({ alg: 'HS256', kid: 'test-new', typ: 'edgeward-challenge+jwt' }).sign(new Uint8Array(32)),
      solution: '1',
    })],
    ['no challenge at all', 'missing', async () => ({ solution: '1' })],
    ['a challenge from another User-Agent', 'ua_mismatch', async () => {
      const c = await challengeToken({ ua: 'curl/8.0' })
      return { challenge: c.token, solution: await solve(c.id, 12) }
    }],
    ['a challenge from another IP prefix', 'ip_mismatch', async () => {
      const c = await challengeToken({ ip: '198.51.100.20' })
      return { challenge: c.token, solution: await solve(c.id, 12) }
    }],
    ['a cross-site post', 'cross_site', async () => {
      const c = await challengeToken()
      return { challenge: c.token, solution: await solve(c.id, 12) }
    }, { 'sec-fetch-site': 'cross-site' }],
  ])('refuses %s (%s) with a generic 403, no clearance, the reason only in the log', async (_name, reason, make, headers) => {
    const { response, outcome } = await verifyDirect(await make(), { headers })
    expect(response.status).toBe(403)
    expect(outcome).toEqual({ detail: `challenge:refused:${reason}`, deviceId: null })
    expect(response.headers.getAll('set-cookie')).toEqual([])
    expect(response.headers.get('location')).toBeNull()
    const body = await response.text()
    expect(body).toContain('Verification failed')
    expect(body).not.toContain(reason)
    expect(body).not.toMatch(/signature|mismatch|bad_|pow_/i)
  })

  it('refuses through the Worker too (the route is mounted under the reserved paths)', async () => {
    const c = await challengeToken({ ua: 'curl/8.0' })
    const verify = await postVerify({ challenge: c.token, solution: await solve(c.id, 12) })
    expect(verify.response.status).toBe(403)
    expect(verify.seen).toHaveLength(0)
  })

  it('refuses a body that is not a form, and an oversized one', async () => {
    const json = await verifyDirect({}, { headers: { 'content-type': 'application/json' } })
    expect(json.outcome?.detail).toBe('challenge:refused:content_type')
    const big = await verifyDirect({ challenge: 'x'.repeat(20_000), solution: '1' })
    expect(big.outcome?.detail).toBe('challenge:refused:too_large')
    expect(big.response.status).toBe(403)
  })

  it('answers 503 (cannot verify) without keys, never a 500', async () => {
    const c = await challengeToken()
    const verify = await verifyDirect({ challenge: c.token, solution: await solve(c.id, 12) }, { env: { EDGEWARD_COOKIE_KEYS: undefined } })
    expect(verify.response.status).toBe(503)
    expect(verify.outcome?.detail).toBe('challenge:unavailable:no_keys')
    expect(verify.response.headers.getAll('set-cookie')).toEqual([])
  })
})
