// Device-token verification inside workerd: every forged, expired, malformed or oversized token
// is "no valid cookie" with a tagged reason, a valid control passes, and replay is flagged.
import { env } from 'cloudflare:workers'
import { generateKeyPair, exportJWK } from 'jose'
import { beforeAll, describe, expect, it, test } from 'vitest'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys, parseCookieKeys, type LoadedKeys } from '../../src/signals/cookieKeys'
import type { DeviceCookieState, InvalidReason } from '../../src/signals/deviceClaims'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import { b64url, claims, ecPrivateKey, header, signES256, signHS256, type PrivateJwk } from '../fixtures/tokens/forge'
import telemetry from '../fixtures/tokens/telemetry-valid.json'
import { parseTelemetry } from '../../src/signals/telemetry'

const SECRET = (env as unknown as Env).EDGEWARD_COOKIE_KEYS ?? ''
const SET = JSON.parse(SECRET) as { keys: PrivateJwk[] }
const NEW = SET.keys[0]!
const OLD = SET.keys[1]!
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0)
const NOW_S = NOW / 1000
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const IP = '203.0.113.77'

let keys: LoadedKeys
let bind: { uaHash: string; ipPrefixHash: string }
let newKey: CryptoKey
let oldKey: CryptoKey

const verify = (token: string | undefined, k: LoadedKeys = keys, b = bind): Promise<DeviceCookieState> =>
  verifyDeviceToken(token, k, { now: NOW, ...b })

beforeAll(async () => {
  keys = await loadCookieKeys(SECRET)
  bind = await bindingHashes(UA, IP)
  newKey = await ecPrivateKey(NEW)
  oldKey = await ecPrivateKey(OLD)
})

const valid = (over: Record<string, unknown> = {}, kid = NEW.kid, key?: CryptoKey): Promise<string> =>
  signES256(header(kid), JSON.stringify(claims(NOW_S, bind, over)), key ?? newKey)

describe('the control', () => {
  it('accepts a token issued by edgeward and returns its claims', async () => {
    const t = parseTelemetry(telemetry)
    if (!t.ok) throw new Error('fixture')
    if (!keys.ok) throw new Error('keys')
    const token = await issueDeviceToken({ deviceId: 'BBBBBBBBBBBBBBBBBBBBBB', firstSeen: NOW - 5000, now: NOW, telemetry: t.value, ...bind }, keys.value)
    const state = await verify(token)
    expect(state).toMatchObject({ kind: 'valid', deviceId: 'BBBBBBBBBBBBBBBBBBBBBB', kid: 'test-new', replayed: false, firstSeen: NOW - 5000 })
    if (state.kind !== 'valid') return
    expect(state.telemetry).toMatchObject({ keyCount: 29, keyIntervalMeanMs: 142.5, keyIntervalSdMs: 61.3, timezone: 'Europe/Berlin', phase: 'submit' })
    expect(token.length).toBeLessThan(1200)
  })

  it('accepts a hand-built token in the canonical form', async () => {
    expect((await verify(await valid())).kind).toBe('valid')
  })

  it('keeps verifying cookies signed by an older key of the set (rotation)', async () => {
    expect(await verify(await valid({}, OLD.kid, oldKey))).toMatchObject({ kind: 'valid', kid: 'test-old' })
  })

  it('re-checks expiry on every call, even for a token it has already verified', async () => {
    const token = await valid()
    expect((await verify(token)).kind).toBe('valid')
    const later = await verifyDeviceToken(token, keys, { now: NOW + 2 * 86_400_000, ...bind })
    expect(later).toEqual({ kind: 'invalid', reason: 'expired' })
  })

  it('does not carry a verified token over to another key set', async () => {
    const token = await valid()
    expect((await verify(token)).kind).toBe('valid')
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const other = await parseCookieKeys(JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: NEW.kid }] }))
    expect(await verify(token, other)).toEqual({ kind: 'invalid', reason: 'bad_signature' })
  })

  it('says missing when there is no cookie', async () => {
    expect(await verify(undefined)).toEqual({ kind: 'missing' })
    expect(await verify('')).toEqual({ kind: 'missing' })
  })
})

