// The attack corpus against the clearance token (its own verifier core in challengeToken.ts): alg
// spellings, key confusion, attacker keys, JWE, JSON forms, cross-typed tokens, claims. 0 accepted, no fetch.
import { env } from 'cloudflare:workers'
import { CompactEncrypt, exportJWK, exportSPKI, FlattenedSign, generateKeyPair, importJWK } from 'jose'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test, vi, type MockInstance } from 'vitest'
import { POW_MAX_DIFFICULTY } from '../../src/action/pow'
import { bindingHashes } from '../../src/signals/binding'
import { issueChallengeToken } from '../../src/signals/challengeToken'
import { CLEARANCE_MAX_CHARS, CLEARANCE_TOKEN_TYP, clearanceNetHash, issueClearanceToken, verifyClearance, type ClearanceProblem } from '../../src/signals/clearanceToken'
import { loadCookieKeys, type LoadedKeys } from '../../src/signals/cookieKeys'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import { b64url, ecPrivateKey, signES256, signHS256, type PrivateJwk } from '../fixtures/tokens/forge'
import { callWorker, clearConfig, ECHO_ORIGIN, writeConfig } from '../support/worker'

const SECRET = (env as unknown as Env).EDGEWARD_COOKIE_KEYS ?? ''
const NEW = (JSON.parse(SECRET) as { keys: PrivateJwk[] }).keys[0]!
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const IP = '203.0.113.41'
const NOW = Date.now()
const NOW_S = Math.floor(NOW / 1000)
const JTI = 'J'.repeat(22)

let keys: LoadedKeys
let bind: { uaHash: string; ipPrefixHash: string }
let net: string
let ours: CryptoKey
let attacker: { privateKey: CryptoKey; jwk: Record<string, unknown> }

beforeAll(async () => {
  keys = await loadCookieKeys(SECRET)
  bind = await bindingHashes(UA, IP)
  net = await clearanceNetHash(IP)
  ours = await ecPrivateKey(NEW)
  const pair = await generateKeyPair('ES256', { extractable: true })
  attacker = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: NEW.kid } }
})

let fetchSpy: MockInstance<typeof fetch>
beforeEach(() => {
  fetchSpy = vi.spyOn(globalThis, 'fetch')
})
afterEach(() => {
  expect(fetchSpy).not.toHaveBeenCalled()
  fetchSpy.mockRestore()
})

const head = (extra: Record<string, unknown> = {}): string => JSON.stringify({ alg: 'ES256', kid: NEW.kid, typ: CLEARANCE_TOKEN_TYP, ...extra })
const claims = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({ v: 2, jti: JTI, m: 'pow', d: POW_MAX_DIFFICULTY, dev: null, b: { u: bind.uaHash, n: bind.ipPrefixHash }, net, iat: NOW_S, exp: NOW_S + 300, ...over })
const signed = (over: Record<string, unknown> = {}, h = head()): Promise<string> => signES256(h, claims(over), ours)
const withSig = async (h: string): Promise<string> => `${b64url(h)}.${b64url(claims())}.${(await signed()).split('.')[2]}`

async function publicForms(): Promise<string[]> {
  const pub = (await importJWK({ kty: 'EC', crv: 'P-256', x: NEW.x, y: NEW.y }, 'ES256', { extractable: true })) as CryptoKey
  return [await exportSPKI(pub), JSON.stringify({ kty: 'EC', crv: 'P-256', x: NEW.x, y: NEW.y }), NEW.x, NEW.kid]
}

type Case = readonly [string, () => Promise<string>, ClearanceProblem]

