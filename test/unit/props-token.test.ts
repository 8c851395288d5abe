// Property tests of the signed tokens in plain Node: readDeviceCookie and verifyDeviceToken, the
// challenge-token verifier and verifyClearance on random text, on mutations of real tokens, on
// segments spliced across token types and on issue→verify round trips. Nothing forged is ever
// valid, nothing throws, and every refusal carries a reason from the known set.
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeDevKeySet } from '../../src/cli/dev-keys'
import { bindingHashes } from '../../src/signals/binding'
import { issueChallengeToken, TOKEN_PROBLEMS, verifyChallengeToken, type ChallengeProblem } from '../../src/signals/challengeToken'
import { clearanceNetHash, issueClearanceToken, verifyClearance, type ClearanceProblem, type ClearanceState } from '../../src/signals/clearanceToken'
import { parseCookieKeys, type LoadedKeys } from '../../src/signals/cookieKeys'
import { DEVICE_TOKEN_MAX_CHARS, INVALID_REASONS, type DeviceCookieState } from '../../src/signals/deviceClaims'
import { readDeviceCookie } from '../../src/signals/deviceCookie'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'

const NOW = Date.UTC(2026, 10, 21, 12)
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.0.0'
const IP = '198.51.100.20'
let keys: LoadedKeys
let otherKeys: LoadedKeys
let token = ''
let challenge = ''
let clearance = ''
let bind: { uaHash: string; ipPrefixHash: string }
const DEVICE_ID = 'AAAAAAAAAAAAAAAAAAAAAA'
const CHALLENGE_ID = 'BBBBBBBBBBBBBBBBBBBBBB'

beforeAll(async () => {
  keys = await parseCookieKeys(await makeDevKeySet())
  otherKeys = await parseCookieKeys(await makeDevKeySet())
  bind = await bindingHashes(UA, IP)
  if (!keys.ok) throw new Error('keys')
  token = await issueDeviceToken({ deviceId: DEVICE_ID, firstSeen: NOW - 60_000, now: NOW, telemetry: null, ...bind }, keys.value)
  challenge = await issueChallengeToken({ id: CHALLENGE_ID, method: 'pow', difficulty: 16, returnPath: '/account', now: NOW, ...bind }, keys.value)
  clearance = await issueClearanceToken({ challengeId: CHALLENGE_ID, method: 'pow', difficulty: 16, deviceId: DEVICE_ID, now: NOW, ...bind }, keys.value)
})

function expectNotValid(state: DeviceCookieState): void {
  expect(state.kind).not.toBe('valid')
  if (state.kind === 'invalid') expect(INVALID_REASONS).toContain(state.reason)
}

const B64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_']
const tokenish = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.array(fc.oneof(fc.constantFrom(...B64URL), fc.constant('.')), { maxLength: 400 }).map((cs) => cs.join('')),
  fc.tuple(...[0, 1, 2].map(() => fc.array(fc.constantFrom(...B64URL), { maxLength: 200 }).map((cs) => cs.join('')))).map((segs) => segs.join('.')),
)
/** One edit to a token: replace, insert or delete a character, reorder or add a segment. */
const mutation = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom(...B64URL)).map(([i, c]) => (t: string) => t.slice(0, i % t.length) + c + t.slice((i % t.length) + 1)),
  fc.tuple(fc.nat(), fc.constantFrom(...B64URL, '.', '=', '+', '/')).map(([i, c]) => (t: string) => t.slice(0, i % t.length) + c + t.slice(i % t.length)),
  fc.nat().map((i) => (t: string) => t.slice(0, i % t.length) + t.slice((i % t.length) + 1)),
  fc.constant((t: string) => t.split('.').reverse().join('.')),
  fc.constant((t: string) => `${t}.${t.split('.')[2]}`),
)
/** Base64url has spare bits in the last character of a segment: such an edit leaves the signed bytes as they were. */
const sameBytes = (a: string, b: string): boolean => {
  const bytes = (t: string) => t.split('.').map((s) => Buffer.from(s, 'base64url').toString('hex')).join('.')
  return bytes(a) === bytes(b)
}

