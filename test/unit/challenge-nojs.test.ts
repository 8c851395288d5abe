// The no-JavaScript path's pure parts: the risk tier a challenge decision signs into its ticket,
// the wait token (its wait, binding, network and signature), and the `wait` clearance (weaker than
// a solve's: shorter life, fewer uses, held to its challenge's difficulty, never device-bound).
import { beforeAll, describe, expect, it } from 'vitest'
import { makeDevKeySet } from '../../src/cli/dev-keys'
import { challengeTier, waitAllowed } from '../../src/policy/challengeTier'
import { CLEARANCE_MAX_USES, CLEARANCE_WAIT_MAX_USES, clearanceMaxUses, judgeClearanceUse } from '../../src/policy/clearance'
import { bindingHashes } from '../../src/signals/binding'
import { issueChallengeToken, verifyChallengeToken } from '../../src/signals/challengeToken'
import { CLEARANCE_WAIT_TTL_S, clearanceNetHash, issueClearanceToken, verifyClearance } from '../../src/signals/clearanceToken'
import { parseCookieKeys, type LoadedKeys } from '../../src/signals/cookieKeys'
import { issueWaitToken, verifyWaitToken } from '../../src/signals/waitToken'

const T = { challenge: 0.6, block: 0.95 }
const NOW = 1_800_000_000_000
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
const IP = '198.51.100.7'
const ID = 'AAAAAAAAAAAAAAAAAAAAAA'

let keys: LoadedKeys
let otherKeys: LoadedKeys
beforeAll(async () => {
  keys = await parseCookieKeys(await makeDevKeySet())
  otherKeys = await parseCookieKeys(await makeDevKeySet())
})
const signer = () => {
  if (!keys.ok) throw new Error('keys')
  return keys.value
}

describe('challengeTier', () => {
  it.each<[number, number, string]>([
    [0.6, 16, 'low'],
    [0.77, 17, 'low'],
    [0.775, 17, 'medium'],
    [0.94, 18, 'medium'],
    [0.95, 18, 'high'],
    [1, 18, 'high'],
    [0.7, 20, 'high'],
    [Number.NaN, 12, 'high'],
  ])('risk %f at %i bits is %s', (risk, bits, tier) => {
    expect(challengeTier(risk, bits, T)).toBe(tier)
  })

  it('offers the wait at low and medium only, never without a tier', () => {
    expect([waitAllowed('low'), waitAllowed('medium'), waitAllowed('high'), waitAllowed(undefined)]).toEqual([true, true, false, false])
  })

  it('signs the tier into the ticket; a high tier (or none) leaves it out', async () => {
    const binding = await bindingHashes(UA, IP)
    const issue = (tier?: 'low' | 'medium' | 'high') =>
      issueChallengeToken({ id: ID, method: 'pow', difficulty: 14, returnPath: '/', now: NOW, ...binding, ...(tier === undefined ? {} : { tier }) }, signer())
    const read = async (t: string) => {
      const r = await verifyChallengeToken(t, keys, { now: NOW, ...binding })
      if (!r.ok) throw new Error(r.reason)
      return r.value.t
    }
    expect(await read(await issue('medium'))).toBe('medium')
    expect(await read(await issue('high'))).toBeUndefined()
    expect(await read(await issue())).toBeUndefined()
  })
})