const cases: readonly Case[] = [
  ...(['none', 'None', 'NONE', 'nOnE', '', null, 'ES256 ', 'es256', ['ES256']] as const).map((alg): Case => [`alg ${JSON.stringify(alg)} with our real signature`, () => withSig(head({ alg })), 'bad_header']),
  ['alg none with an empty signature', async () => `${b64url(head({ alg: 'none' }))}.${b64url(claims())}.`, 'malformed'],
  ...['HS256', 'HS512'].flatMap((alg) => [0, 1, 2, 3].map((i): Case => [`${alg} keyed with public form #${i}`, async () => signHS256(head({ alg }), claims(), (await publicForms())[i]!), 'bad_header'])),
  ...['secret', 'test-admin-token', 'test-user-hash-key'].map((s): Case => [`HS256 with the weak secret ${JSON.stringify(s)}`, () => signHS256(head({ alg: 'HS256' }), claims(), s), 'bad_header']),
  ['the attacker’s key embedded as jwk', () => signES256(head({ jwk: attacker.jwk }), claims(), attacker.privateKey), 'bad_header'],
  ['the attacker’s key behind jku', () => signES256(head({ jku: 'https://attacker.example/jwks.json' }), claims(), attacker.privateKey), 'bad_header'],
  ['the attacker’s key behind x5u', () => signES256(head({ x5u: 'https://attacker.example/c.pem' }), claims(), attacker.privateKey), 'bad_header'],
  ['the attacker’s key as x5c', () => signES256(head({ x5c: ['MIIB'] }), claims(), attacker.privateKey), 'bad_header'],
  ['the attacker’s key under our kid', () => signES256(head(), claims(), attacker.privateKey), 'bad_signature'],
  ...['../keys', '__proto__', 'constructor', 'https://attacker.example/k', `${NEW.kid} `].map((kid): Case => [`kid ${JSON.stringify(kid)}`, () => signed({}, head({ kid })), 'unknown_kid']),
  ['a crit header', () => signed({}, head({ crit: ['exp'] })), 'bad_header'],
  ['a b64=false header', () => signed({}, head({ b64: false, crit: ['b64'] })), 'bad_header'],
  ['a real JWE encrypted to our public key', async () => {
    const pub = await importJWK({ kty: 'EC', crv: 'P-256', x: NEW.x, y: NEW.y }, 'ECDH-ES')
    return new CompactEncrypt(new TextEncoder().encode(claims())).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid: NEW.kid, typ: CLEARANCE_TOKEN_TYP }).encrypt(pub)
  }, 'malformed'],
  ['a nested JWT (cty JWT)', async () => signES256(head({ cty: 'JWT' }), await signed(), ours), 'bad_header'],
  ['flattened JSON serialisation with our real signature', async () => JSON.stringify(await new FlattenedSign(new TextEncoder().encode(claims())).setProtectedHeader({ alg: 'ES256', kid: NEW.kid, typ: CLEARANCE_TOKEN_TYP }).sign(ours)), 'malformed'],
  ['duplicate typ, the last naming the device type', () => signed({}, head().replace(/}$/, ',"typ":"edgeward-device+jwt"}')), 'wrong_type'],
  ['members in another order', () => signed({}, JSON.stringify({ typ: CLEARANCE_TOKEN_TYP, alg: 'ES256', kid: NEW.kid })), 'bad_header'],
  ['a device-typed header over clearance claims', () => signed({}, head({ typ: 'edgeward-device+jwt' })), 'wrong_type'],
  ['a challenge-typed header over clearance claims', () => signed({}, head({ typ: 'edgeward-challenge+jwt' })), 'wrong_type'],
  ['a real device token', async () => { if (!keys.ok) throw new Error('keys'); return issueDeviceToken({ deviceId: 'D'.repeat(22), firstSeen: NOW, now: NOW, telemetry: null, ...bind }, keys.value) }, 'bad_header'], // HS256: a clearance is ES256 only
  ['a real challenge token', async () => { if (!keys.ok) throw new Error('keys'); return issueChallengeToken({ id: JTI, method: 'pow', difficulty: 12, returnPath: '/', now: NOW, ...bind }, keys.value) }, 'wrong_type'],
  ['exp exactly now', () => signed({ exp: NOW_S }), 'expired'],
  ['iat 5 min in the future', () => signed({ iat: NOW_S + 300, exp: NOW_S + 500 }), 'not_yet_valid'],
  ['a deviceless lifetime past 5 minutes', () => signed({ exp: NOW_S + 301 }), 'bad_claims'],
  ['a device lifetime past 15 minutes', () => signed({ dev: 'E'.repeat(22), net: null, exp: NOW_S + 901 }), 'bad_claims'],
  ['a deviceless clearance bound to no network', () => signed({ net: null }), 'bad_claims'],
  ['a device clearance that names a network too', () => signed({ dev: 'E'.repeat(22) }), 'bad_claims'],
  ['the first version of the claims', () => signed({ v: 1, net: undefined }), 'bad_claims'],
  ['a duplicate exp that stretches the lifetime', async () => signES256(head(), claims().replace(/}$/, `,"exp":${NOW_S + 86_400}}`), ours), 'bad_claims'],
  ['no exp', () => signed({ exp: undefined }), 'bad_claims'],
  ['Turnstile with a difficulty', () => signed({ m: 'turnstile', d: 12 }), 'bad_claims'],
  ['a difficulty above the maximum', () => signed({ d: POW_MAX_DIFFICULTY + 1 }), 'bad_claims'],
  ['an unknown method', () => signed({ m: 'captcha' }), 'bad_claims'],
  ['an extra claim', () => signed({ admin: true }), 'bad_claims'],
  ['a bad challenge id', () => signed({ jti: '../x' }), 'bad_claims'],
  ['a device id with other characters', () => signed({ dev: '../../etc/passwd!!!!!!' }), 'bad_claims'],
  ['another User-Agent’s binding', () => signed({ b: { u: 'u'.repeat(16), n: bind.ipPrefixHash } }), 'ua_mismatch'],
  ['another network’s binding', () => signed({ b: { u: bind.uaHash, n: 'n'.repeat(16) } }), 'ip_mismatch'],
  ['another network’s /64 or /24', () => signed({ net: 'n'.repeat(16) }), 'ip_mismatch'],
  ['bound to a device the request does not have', () => signed({ dev: 'E'.repeat(22), net: null }), 'device_mismatch'],
  ['one character over the cap', async () => (await signed()).padEnd(CLEARANCE_MAX_CHARS + 1, 'A'), 'too_large'],
]

