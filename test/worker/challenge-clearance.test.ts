// Clearance tokens on later requests: verifyClearance accepts only a live clearance bound to
// this User-Agent, IP prefix and device (or, without a device, this /24 or /64 for five minutes);
// device, challenge and clearance tokens are never accepted for one another. Plus the cookie
// text, the single-use store's expiry and the clearance use records (counted, revoked, pruned).
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { issueChallengeToken, verifyChallengeToken } from '../../src/signals/challengeToken'
import { CLEARANCE_REVOKE_FAILURES } from '../../src/policy/clearance'
import {
  CLEARANCE_MAX_CHARS, clearanceNetHash, clearanceNetwork, clearanceSetCookie, issueClearanceToken, readClearanceCookie, verifyClearance,
  type ClearanceContext, type IssueClearanceInput,
} from '../../src/signals/clearanceToken'
import { parseCookieKeys } from '../../src/signals/cookieKeys'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import { nonceShard } from '../../worker/challenge/nonces'
import { bindingOf, CLIENT_IP, testKeys } from '../support/challenge'

const NOW = 1_800_000_000_000
const DEVICE = 'D'.repeat(22)
const ID = 'C'.repeat(22)

async function signer() {
  const keys = await testKeys()
  if (!keys.ok) throw new Error('test keys')
  return keys.value
}

async function clearance(over: Partial<IssueClearanceInput> = {}): Promise<string> {
  return issueClearanceToken({ challengeId: ID, method: 'pow', difficulty: 16, deviceId: DEVICE, now: NOW, ...(await bindingOf()), ...over }, await signer())
}

async function ctx(over: Partial<ClearanceContext> = {}): Promise<ClearanceContext> {
  return { now: NOW + 60_000, deviceId: DEVICE, netHash: await clearanceNetHash(CLIENT_IP), ...(await bindingOf()), ...over }
}

/** A clearance earned without a device cookie (bound to the client's network instead). */
async function deviceless(over: Partial<IssueClearanceInput> = {}): Promise<string> {
  return clearance({ deviceId: null, netHash: await clearanceNetHash(CLIENT_IP), ...over })
}

