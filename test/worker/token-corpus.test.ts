// The device-token attack corpus inside workerd, beyond token.test.ts: alg spellings, key confusion,
// weak secrets, attacker keys via jwk/jku/x5u/x5c, JWE, JSON forms, claim edges. 0 accepted, no fetch.
import { env } from 'cloudflare:workers'
import { CompactEncrypt, exportJWK, exportSPKI, FlattenedSign, generateKeyPair, GeneralSign, importJWK } from 'jose'
import { afterEach, beforeAll, beforeEach, describe, expect, it, test, vi, type MockInstance } from 'vitest'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys, type LoadedKeys } from '../../src/signals/cookieKeys'
import { DEVICE_TOKEN_MAX_CHARS, type InvalidReason } from '../../src/signals/deviceClaims'
import { readDeviceCookie } from '../../src/signals/deviceCookie'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { b64url, claims, ecPrivateKey, header, signES256, signHS256, type PrivateJwk } from '../fixtures/tokens/forge'
import { callWorker, ECHO_ORIGIN } from '../support/worker'

const SECRET = (env as unknown as Env).EDGEWARD_COOKIE_KEYS ?? ''
const NEW = (JSON.parse(SECRET) as { keys: PrivateJwk[] }).keys[0]!
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const IP = '203.0.113.77'
const NOW = Date.now()
const NOW_S = Math.floor(NOW / 1000)
const ATTACKER_URL = 'https://attacker.example/.well-known/jwks.json'

let keys: LoadedKeys
let bind: { uaHash: string; ipPrefixHash: string }
let ours: CryptoKey
let attacker: { privateKey: CryptoKey; jwk: Record<string, unknown> }

beforeAll(async () => {
  keys = await loadCookieKeys(SECRET)
  bind = await bindingHashes(UA, IP)
  ours = await ecPrivateKey(NEW)
  const pair = await generateKeyPair('ES256', { extractable: true })
  attacker = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: NEW.kid } }
})

let fetchSpy: MockInstance<typeof fetch>
beforeEach(() => {
  fetchSpy = vi.spyOn(globalThis, 'fetch')
})
afterEach(() => {
  // A jku / x5u / jwk must never make the verifier go and fetch anything.
  expect(fetchSpy).not.toHaveBeenCalled()
  fetchSpy.mockRestore()
})

const payload = (over: Record<string, unknown> = {}): string => JSON.stringify(claims(NOW_S, bind, over))
const signed = (over: Record<string, unknown> = {}, head = header(NEW.kid)): Promise<string> => signES256(head, payload(over), ours)
const unsigned = (head: string, sig = 'AAAA'): string => `${b64url(head)}.${b64url(payload())}.${sig}`
const rawHeader = (members: string): string => `{${members}}`
const canonicalMembers = `"alg":"ES256","kid":"${NEW.kid}","typ":"edgeward-device+jwt"`

/** Public-key material an attacker can read and try as an HMAC secret. */
function publicForms(): Promise<string[]> {
  return (async () => {
    const pub = (await importJWK({ kty: 'EC', crv: 'P-256', x: NEW.x, y: NEW.y }, 'ES256', { extractable: true })) as CryptoKey
    const raw = new Uint8Array((await crypto.subtle.exportKey('raw', pub)) as ArrayBuffer)
    return [await exportSPKI(pub), String.fromCharCode(...raw), JSON.stringify({ kty: 'EC', crv: 'P-256', x: NEW.x, y: NEW.y, kid: NEW.kid, alg: 'ES256', use: 'sig' }), NEW.kid, NEW.y]
  })()
}

type Case = readonly [string, () => Promise<string>, InvalidReason]

const ALG_SPELLINGS: readonly unknown[] = ['none', 'NONE ', ' none', 'none\u0000', 'nonE', '', null, 0, ['ES256'], { alg: 'ES256' }, 'es256', 'ES256 ', 'ES256\u0000', 'Es256']

