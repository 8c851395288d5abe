// Property tests of the device cookie in plain Node: readDeviceCookie and verifyDeviceToken on random
// text, on mutations of real tokens and on issue→verify round trips. Nothing forged is ever valid.
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeDevKeySet } from '../../src/cli/dev-keys'
import { bindingHashes } from '../../src/signals/binding'
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
let bind: { uaHash: string; ipPrefixHash: string }

beforeAll(async () => {
  keys = await parseCookieKeys(await makeDevKeySet())
  otherKeys = await parseCookieKeys(await makeDevKeySet())
  bind = await bindingHashes(UA, IP)
  if (!keys.ok) throw new Error('keys')
  token = await issueDeviceToken({ deviceId: 'AAAAAAAAAAAAAAAAAAAAAA', firstSeen: NOW - 60_000, now: NOW, telemetry: null, ...bind }, keys.value)
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
    const mutation = fc.oneof(
      fc.tuple(fc.nat(), fc.constantFrom(...B64URL)).map(([i, c]) => (t: string) => t.slice(0, i % t.length) + c + t.slice((i % t.length) + 1)),
      fc.tuple(fc.nat(), fc.constantFrom(...B64URL, '.', '=', '+', '/')).map(([i, c]) => (t: string) => t.slice(0, i % t.length) + c + t.slice(i % t.length)),
      fc.nat().map((i) => (t: string) => t.slice(0, i % t.length) + t.slice((i % t.length) + 1)),
      fc.constant((t: string) => t.split('.').reverse().join('.')),
      fc.constant((t: string) => `${t}.${t.split('.')[2]}`),
    )
    await fc.assert(
      fc.asyncProperty(mutation, async (mutate) => {
        const forged = mutate(token)
        const state = await verifyDeviceToken(forged, keys, { now: NOW, ...bind })
        if (state.kind !== 'valid') return expectNotValid(state)
        // Base64url has spare bits in the last character of a segment: same bytes, same claims.
        const bytes = (t: string) => t.split('.').map((s) => Buffer.from(s, 'base64url').toString('hex'))
        expect(bytes(forged)).toEqual(bytes(token))
        expect(state.deviceId).toBe('AAAAAAAAAAAAAAAAAAAAAA')
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