describe('verifyDeviceToken', () => {
  it('never throws and never accepts random text, each refusal tagged with a known reason', async () => {
    await fc.assert(
      fc.asyncProperty(tokenish, async (text) => {
        expectNotValid(await verifyDeviceToken(text, keys, { now: NOW, ...bind }))
      }),
      { numRuns: 2000 },
    )
  })

  it('never accepts a mutated token unless it decodes to the very same signed bytes', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (mutate) => {
        const forged = mutate(token)
        const state = await verifyDeviceToken(forged, keys, { now: NOW, ...bind })
        if (state.kind !== 'valid') return expectNotValid(state)
        expect(sameBytes(forged, token)).toBe(true)
        expect(state.deviceId).toBe(DEVICE_ID)
      }),
      { numRuns: 2000 },
    )
  })

  it('accepts every token it issued, under the same key set only, and flags replay exactly', async () => {
    const deviceId = fc.stringMatching(/^[A-Za-z0-9_-]{22}$/)
    const ip = fc.oneof(fc.ipV4(), fc.ipV6())
    await fc.assert(
      fc.asyncProperty(deviceId, fc.string({ maxLength: 80 }), ip, fc.string({ maxLength: 80 }), ip, fc.integer({ min: 0, max: 29 * 86_400_000 }), async (id, ua, addr, ua2, addr2, age) => {
        if (!keys.ok) throw new Error('keys')
        const issuedFor = await bindingHashes(ua, addr)
        const t = await issueDeviceToken({ deviceId: id, firstSeen: NOW - age, now: NOW - age, telemetry: null, ...issuedFor }, keys.value)
        const seenAs = await bindingHashes(ua2, addr2)
        const state = await verifyDeviceToken(t, keys, { now: NOW, ...seenAs })
        expect(state).toMatchObject({ kind: 'valid', deviceId: id })
        if (state.kind === 'valid') {
          expect(state.replay === 'ua' || state.replay === 'ua_ip').toBe(issuedFor.uaHash !== seenAs.uaHash)
          expect(state.replay === 'ip' || state.replay === 'ua_ip').toBe(issuedFor.ipPrefixHash !== seenAs.ipPrefixHash)
        }
        expect(await verifyDeviceToken(t, otherKeys, { now: NOW, ...seenAs })).toEqual({ kind: 'invalid', reason: 'unknown_kid' })
      }),
      { numRuns: 200 },
    )
  })
})

describe('readDeviceCookie', () => {
  const cookiePart = fc.oneof(
    fc.tuple(fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/), fc.string({ maxLength: 40 })).map(([k, val]) => `${k}=${val}`),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('__edgeward', '__edgeward=', ' __edgeward = x ', '__Edgeward=y', '__edgeward2=z', '=', ';'),
  )

  it('never throws, caps what it returns, and returns the first __edgeward value as written', () => {
    fc.assert(
      fc.property(fc.array(cookiePart, { maxLength: 12 }), fc.option(fc.string({ maxLength: 5000 }), { nil: undefined }), (parts, value) => {
        const header = [...parts, ...(value === undefined ? [] : [`__edgeward=${value}`])].join('; ')
        const out = readDeviceCookie(header)
        if (out !== undefined) expect(out.length).toBeLessThanOrEqual(DEVICE_TOKEN_MAX_CHARS + 1)
        const firstOurs = header
          .slice(0, 16 * 1024)
          .split(';')
          .find((p) => p.includes('=') && p.slice(0, p.indexOf('=')).trim() === '__edgeward')
        if (firstOurs === undefined) expect(out).toBeUndefined()
        else expect(out).toBe(firstOurs.slice(firstOurs.indexOf('=') + 1).trim().slice(0, DEVICE_TOKEN_MAX_CHARS + 1))
      }),
      { numRuns: 2000 },
    )
  })

  it('hands the verifier a value it calls too_large when the cookie is oversized', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: DEVICE_TOKEN_MAX_CHARS + 1, max: 20_000 }), async (n) => {
        const value = readDeviceCookie(`a=1; __edgeward=${'A'.repeat(n)}`)
        expect(await verifyDeviceToken(value, keys, { now: NOW, ...bind })).toEqual({ kind: 'invalid', reason: 'too_large' })
      }),
      { numRuns: 100 },
    )
  })
})

const CHALLENGE_PROBLEMS = [...TOKEN_PROBLEMS, 'ua_mismatch', 'ip_mismatch'] as const satisfies readonly ChallengeProblem[]
const CLEARANCE_PROBLEMS = [...TOKEN_PROBLEMS, 'ua_mismatch', 'ip_mismatch', 'device_mismatch', 'too_easy'] as const satisfies readonly ClearanceProblem[]
// The lists above name every reason the verifiers can give (a new reason fails type-checking here).
const everyChallengeProblem: [Exclude<ChallengeProblem, (typeof CHALLENGE_PROBLEMS)[number]>] extends [never] ? true : false = true
const everyClearanceProblem: [Exclude<ClearanceProblem, (typeof CLEARANCE_PROBLEMS)[number]>] extends [never] ? true : false = true

/** The three token types' segments spliced together: header, payload and signature never from one token. */
const spliced = fc
  .tuple(fc.nat(2), fc.nat(2), fc.nat(2))
  .filter(([h, p, sig]) => !(h === p && p === sig))
  .map(([h, p, sig]) => {
    const parts = [token, challenge, clearance].map((t) => t.split('.'))
    return `${parts[h]![0]}.${parts[p]![1]}.${parts[sig]![2]}`
  })