describe('HS256, what the Worker issues since 2026-12-07 (ES256 cookies issued before still verify)', () => {
  const payload = (over: Record<string, unknown> = {}): string => JSON.stringify(claims(NOW_S, bind, over))
  const macHeader = (kid: string): string => JSON.stringify({ alg: 'HS256', kid, typ: 'edgeward-device+jwt' })
  /** HS256 over `b64(header).b64(payload)` under raw key bytes. */
  const signMac = async (headerText: string, payloadText: string, raw: Uint8Array): Promise<string> => {
    const input = `${b64url(headerText)}.${b64url(payloadText)}`
    const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    return `${input}.${b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input))))}`
  }
  const bytesOf = (b64: string): Uint8Array => Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
  /** What HKDF-SHA-256 derives from a key's `d` for `info`, as raw bytes. */
  const derived = async (d: string, info: string): Promise<Uint8Array> => {
    const base = await crypto.subtle.importKey('raw', bytesOf(d), 'HKDF', false, ['deriveBits'])
    return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(info) }, base, 256))
  }
  const issue = async (over: { deviceId?: string } = {}): Promise<string> => {
    if (!keys.ok) throw new Error('keys')
    return issueDeviceToken({ deviceId: over.deviceId ?? 'HHHHHHHHHHHHHHHHHHHHHH', firstSeen: NOW - 5000, now: NOW, telemetry: null, ...bind }, keys.value)
  }

  it('issues an HS256 token in the canonical header, which a fresh isolate (no cache) verifies through jose', async () => {
    const token = await issue()
    expect(JSON.parse(atob(token.split('.')[0]!))).toEqual({ alg: 'HS256', kid: NEW.kid, typ: 'edgeward-device+jwt' })
    const fresh = await parseCookieKeys(SECRET)
    expect(await verify(token, fresh)).toMatchObject({ kind: 'valid', deviceId: 'HHHHHHHHHHHHHHHHHHHHHH', kid: NEW.kid })
  })

  it('answers for a token it just issued (remembered) as a fresh verify does', async () => {
    const token = await issue()
    expect(await verify(token)).toEqual(await verify(token, await parseCookieKeys(SECRET)))
  })

  it('does not remember a token whose claims a verify refuses', async () => {
    const token = await issue({ deviceId: 'not a device id' })
    expect(await verify(token)).toEqual({ kind: 'invalid', reason: 'bad_claims' })
  })

  it('keys the MAC by HKDF from the private part, for device cookies only', async () => {
    const own = await derived(NEW.d, 'edgeward device cookie hs256 v1')
    expect((await verify(await signMac(macHeader(NEW.kid), payload(), own))).kind).toBe('valid')
    expect(await verify(await signMac(macHeader(NEW.kid), payload(), bytesOf(NEW.d)))).toEqual({ kind: 'invalid', reason: 'bad_signature' })
    const nonceKey = await derived(NEW.d, 'edgeward sdk nonce hs256 v1')
    expect(await verify(await signMac(macHeader(NEW.kid), payload(), nonceKey))).toEqual({ kind: 'invalid', reason: 'bad_signature' })
    expect(await verify(await signMac(macHeader(OLD.kid), payload(), own))).toEqual({ kind: 'invalid', reason: 'bad_signature' })
  })

  it("refuses an SDK nonce offered as a device cookie (wrong_type)", async () => {
    if (!keys.ok) throw new Error('keys')
    const { issueSdkNonce } = await import('../../src/signals/sdkNonce')
    expect(await verify(await issueSdkNonce({ id: 'A'.repeat(22), now: NOW, ...bind }, keys.value))).toEqual({ kind: 'invalid', reason: 'wrong_type' })
  })

  it('after a rotation, an old key listed without its private part still verifies its ES256 cookies, not its HS256 ones', async () => {
    const { d: _d, ...publicOld } = OLD
    const rotated = await parseCookieKeys(JSON.stringify({ keys: [NEW, publicOld] }))
    const hs = await signMac(macHeader(OLD.kid), payload(), await derived(OLD.d, 'edgeward device cookie hs256 v1'))
    expect(await verify(hs, rotated)).toEqual({ kind: 'invalid', reason: 'unknown_kid' })
    expect((await verify(hs)).kind).toBe('valid')
    expect(await verify(await valid({}, OLD.kid, oldKey), rotated)).toMatchObject({ kind: 'valid', kid: OLD.kid })
  })
})