const cases: readonly Case[] = [
  // alg: every spelling of none, and near-misses of ES256, with a real signature attached.
  ...ALG_SPELLINGS.map((alg): Case => [`alg ${JSON.stringify(alg)} with our real signature`, async () => { const s = (await signed()).split('.')[2]; return unsigned(header(NEW.kid, { alg }), s) }, 'bad_header']),
  ['alg none with no other member', async () => `${b64url('{"alg":"none"}')}.${b64url(payload())}.`, 'malformed'],
  ['no alg at all', () => signed({}, rawHeader(`"kid":"${NEW.kid}","typ":"edgeward-device+jwt"`)), 'bad_header'],
  // Key confusion: HMAC keyed with public material, other asymmetric algorithms.
  // HS256 is what the Worker issues now (keyed by HKDF from the private part, src/signals/cookieKeys.ts):
  // its header passes, and the MAC, keyed by anything public, does not.
  ...['HS256', 'HS384', 'HS512'].flatMap((alg) => [0, 1, 2, 3, 4].map((i): Case => [`${alg} keyed with public form #${i}`, async () => signHS256(header(NEW.kid, { alg }), payload(), (await publicForms())[i]!), alg === 'HS256' ? 'bad_signature' : 'bad_header'])),
  ['RS256 from the attacker’s own RSA key with its jwk inside', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const head = header(NEW.kid, { alg: 'RS256', jwk: await exportJWK(publicKey) })
    const input = `${b64url(head)}.${b64url(payload())}`
    const sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, new TextEncoder().encode(input))
    return `${input}.${b64url(new Uint8Array(sig))}`
  }, 'bad_header'],
  ['PS256 named in the header', async () => unsigned(header(NEW.kid, { alg: 'PS256' })), 'bad_header'],
  ['EdDSA named in the header', async () => unsigned(header(NEW.kid, { alg: 'EdDSA' })), 'bad_header'],
  ['ES384 named in the header', async () => unsigned(header(NEW.kid, { alg: 'ES384' })), 'bad_header'],
  // Weak or leaked secrets as HMAC keys.
  ...['s', 'secret', 'password', 'edgeward', 'changeme', 'test-admin-token', 'test-user-hash-key'].map((s): Case => [`HS256 with the weak secret ${JSON.stringify(s)}`, () => signHS256(header(NEW.kid, { alg: 'HS256' }), payload(), s), 'bad_signature']),
  // The attacker's own key, offered through the header.
  ['the attacker’s key embedded as jwk', () => signES256(header(NEW.kid, { jwk: attacker.jwk }), payload(), attacker.privateKey), 'bad_header'],
  ['the attacker’s key behind jku', () => signES256(header(NEW.kid, { jku: ATTACKER_URL }), payload(), attacker.privateKey), 'bad_header'],
  ['the attacker’s key behind x5u', () => signES256(header(NEW.kid, { x5u: 'https://attacker.example/cert.pem' }), payload(), attacker.privateKey), 'bad_header'],
  ['the attacker’s key as an x5c chain', () => signES256(header(NEW.kid, { x5c: ['MIIBszCCAVmgAwIBAgIU'] }), payload(), attacker.privateKey), 'bad_header'],
  ['a jku with the attacker’s own kid', () => signES256(header('attacker-1', { jku: ATTACKER_URL }), payload(), attacker.privateKey), 'bad_header'],
  ['the attacker’s key under our kid, nothing else', () => signES256(header(NEW.kid), payload(), attacker.privateKey), 'bad_signature'],
  // kid injection beyond token.test.ts.
  ...['https://attacker.example/k', '__proto__', 'constructor', 'toString', `${NEW.kid} `, NEW.kid.toUpperCase(), '', 'test-new%00', 'test-new;drop table keys'].map((kid): Case => [`kid ${JSON.stringify(kid)}`, () => signed({}, header(kid)), 'unknown_kid']),
  ...[null, ['test-new'], { kid: 'test-new' }, true].map((kid): Case => [`kid of type ${JSON.stringify(kid)}`, () => signed({}, JSON.stringify({ alg: 'ES256', kid, typ: 'edgeward-device+jwt' })), 'unknown_kid']),
  // crit.
  ['crit b64 with b64 false', () => signed({}, header(NEW.kid, { b64: false, crit: ['b64'] })), 'bad_header'],
  ['an empty crit', () => signed({}, header(NEW.kid, { crit: [] })), 'bad_header'],
  ['crit naming an unknown extension', () => signed({}, header(NEW.kid, { crit: ['x-edgeward'], 'x-edgeward': 1 })), 'bad_header'],
  // JWE and nesting.
  ['a real JWE encrypted to our public key (ECDH-ES)', async () => {
    const pub = await importJWK({ kty: 'EC', crv: 'P-256', x: NEW.x, y: NEW.y }, 'ECDH-ES')
    return new CompactEncrypt(new TextEncoder().encode(payload())).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid: NEW.kid, typ: 'edgeward-device+jwt' }).encrypt(pub)
  }, 'malformed'],
  ['a JWS whose payload is a JWE', async () => {
    const pub = await importJWK({ kty: 'EC', crv: 'P-256', x: NEW.x, y: NEW.y }, 'ECDH-ES')
    const jwe = await new CompactEncrypt(new TextEncoder().encode(payload())).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' }).encrypt(pub)
    return signES256(header(NEW.kid), jwe, ours)
  }, 'bad_claims'],
  // JSON serialisations carrying a genuine signature.
  ['flattened JSON serialisation with our real signature', async () => JSON.stringify(await new FlattenedSign(new TextEncoder().encode(payload())).setProtectedHeader({ alg: 'ES256', kid: NEW.kid, typ: 'edgeward-device+jwt' }).sign(ours)), 'malformed'],
  ['general JSON serialisation with our real signature', async () => {
    const jws = new GeneralSign(new TextEncoder().encode(payload()))
    jws.addSignature(ours).setProtectedHeader({ alg: 'ES256', kid: NEW.kid, typ: 'edgeward-device+jwt' })
    return JSON.stringify(await jws.sign())
  }, 'malformed'],
  ['compact form with an unprotected-header smuggled as a fourth segment', async () => `${await signed()}.${b64url('{"alg":"none"}')}`, 'malformed'],
  // Duplicate members.
  ['duplicate typ, the last naming the clearance type', () => signed({}, rawHeader(`${canonicalMembers},"typ":"edgeward-clearance+jwt"`)), 'wrong_type'],
  ['duplicate kid, the last unknown', () => signed({}, rawHeader(`${canonicalMembers},"kid":"other"`)), 'bad_header'],
  ['a duplicate exp that stretches the lifetime past 30 days', async () => signES256(header(NEW.kid), payload().replace(/}$/, `,"exp":${NOW_S + 90 * 86_400}}`), ours), 'bad_claims'],
  ['a duplicate sub with other characters', async () => signES256(header(NEW.kid), payload().replace(/}$/, ',"sub":"../../x"}'), ours), 'bad_claims'],
  // Claims.
  ['exp exactly now', () => signed({ exp: NOW_S }), 'expired'],
  ['iat 5 min in the future, past the 60 s skew', () => signed({ iat: NOW_S + 300, exp: NOW_S + 3600, fs: NOW_S }), 'not_yet_valid'],
  ['no exp', () => signed({ exp: undefined }), 'bad_claims'],
  ['no iat', () => signed({ iat: undefined }), 'bad_claims'],
  ['exp as a string', () => signed({ exp: String(NOW_S + 3600) }), 'bad_claims'],
  ['a fractional iat', () => signed({ iat: NOW_S + 0.5 }), 'bad_claims'],
  ['an unknown claims version', () => signed({ v: 2 }), 'bad_claims'],
  ['an aud claim', () => signed({ aud: 'edgeward' }), 'bad_claims'],
  ['a null binding', () => signed({ b: null }), 'bad_claims'],
  ['typ JWT in lower case', () => signed({}, header(NEW.kid, { typ: 'jwt' })), 'wrong_type'],
  ['a clearance token presented as the device cookie', () => signed({ jti: 'c'.repeat(22), m: 'pow', d: 16, dev: null }, header(NEW.kid, { typ: 'edgeward-clearance+jwt' })), 'wrong_type'],
  ['a challenge token presented as the device cookie', () => signed({}, header(NEW.kid, { typ: 'edgeward-challenge+jwt' })), 'wrong_type'],
  // Size.
  ['one character over the cap', async () => `${(await signed()).padEnd(DEVICE_TOKEN_MAX_CHARS + 1, 'A')}`, 'too_large'],
  ['a valid token padded to exactly the cap inside its payload segment', async () => { const [h, p, s] = (await signed()).split('.'); return `${h}.${p}${'A'.repeat(DEVICE_TOKEN_MAX_CHARS - (await signed()).length)}.${s}` }, 'bad_signature'],
]