describe('the clearance-token corpus', () => {
  test.each(cases)('refuses %s', async (_name, make, reason) => {
    expect(await verifyClearance(await make(), keys, { now: NOW, ...bind, netHash: net, deviceId: null })).toEqual({ kind: 'invalid', reason })
  })

  it('accepts the control, a clearance edgeward issued', async () => {
    if (!keys.ok) throw new Error('keys')
    const token = await issueClearanceToken({ challengeId: JTI, method: 'pow', difficulty: POW_MAX_DIFFICULTY, deviceId: null, netHash: net, now: NOW, ...bind }, keys.value)
    expect(await verifyClearance(token, keys, { now: NOW, ...bind, netHash: net, deviceId: null })).toMatchObject({ kind: 'valid', method: 'pow' })
    expect(await verifyClearance(await signed(), keys, { now: NOW, ...bind, netHash: net, deviceId: null, minDifficulty: POW_MAX_DIFFICULTY })).toMatchObject({ kind: 'valid' })
  })

  it('never takes a clearance as the device cookie', async () => {
    expect(await verifyDeviceToken(await signed(), keys, { now: NOW, ...bind })).toEqual({ kind: 'invalid', reason: 'wrong_type' })
  })
})

describe('forged clearances through the Worker', () => {
  // The model challenges every page of route class `other`, so only a real clearance lets a browser through.
  beforeAll(() => writeConfig({ version: 'challenge-all', thresholds: { other: { challenge: 0, block: 1 } } }))
  afterAll(clearConfig)

  let host = 0
  test.each(cases)('still challenges a browser whose clearance cookie is %s', async (_name, make) => {
    const token = await make()
    fetchSpy.mockRestore()
    const { response, seen } = await callWorker('/products/1', { headers: { 'user-agent': UA, accept: 'text/html', cookie: `__edgeward_clearance=${token}` } }, { clientIp: `203.0.113.${(host++ % 250) + 1}` })
    fetchSpy = vi.spyOn(globalThis, 'fetch')
    expect(response.status).toBe(403)
    expect(response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(seen).toHaveLength(0)
  })

  it('lets the control through, and it reaches only the origin', async () => {
    const token = await signed()
    fetchSpy.mockRestore()
    const { response, seen, logs } = await callWorker('/products/1', { headers: { 'user-agent': UA, accept: 'text/html', cookie: `__edgeward_clearance=${token}` } }, { clientIp: '203.0.113.251' })
    fetchSpy = vi.spyOn(globalThis, 'fetch')
    expect(response.status).toBe(200)
    expect(logs[0]).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['cleared']) })
    expect(seen.map((s) => new URL(s.url).origin)).toEqual([ECHO_ORIGIN])
  })
})