describe('verifyClearance', () => {
  it('accepts a live clearance for the same browser, network and device', async () => {
    expect(await verifyClearance(await clearance(), await testKeys(), await ctx())).toEqual({
      kind: 'valid', id: ID, method: 'pow', difficulty: 16, deviceBound: true, expiresAt: NOW + 900_000,
    })
    expect(await verifyClearance(await deviceless(), await testKeys(), await ctx({ deviceId: null }))).toMatchObject({ kind: 'valid', deviceBound: false, expiresAt: NOW + 300_000 })
  })

  it('accepts a clearance signed by an older key still in the set (rotation)', async () => {
    const secret = JSON.parse(env.EDGEWARD_COOKIE_KEYS ?? '{}') as { keys: unknown[] }
    const old = await parseCookieKeys(JSON.stringify({ keys: [...secret.keys].reverse() }))
    if (!old.ok) throw new Error('keys')
    const token = await issueClearanceToken({ challengeId: ID, method: 'pow', difficulty: 12, deviceId: null, netHash: await clearanceNetHash(CLIENT_IP), now: NOW, ...(await bindingOf()) }, old.value)
    expect(await verifyClearance(token, await testKeys(), await ctx())).toMatchObject({ kind: 'valid', deviceBound: false })
  })

  it.each<[string, string, () => Promise<string | undefined>, Partial<ClearanceContext>]>([
    ['no cookie', 'missing', async () => undefined, {}],
    ['an empty cookie', 'missing', async () => '', {}],
    ['an expired clearance', 'invalid:expired', () => clearance(), { now: NOW + 900_000 }],
    ['a deviceless clearance after five minutes', 'invalid:expired', () => deviceless(), { deviceId: null, now: NOW + 300_000 }],
    ['a deviceless clearance from another /24', 'invalid:ip_mismatch', () => deviceless(), { deviceId: null, netHash: 'q'.repeat(16) }],
    ['a deviceless clearance with a network unknown', 'invalid:ip_mismatch', () => deviceless(), { deviceId: null, netHash: undefined }],
    ['a clearance from the future', 'invalid:not_yet_valid', () => clearance({ now: NOW + 600_000 }), {}],
    ['another User-Agent', 'invalid:ua_mismatch', () => clearance(), { uaHash: 'x'.repeat(16) }],
    ['another IP prefix', 'invalid:ip_mismatch', () => clearance(), { ipPrefixHash: 'y'.repeat(16) }],
    ['another device', 'invalid:device_mismatch', () => clearance(), { deviceId: 'E'.repeat(22) }],
    ['no device cookie any more', 'invalid:device_mismatch', () => clearance(), { deviceId: null }],
    ['a deviceless clearance on a device, same network', 'valid', () => deviceless(), { deviceId: 'E'.repeat(22) }],
    ['less work than the decision asks', 'invalid:too_easy', () => clearance({ difficulty: 14 }), { minDifficulty: 18 }],
    ['enough work for the decision', 'valid', () => clearance({ difficulty: 18 }), { minDifficulty: 18 }],
    ['Turnstile, whatever the difficulty asked', 'valid', () => clearance({ method: 'turnstile' }), { minDifficulty: 20 }],
    ['a tampered signature', 'invalid:bad_signature', async () => `${(await clearance()).slice(0, -4)}AAAA`, {}],
    ['an oversized cookie', 'invalid:too_large', async () => 'a'.repeat(CLEARANCE_MAX_CHARS + 1), {}],
    ['garbage', 'invalid:malformed', async () => 'not-a-token', {}],
    // HS256 since 2026-12-07; a clearance is ES256 only: refused at its header (a device-typed ES256 header is wrong_type: the corpus).
    ['a device token', 'invalid:bad_header', async () => issueDeviceToken({ deviceId: DEVICE, firstSeen: NOW, now: NOW, telemetry: null, ...(await bindingOf()) }, await signer()), {}],
    ['a challenge token', 'invalid:wrong_type', async () => issueChallengeToken({ id: ID, method: 'pow', difficulty: 12, returnPath: '/', now: NOW, ...(await bindingOf()) }, await signer()), {}],
  ])('%s → %s', async (_name, expected, make, over) => {
    const state = await verifyClearance(await make(), await testKeys(), await ctx(over))
    expect(state.kind === 'invalid' ? `invalid:${state.reason}` : state.kind).toBe(expected)
  })

  it('re-checks time and binding on every call, even for a token it has verified before', async () => {
    const token = await clearance()
    expect((await verifyClearance(token, await testKeys(), await ctx())).kind).toBe('valid')
    expect(await verifyClearance(token, await testKeys(), await ctx({ now: NOW + 900_000 }))).toEqual({ kind: 'invalid', reason: 'expired' })
    expect(await verifyClearance(token, await testKeys(), await ctx({ uaHash: 'z'.repeat(16) }))).toEqual({ kind: 'invalid', reason: 'ua_mismatch' })
    expect(await verifyClearance(token, await parseCookieKeys(undefined), await ctx())).toEqual({ kind: 'invalid', reason: 'no_keys' })
  })

  it('counts every clearance as invalid without keys (fail closed)', async () => {
    const state = await verifyClearance(await clearance(), await parseCookieKeys(undefined), await ctx())
    expect(state).toEqual({ kind: 'invalid', reason: 'no_keys' })
  })

  it('is never accepted as a device token or as a challenge', async () => {
    const token = await clearance()
    const binding = await bindingOf()
    expect(await verifyDeviceToken(token, await testKeys(), { now: NOW, ...binding })).toEqual({ kind: 'invalid', reason: 'wrong_type' })
    expect(await verifyChallengeToken(token, await testKeys(), { now: NOW, ...binding })).toMatchObject({ ok: false, reason: 'wrong_type' })
  })
})

