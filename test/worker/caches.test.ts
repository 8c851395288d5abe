// Bounded in-isolate caches inside workerd: 100,000 distinct devices, IPs, cookies, timezones and users go
// through every module-level cache on the request path; each stays at or below its cap the whole time.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../src/config/compileConfig'
import { keyCacheSize, keyedHash, KEY_CACHE_SIZE } from '../../src/log/keyedHash'
import { BINDING_MEMO_SIZE, bindingHashes, bindingMemoSize } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { VERIFIED_CACHE_SIZE, verifiedCacheSize, verifyDeviceToken } from '../../src/signals/deviceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import { TIMEZONE_CACHE_SIZE, timezoneCacheSize, utcOffsetMinutes } from '../../src/signals/timezone'
import { REPORTED_BAD_CAP, reportedBadSize, resetConfigCacheForTests } from '../../worker/config/load'
import { DENY_CACHE_CAPACITY, IsolateCaches } from '../../worker/counters/isolate'
import { activeModel, REPORTED_MODELS_CAP, reportedModelsSize, resetModelCacheForTests } from '../../worker/model/active'
import { callWorker, clearConfig, writeConfig } from '../support/worker'

const DEVICES = 100_000
const CHECK_EVERY = 5_000
const NOW = Date.now()
const ip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`

describe('in-isolate caches', () => {
  it('stay within their caps while 100,000 distinct devices pass through the request path', async () => {
    const keys = await loadCookieKeys((env as unknown as Env).EDGEWARD_COOKIE_KEYS)
    if (!keys.ok) throw new Error('keys')
    const caches = new IsolateCaches()
    const peaks = { binding: 0, verified: 0, timezone: 0, keyed: 0, deny: 0 }
    for (let i = 0; i < DEVICES; i++) {
      const b = await bindingHashes(`Mozilla/5.0 device-${i}`, ip(i))
      // A distinct forged cookie per device: verified and refused, never remembered.
      await verifyDeviceToken(`eyJhbGciOiJFUzI1NiJ9.eyJ${i.toString(36)}.c2ln`, keys, { now: NOW, ...b })
      utcOffsetMinutes(i % 2 === 0 ? `Etc/GMT+${i % 12}` : `Mars/Zone_${i}`, NOW)
      await keyedHash('isolate-key', `user\u0000user${i}@example.com`)
      caches.deny.put(JSON.stringify(['ip', ip(i)]), { kind: 'ip', reason: 'test', expiresAt: NOW + 3_600_000 }, NOW)
      if (i % CHECK_EVERY === 0 || i === DEVICES - 1) {
        peaks.binding = Math.max(peaks.binding, bindingMemoSize())
        peaks.verified = Math.max(peaks.verified, verifiedCacheSize(keys.value))
        peaks.timezone = Math.max(peaks.timezone, timezoneCacheSize())
        peaks.keyed = Math.max(peaks.keyed, keyCacheSize())
        peaks.deny = Math.max(peaks.deny, caches.deny.size)
      }
    }
    expect(peaks.binding).toBe(BINDING_MEMO_SIZE)
    expect(peaks.verified).toBeLessThanOrEqual(VERIFIED_CACHE_SIZE)
    expect(peaks.timezone).toBeLessThanOrEqual(TIMEZONE_CACHE_SIZE)
    expect(peaks.keyed).toBeLessThanOrEqual(KEY_CACHE_SIZE)
    expect(peaks.deny).toBe(DENY_CACHE_CAPACITY)
  }, 180_000)

  it('remember at most VERIFIED_CACHE_SIZE valid tokens, however many distinct devices present one', async () => {
    const keys = await loadCookieKeys((env as unknown as Env).EDGEWARD_COOKIE_KEYS)
    if (!keys.ok) throw new Error('keys')
    const b = await bindingHashes('Mozilla/5.0', '203.0.113.5')
    let peak = 0
    for (let i = 0; i < 4 * VERIFIED_CACHE_SIZE; i++) {
      const deviceId = `D${i.toString(36).padStart(21, '0')}`
      const token = await issueDeviceToken({ deviceId, firstSeen: NOW, now: NOW, telemetry: null, ...b }, keys.value)
      expect(await verifyDeviceToken(token, keys, { now: NOW, ...b })).toMatchObject({ kind: 'valid', deviceId })
      peak = Math.max(peak, verifiedCacheSize(keys.value))
    }
    expect(peak).toBe(VERIFIED_CACHE_SIZE)
  }, 120_000)

  it('log a stream of distinct bad configs once each without keeping all of them', async () => {
    for (let i = 0; i < 3 * REPORTED_BAD_CAP; i++) {
      await writeConfig({ version: `bad-${i}`, mode: `mode-${i}` })
      await callWorker('/', {}, { clientIp: '198.51.100.200' })
      expect(reportedBadSize()).toBeLessThanOrEqual(REPORTED_BAD_CAP)
    }
    await clearConfig()
  }, 60_000)

  it('log a stream of distinct refused models once each without keeping all of them', async () => {
    resetModelCacheForTests()
    const garbage = { get: () => Promise.resolve('{"schema_version": 1}') } as unknown as KVNamespace
    for (let i = 0; i < 3 * REPORTED_MODELS_CAP; i++) {
      const config = compileConfig({ version: 'm', model: { active: `model-${i}` } })
      if (!config.ok) throw new Error(config.detail)
      expect((await activeModel(garbage, config.value, NOW + i)).problem).toBe('model_rejected')
      expect(reportedModelsSize()).toBeLessThanOrEqual(REPORTED_MODELS_CAP)
    }
    resetModelCacheForTests()
    resetConfigCacheForTests()
  })
})