describe('forged tokens', () => {
  const payload = (): string => JSON.stringify(claims(NOW_S, bind))
  const cases: ReadonlyArray<readonly [string, () => Promise<string>, InvalidReason]> = [
    ...['none', 'None', 'NONE', 'nOnE'].map((alg) => [`alg ${alg} with an empty signature`, async () => `${b64url(header(NEW.kid, { alg }))}.${b64url(payload())}.`, 'malformed'] as const),
    ...['none', 'None', 'NONE', 'nOnE'].map((alg) => [`alg ${alg} with a junk signature`, async () => `${b64url(header(NEW.kid, { alg }))}.${b64url(payload())}.AAAA`, 'bad_header'] as const),
    ['a token signed by another key under our kid', async () => {
      const { privateKey } = await generateKeyPair('ES256')
      return signES256(header(NEW.kid), payload(), privateKey)
    }, 'bad_signature'],
    ['a token signed by the old key under the new kid', () => signES256(header(NEW.kid), payload(), oldKey), 'bad_signature'],
    ['HS256 with the public JWK as the HMAC secret', () => signHS256(header(NEW.kid, { alg: 'HS256' }), payload(), JSON.stringify({ kty: 'EC', crv: 'P-256', x: NEW.x, y: NEW.y })), 'bad_signature'],
    ['HS256 with the x coordinate as the secret', () => signHS256(header(NEW.kid, { alg: 'HS256' }), payload(), NEW.x), 'bad_signature'],
    ['RS256 named in the header', async () => `${b64url(header(NEW.kid, { alg: 'RS256' }))}.${b64url(payload())}.AAAA`, 'bad_header'],
    ['ES512 named in the header', async () => `${b64url(header(NEW.kid, { alg: 'ES512' }))}.${b64url(payload())}.AAAA`, 'bad_header'],
    ['expired', () => valid({ iat: NOW_S - 40 * 86_400, exp: NOW_S - 10 * 86_400, fs: NOW_S - 40 * 86_400 }), 'expired'],
    ['nbf in the future', () => valid({ nbf: NOW_S + 3600 }), 'not_yet_valid'],
    ['iat in the future', () => valid({ iat: NOW_S + 3600, exp: NOW_S + 7200, fs: NOW_S }), 'not_yet_valid'],
    ['a crit header', () => signES256(header(NEW.kid, { crit: ['exp'] }), payload(), newKey), 'bad_header'],
    ...['jku', 'jwk', 'x5u', 'x5c', 'b64', 'cty'].map((m) => [`a ${m} header member`, () => signES256(header(NEW.kid, { [m]: m === 'b64' ? false : 'https://evil.example/k' }), payload(), newKey), 'bad_header'] as const),
    ...['../../etc/passwd', "' OR 1=1 --", 'test-new/../test-old', 'a'.repeat(100), 'test-new\u0000'].map((kid) => [`kid injection ${JSON.stringify(kid).slice(0, 30)}`, () => signES256(header(kid), payload(), newKey), 'unknown_kid'] as const),
    ['an unknown kid', () => signES256(header('test-nope'), payload(), newKey), 'unknown_kid'],
    ['a numeric kid', () => signES256(JSON.stringify({ alg: 'ES256', kid: 5, typ: 'edgeward-device+jwt' }), payload(), newKey), 'unknown_kid'],
    ['typ JWT', () => signES256(header(NEW.kid, { typ: 'JWT' }), payload(), newKey), 'wrong_type'],
    ['no typ', () => signES256(JSON.stringify({ alg: 'ES256', kid: NEW.kid }), payload(), newKey), 'wrong_type'],
    ['members in another order', () => signES256(JSON.stringify({ kid: NEW.kid, alg: 'ES256', typ: 'edgeward-device+jwt' }), payload(), newKey), 'bad_header'],
    ['duplicate alg, last one none', () => signES256(`{"alg":"ES256","kid":"${NEW.kid}","typ":"edgeward-device+jwt","alg":"none"}`, payload(), newKey), 'bad_header'],
    ['duplicate alg, both ES256', () => signES256(`{"alg":"ES256","alg":"ES256","kid":"${NEW.kid}","typ":"edgeward-device+jwt"}`, payload(), newKey), 'bad_header'],
    ['whitespace in the header', () => signES256(`{ "alg":"ES256","kid":"${NEW.kid}","typ":"edgeward-device+jwt"}`, payload(), newKey), 'bad_header'],
    ['a header that is not an object', () => signES256('"ES256"', payload(), newKey), 'malformed'],
    ['JWE compact form (5 segments)', async () => `${b64url('{"alg":"RSA-OAEP","enc":"A256GCM"}')}.AAAA.AAAA.AAAA.AAAA`, 'malformed'],
    ['a nested JWT (cty JWT)', async () => signES256(header(NEW.kid, { cty: 'JWT' }), await valid(), newKey), 'bad_header'],
    ['a JWT as the payload', async () => signES256(header(NEW.kid), await valid(), newKey), 'bad_claims'],
    ['a 100 KB token', async () => `${b64url(header(NEW.kid))}.${'A'.repeat(100_000)}.AAAA`, 'too_large'],
    ['non-base64 characters', async () => 'ey$.ey!.sig', 'malformed'],
    ['standard base64 with padding', async () => `${btoa(header(NEW.kid))}.${btoa(payload())}.AAAA`, 'malformed'],
    ['an impossible base64url length', async () => 'a.b.c', 'malformed'],
    ['JSON serialization', async () => JSON.stringify({ payload: b64url(payload()), signatures: [{ protected: b64url(header(NEW.kid)), signature: 'AAAA' }] }), 'malformed'],
    ['two segments', async () => `${b64url(header(NEW.kid))}.${b64url(payload())}`, 'malformed'],
    ['a flipped signature', async () => { const t = await valid(); return t.slice(0, -2) + (t.endsWith('AA') ? 'BB' : 'AA') }, 'bad_signature'],
    ['a swapped payload', async () => { const [h, , s] = (await valid()).split('.'); return `${h}.${b64url(JSON.stringify(claims(NOW_S, bind, { sub: 'CCCCCCCCCCCCCCCCCCCCCC' })))}.${s}` }, 'bad_signature'],
    ['an extra claim', () => valid({ admin: true }), 'bad_claims'],
    ['no sub', () => valid({ sub: undefined }), 'bad_claims'],
    ['a sub with other characters', () => valid({ sub: '../../../../etc/passwd!' }), 'bad_claims'],
    ['first-seen after issue', () => valid({ fs: NOW_S + 10 }), 'bad_claims'],
    ['a lifetime beyond 30 days', () => valid({ exp: NOW_S + 400 * 86_400 }), 'bad_claims'],
    ['telemetry with an extra key', () => valid({ t: { p: 'load', k: 0, m: null, s: null, ps: false, af: false, f: 0, vc: 0, pm: false, ts: null, wd: false, am: [], ic: null, tz: null, x: 1 } }), 'bad_claims'],
    ['telemetry with a negative count', () => valid({ t: { p: 'load', k: -1, m: null, s: null, ps: false, af: false, f: 0, vc: 0, pm: false, ts: null, wd: false, am: [], ic: null, tz: null } }), 'bad_claims'],
    ['a claims array', () => signES256(header(NEW.kid), '[1,2,3]', newKey), 'bad_claims'],
  ]

  test.each(cases)('rejects %s', async (_name, make, reason) => {
    const state = await verify(await make())
    expect(state).toEqual({ kind: 'invalid', reason })
  })

  it('rejects every cookie when the key set is missing or broken, and never throws', async () => {
    const token = await valid()
    for (const secret of [undefined, '', 'not json', '{"keys":[]}', '{"keys":[{"kty":"oct","k":"AAAA","kid":"x"}]}']) {
      const k = await parseCookieKeys(secret)
      expect(k.ok).toBe(false)
      expect(await verify(token, k)).toEqual({ kind: 'invalid', reason: 'no_keys' })
    }
  })

  it('refuses a key set whose newest (first) key cannot sign', async () => {
    const pub = { kty: 'EC', crv: 'P-256', x: NEW.x, y: NEW.y, kid: 'pub-only' }
    expect(await parseCookieKeys(JSON.stringify({ keys: [pub, NEW] }))).toMatchObject({ ok: false, reason: 'bad_keyset' })
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const fresh = { ...(await exportJWK(privateKey)), kid: 'fresh' }
    expect(await parseCookieKeys(JSON.stringify({ keys: [fresh, NEW] }))).toMatchObject({ ok: true })
  })
})

describe('replay', () => {
  it('flags a valid token presented by another User-Agent', async () => {
    const other = await bindingHashes(UA.replace('126', '127'), IP)
    expect(await verify(await valid(), keys, other)).toMatchObject({ kind: 'valid', replayed: true, replay: 'ua' })
  })

  it('flags a valid token presented from another /24', async () => {
    const other = await bindingHashes(UA, '203.0.114.77')
    expect(await verify(await valid(), keys, other)).toMatchObject({ kind: 'valid', replayed: true, replay: 'ip' })
  })

  it('does not flag another address in the same /24', async () => {
    const same = await bindingHashes(UA, '203.0.113.200')
    expect(await verify(await valid(), keys, same)).toMatchObject({ kind: 'valid', replayed: false, replay: null })
  })

  it('flags both when both differ', async () => {
    const other = await bindingHashes('curl/8.5.0', '2001:db8:1:2::1')
    expect(await verify(await valid(), keys, other)).toMatchObject({ kind: 'valid', replayed: true, replay: 'ua_ip' })
  })
})