describe('the clearance cookie', () => {
  it.each<[string | null, string | undefined]>([
    ['__edgeward_clearance=abc', 'abc'],
    ['a=1; __edgeward_clearance=abc; b=2', 'abc'],
    [' __edgeward_clearance = abc ', 'abc'],
    ['__edgeward=dev; __edgeward_clearance=c1; __edgeward_clearance=c2', 'c1'],
    ['__edgeward=dev', undefined],
    ['__edgeward_clearancex=1', undefined],
    ['x__edgeward_clearance=1', undefined],
    ['', undefined],
    [null, undefined],
  ])('reads %j as %j', (header, expected) => {
    expect(readClearanceCookie(header)).toBe(expected)
  })

  it('keeps an oversized value oversized so the verifier says too_large', () => {
    expect(readClearanceCookie(`__edgeward_clearance=${'a'.repeat(10_000)}`)).toHaveLength(CLEARANCE_MAX_CHARS + 1)
  })

  it.each([
    ['https://shop.example/x', '__edgeward_clearance=t; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax'],
    ['http://shop.example/x', '__edgeward_clearance=t; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax'],
    ['http://127.0.0.1:8787/x', '__edgeward_clearance=t; Max-Age=900; Path=/; HttpOnly; SameSite=Lax'],
    ['http://localhost:8787/x', '__edgeward_clearance=t; Max-Age=900; Path=/; HttpOnly; SameSite=Lax'],
  ])('on %s is %s', (url, line) => {
    expect(clearanceSetCookie('t', url)).toBe(line)
  })

  it('lives five minutes without a device', () => {
    expect(clearanceSetCookie('t', 'https://shop.example/x', 300)).toContain('; Max-Age=300;')
  })

  it.each([
    ['203.0.113.7', '203.0.113.0/24'],
    ['::ffff:203.0.113.7', '203.0.113.0/24'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['not an ip', 'none'],
    ['', 'none'],
  ])('binds a deviceless clearance from %s to %s', (ip, network) => {
    expect(clearanceNetwork(ip)).toBe(network)
  })
})

describe('the single-use challenge store', () => {
  it('says first use once, then replayed, and forgets an id after it expires', async () => {
    const stub = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(`${nonceShard(ID)}-test`))
    const expired = Date.now() - 30_000
    expect(await stub.consume(ID, expired)).toBe(true)
    expect(await stub.consume(ID, expired)).toBe(false)
    expect(await stub.consume('B'.repeat(22), Date.now() + 300_000)).toBe(true)
    expect(await stub.size()).toBe(2)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await stub.size()).toBe(1)
    const alarm = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm())
    expect(alarm).toBeGreaterThan(Date.now() + 300_000)
    expect(await stub.consume(ID, Date.now() + 300_000)).toBe(true)
  })
})

describe('the clearance use records', () => {
  it('count every use exactly, keep the failed-login baseline of the first use, and revoke for good', async () => {
    const stub = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(`${nonceShard(ID)}-uses`))
    const expires = Date.now() + 300_000
    const uses = await Promise.all(Array.from({ length: 10 }, () => stub.useClearance(ID, expires, 2)))
    expect(uses.map((u) => u.uses).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(await stub.useClearance(ID, expires, 2 + CLEARANCE_REVOKE_FAILURES - 1)).toMatchObject({ uses: 11, failuresSince: CLEARANCE_REVOKE_FAILURES - 1, revoked: false })
    expect(await stub.useClearance(ID, expires, null)).toMatchObject({ uses: 12, failuresSince: null, revoked: false })
    expect(await stub.useClearance(ID, expires, 2 + CLEARANCE_REVOKE_FAILURES)).toMatchObject({ uses: 13, revoked: true })
    // Sticky: failures leaving the 10-minute window do not bring it back.
    expect(await stub.useClearance(ID, expires, 0)).toMatchObject({ uses: 14, revoked: true })
    expect(await stub.peekClearance(ID)).toEqual({ uses: 14, revoked: true })
    expect(await stub.peekClearance('Z'.repeat(22))).toEqual({ uses: 0, revoked: false })
  })

  it('take the first known count as the baseline when the first use had none', async () => {
    const stub = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(`${nonceShard(ID)}-baseline`))
    const expires = Date.now() + 300_000
    expect(await stub.useClearance(ID, expires, null)).toMatchObject({ uses: 1, failuresSince: null })
    expect(await stub.useClearance(ID, expires, 5)).toMatchObject({ uses: 2, failuresSince: 0, revoked: false })
    expect(await stub.useClearance(ID, expires, 5 + CLEARANCE_REVOKE_FAILURES)).toMatchObject({ revoked: true })
  })

  it('are pruned once the clearance has expired', async () => {
    const stub = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(`${nonceShard(ID)}-prune`))
    await stub.useClearance(ID, Date.now() - 30_000, 0)
    await stub.useClearance('B'.repeat(22), Date.now() + 900_000, 0)
    expect(await stub.clearanceRecords()).toBe(2)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await stub.clearanceRecords()).toBe(1)
  })
})