describe('the wait token', () => {
  async function token(o: { waitS?: number; ip?: string; ua?: string } = {}) {
    const binding = await bindingHashes(o.ua ?? UA, o.ip ?? IP)
    return issueWaitToken({ id: ID, difficulty: 14, returnPath: '/products/7', netHash: await clearanceNetHash(o.ip ?? IP), waitS: o.waitS ?? 5, now: NOW, ...binding }, signer())
  }
  async function verify(t: string, o: { now?: number; ip?: string; ua?: string; keys?: LoadedKeys } = {}) {
    const binding = await bindingHashes(o.ua ?? UA, o.ip ?? IP)
    return verifyWaitToken(t, o.keys ?? keys, { now: o.now ?? NOW + 5000, netHash: await clearanceNetHash(o.ip ?? IP), ...binding })
  }

  it('is early until exactly its wait is over, then valid with its claims', async () => {
    const t = await token()
    expect(await verify(t, { now: NOW })).toMatchObject({ ok: false, reason: 'early' })
    expect(await verify(t, { now: NOW + 4999 })).toMatchObject({ ok: false, reason: 'early' })
    expect(await verify(t, { now: NOW + 5000 })).toMatchObject({ ok: true, value: { jti: ID, d: 14, r: '/products/7' } })
  })

  it('expires five minutes after its wait', async () => {
    const t = await token()
    expect((await verify(t, { now: NOW + 5000 + 299_000 })).ok).toBe(true)
    expect(await verify(t, { now: NOW + 5000 + 301_000 })).toMatchObject({ ok: false, reason: 'expired' })
  })

  it.each<[string, { ip?: string; ua?: string }, string]>([
    ['another /24', { ip: '198.51.101.7' }, 'ip_mismatch'],
    ['another User-Agent', { ua: 'curl/8.5.0' }, 'ua_mismatch'],
  ])('is refused from %s', async (_what, client, reason) => {
    expect(await verify(await token(), client)).toMatchObject({ ok: false, reason })
  })

  it('holds in the same /24 from another address', async () => {
    expect((await verify(await token(), { ip: '198.51.100.200' })).ok).toBe(true)
  })

  it('is refused when signed by other keys, and never says `early` for a forgery', async () => {
    expect(await verify(await token(), { keys: otherKeys, now: NOW })).toMatchObject({ ok: false, reason: 'unknown_kid' })
    expect(await verify('x.y.z', { now: NOW })).toMatchObject({ ok: false, reason: 'malformed' })
  })

  it.each([0, 61, 1.5])('refuses to sign a wait of %s s (a programmer’s mistake)', async (waitS) => {
    await expect(token({ waitS })).rejects.toThrow(TypeError)
  })
})

describe('the wait clearance', () => {
  async function clearance(deviceId: string | null = null) {
    const binding = await bindingHashes(UA, IP)
    return issueClearanceToken({ challengeId: ID, method: 'wait', difficulty: 14, deviceId, netHash: await clearanceNetHash(IP), now: NOW, ...binding }, signer())
  }
  async function read(t: string, now: number, minDifficulty?: number) {
    const binding = await bindingHashes(UA, IP)
    return verifyClearance(t, keys, { now, deviceId: null, netHash: await clearanceNetHash(IP), ...binding, ...(minDifficulty === undefined ? {} : { minDifficulty }) })
  }

  it(`lives ${CLEARANCE_WAIT_TTL_S} s, shorter than a deviceless solve's 300 s`, async () => {
    const t = await clearance()
    expect(await read(t, NOW + (CLEARANCE_WAIT_TTL_S - 1) * 1000)).toMatchObject({ kind: 'valid', method: 'wait', deviceBound: false })
    expect(await read(t, NOW + CLEARANCE_WAIT_TTL_S * 1000)).toMatchObject({ kind: 'invalid', reason: 'expired' })
    expect(CLEARANCE_WAIT_TTL_S).toBeLessThan(300)
  })

  it('is held to its challenge’s difficulty like a solve: too easy for a riskier request', async () => {
    const t = await clearance()
    expect(await read(t, NOW, 14)).toMatchObject({ kind: 'valid' })
    expect(await read(t, NOW, 15)).toMatchObject({ kind: 'invalid', reason: 'too_easy' })
  })

  it('is never bound to a device', async () => {
    await expect(clearance('B'.repeat(22))).rejects.toThrow(TypeError)
  })

  it(`lifts ${CLEARANCE_WAIT_MAX_USES} requests, fewer than a solve's ${CLEARANCE_MAX_USES}`, () => {
    const max = clearanceMaxUses('wait')
    expect(max).toBe(CLEARANCE_WAIT_MAX_USES)
    expect(clearanceMaxUses('pow')).toBe(CLEARANCE_MAX_USES)
    expect(judgeClearanceUse({ uses: max, failuresSince: 0, revoked: false }, 0, false, max)).toEqual({ kind: 'cleared' })
    expect(judgeClearanceUse({ uses: max + 1, failuresSince: 0, revoked: false }, 0, false, max)).toEqual({ kind: 'exhausted' })
  })
})
