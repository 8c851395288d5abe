// readDeviceState in plain Node: the one call the wiring makes per request — missing, valid,
// replayed, forged, and a deployment without keys (reported, never a fallback key).
import { describe, expect, it } from 'vitest'
import { makeDevKeySet } from '../../src/cli/dev-keys'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import { readDeviceState } from '../../src/signals/readDeviceState'

const NOW = Date.UTC(2026, 10, 21, 12)
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

describe('readDeviceState', async () => {
  const secret = await makeDevKeySet()
  const keys = await loadCookieKeys(secret)
  if (!keys.ok) throw new Error('dev keys must load')
  const token = await issueDeviceToken({ deviceId: 'AAAAAAAAAAAAAAAAAAAAAA', firstSeen: NOW - 1000, now: NOW, telemetry: null, ...(await bindingHashes(UA, '192.0.2.10')) }, keys.value)
  const base = { userAgent: UA, ip: '192.0.2.10', keysSecret: secret, now: NOW }

  it('makes a fresh JWK set each time, whose first key signs', async () => {
    const other = await makeDevKeySet()
    expect(other).not.toBe(secret)
    const parsed = JSON.parse(other) as { keys: Array<Record<string, string>> }
    expect(parsed.keys).toHaveLength(1)
    expect(parsed.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(parsed.keys[0]?.d).toBeTypeOf('string')
  })

  it('reads missing, valid and replayed cookies', async () => {
    expect(await readDeviceState({ ...base, cookieHeader: 'a=b' })).toEqual({ cookie: { kind: 'missing' }, keyProblem: null })
    expect((await readDeviceState({ ...base, cookieHeader: `__edgeward=${token}` })).cookie).toMatchObject({ kind: 'valid', replayed: false })
    expect((await readDeviceState({ ...base, ip: '198.51.100.1', cookieHeader: `__edgeward=${token}` })).cookie).toMatchObject({ kind: 'valid', replayed: true, replay: 'ip' })
  })

  it('reads a forged cookie as invalid', async () => {
    expect((await readDeviceState({ ...base, cookieHeader: `__edgeward=${token.slice(0, -4)}AAAA` })).cookie).toEqual({ kind: 'invalid', reason: 'bad_signature' })
  })

  it('reports a missing key set and treats every cookie as invalid', async () => {
    expect(await readDeviceState({ ...base, keysSecret: undefined, cookieHeader: `__edgeward=${token}` })).toEqual({ cookie: { kind: 'invalid', reason: 'no_keys' }, keyProblem: 'missing' })
    expect((await readDeviceState({ ...base, keysSecret: '{"keys":5}', cookieHeader: null })).keyProblem).toBe('bad_keyset')
  })
})