describe('the device-token corpus', () => {
  test.each(cases)('refuses %s', async (_name, make, reason) => {
    expect(await verifyDeviceToken(await make(), keys, { now: NOW, ...bind })).toEqual({ kind: 'invalid', reason })
  })

  let host = 0
  test.each(cases)('counts %s as no valid cookie through the Worker', async (_name, make, reason) => {
    const token = await make()
    fetchSpy.mockRestore() // callWorker installs its own spy and records every fetch in `seen`
    // Same /24 as the binding, one request per address: the corpus must not trip the rate rules.
    const { logs, seen } = await callWorker('/products/1', { headers: { 'user-agent': UA, cookie: `a=1; __edgeward=${token}` } }, { clientIp: `203.0.113.${(host++ % 250) + 1}` })
    fetchSpy = vi.spyOn(globalThis, 'fetch')
    expect(logs[0]).toMatchObject({ device: null, cookie: `invalid:${reason}` })
    expect(seen.map((s) => new URL(s.url).origin)).toEqual([ECHO_ORIGIN])
    expect(seen[0]?.headers.get('x-edgeward-device')).toBeNull()
  })

  test.each<readonly [string, () => Promise<string>]>([
    ['the canonical token', () => signed()],
    ['a token that expires in one second', () => signed({ exp: NOW_S + 1 })],
    ['a token issued 60 s in the future (the skew)', () => signed({ iat: NOW_S + 60, exp: NOW_S + 3600, fs: NOW_S })],
    ['a token at the full 30-day lifetime', () => signed({ iat: NOW_S - 10, exp: NOW_S - 10 + 30 * 86_400, fs: NOW_S - 10 })],
  ])('accepts %s, the control', async (_name, make) => {
    const token = await make()
    expect(await verifyDeviceToken(token, keys, { now: NOW, ...bind })).toMatchObject({ kind: 'valid', deviceId: 'AAAAAAAAAAAAAAAAAAAAAA', replayed: false })
  })

  it('accepts the control through the Worker and tells the origin the device', async () => {
    const token = await signed()
    fetchSpy.mockRestore()
    const { logs, seen } = await callWorker('/products/1', { headers: { 'user-agent': UA, cookie: `__edgeward=${token}` } }, { clientIp: IP })
    fetchSpy = vi.spyOn(globalThis, 'fetch')
    expect(logs[0]).toMatchObject({ device: 'AAAAAAAAAAAAAAAAAAAAAA', cookie: 'valid' })
    expect(seen[0]?.headers.get('x-edgeward-device')).toBe('AAAAAAAAAAAAAAAAAAAAAA')
  })
})

describe('which cookie counts', () => {
  test.each<readonly [string, (good: string, forged: string) => string, 'valid' | 'invalid' | 'missing']>([
    ['a valid cookie before a forged one', (g, f) => `__edgeward=${g}; __edgeward=${f}`, 'valid'],
    ['a forged cookie before a valid one', (g, f) => `__edgeward=${f}; __edgeward=${g}`, 'invalid'],
    ['a valid cookie under another name', (g) => `__Edgeward=${g}; _edgeward=${g}; __edgeward2=${g}`, 'missing'],
    ['a valid cookie past the first 16 KB of the header', (g) => `pad=${'x'.repeat(16 * 1024)}; __edgeward=${g}`, 'missing'],
    ['a valid cookie in quotes', (g) => `__edgeward="${g}"`, 'invalid'],
  ])('takes %s as %s', async (_name, build, kind) => {
    const good = await signed()
    const forged = await signES256(header(NEW.kid), payload(), attacker.privateKey)
    const state = await verifyDeviceToken(readDeviceCookie(build(good, forged)), keys, { now: NOW, ...bind })
    expect(state.kind).toBe(kind)
  })
})