type TokenType = 'device' | 'challenge' | 'clearance'
const real = (t: TokenType): string => ({ device: token, challenge, clearance })[t]
/** What a client could send instead of a real `which`: random text, an edit of it, splices, another token type. */
const forgedFrom = (which: TokenType) =>
  fc.oneof(
    tokenish.map((text) => ({ text, edited: false })),
    mutation.map((mutate) => ({ text: mutate(real(which)), edited: true })),
    spliced.map((text) => ({ text, edited: false })),
    fc.constantFrom(...(['device', 'challenge', 'clearance'] as const).filter((t) => t !== which)).map((t) => ({ text: real(t), edited: false })),
  )

describe('verifyChallengeToken', () => {
  const ctx = () => ({ now: NOW, ...bind })

  it('accepts the challenge it issued (the control)', async () => {
    expect(everyChallengeProblem).toBe(true)
    const r = await verifyChallengeToken(challenge, keys, ctx())
    expect(r.ok && r.value.jti).toBe(CHALLENGE_ID)
  })

  it('never throws and accepts nothing forged, each refusal tagged with a known reason', async () => {
    await fc.assert(
      fc.asyncProperty(forgedFrom('challenge'), async ({ text, edited }) => {
        const r = await verifyChallengeToken(text, keys, ctx())
        if (!r.ok) return void expect(CHALLENGE_PROBLEMS).toContain(r.reason)
        // Only an edit of the real token that left its signed bytes untouched may pass.
        expect(edited && sameBytes(text, challenge)).toBe(true)
        expect(r.value.jti).toBe(CHALLENGE_ID)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('verifyClearance', () => {
  const ctx = () => ({ now: NOW, deviceId: DEVICE_ID, minDifficulty: 16, ...bind })
  function expectRefused(state: ClearanceState): void {
    expect(state.kind).not.toBe('valid')
    if (state.kind === 'invalid') expect(CLEARANCE_PROBLEMS).toContain(state.reason)
  }

  it('accepts the clearance it issued (the control)', async () => {
    expect(everyClearanceProblem).toBe(true)
    expect(await verifyClearance(clearance, keys, ctx())).toMatchObject({ kind: 'valid', method: 'pow', difficulty: 16, deviceBound: true })
  })

  it('never throws and accepts nothing forged, each refusal tagged with a known reason', async () => {
    await fc.assert(
      fc.asyncProperty(forgedFrom('clearance'), async ({ text, edited }) => {
        const state = await verifyClearance(text, keys, ctx())
        if (state.kind !== 'valid') return expectRefused(state)
        expect(edited && sameBytes(text, clearance)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses the real clearance for another device, browser, network, difficulty or key set, with the reason', async () => {
    const other = await bindingHashes('curl/8.5.0', '192.0.2.1')
    const cases: ReadonlyArray<readonly [Parameters<typeof verifyClearance>[2], LoadedKeys, ClearanceProblem]> = [
      [{ ...ctx(), deviceId: 'CCCCCCCCCCCCCCCCCCCCCC' }, keys, 'device_mismatch'],
      [{ ...ctx(), deviceId: null }, keys, 'device_mismatch'],
      [{ ...ctx(), uaHash: other.uaHash }, keys, 'ua_mismatch'],
      [{ ...ctx(), ipPrefixHash: other.ipPrefixHash }, keys, 'ip_mismatch'],
      [{ ...ctx(), minDifficulty: 17 }, keys, 'too_easy'],
      [{ ...ctx(), now: NOW + 31 * 60_000 }, keys, 'expired'],
      [ctx(), otherKeys, 'unknown_kid'],
    ]
    for (const [c, k, reason] of cases) expect(await verifyClearance(clearance, k, c)).toEqual({ kind: 'invalid', reason })
  })

  it('holds a deviceless clearance to its /24 and five minutes, whatever device the request shows', async () => {
    if (!keys.ok) throw new Error('keys')
    const netHash = await clearanceNetHash(IP)
    const deviceless = await issueClearanceToken({ challengeId: CHALLENGE_ID, method: 'pow', difficulty: 16, deviceId: null, netHash, now: NOW, ...bind }, keys.value)
    const base = { ...ctx(), deviceId: null, netHash }
    expect(await verifyClearance(deviceless, keys, base)).toMatchObject({ kind: 'valid', deviceBound: false, expiresAt: NOW + 300_000 })
    expect(await verifyClearance(deviceless, keys, { ...base, deviceId: 'CCCCCCCCCCCCCCCCCCCCCC' })).toMatchObject({ kind: 'valid' })
    expect(await verifyClearance(deviceless, keys, { ...base, netHash: await clearanceNetHash('198.51.101.20') })).toEqual({ kind: 'invalid', reason: 'ip_mismatch' })
    expect(await verifyClearance(deviceless, keys, { ...base, now: NOW + 300_000 })).toEqual({ kind: 'invalid', reason: 'expired' })
    await expect(issueClearanceToken({ challengeId: CHALLENGE_ID, method: 'pow', difficulty: 16, deviceId: null, now: NOW, ...bind }, keys.value)).rejects.toThrow(TypeError)
  })
})
