// Bounded in-isolate caches inside workerd: 5,000 distinct devices through the Worker itself, then
// 100,000 distinct devices, IPs, cookies, timezones and users through every module-level cache on the
// request path; each stays at or below its cap the whole time. The deny cache evicts the least
// recently used entry. (Memory over 100,000 devices is measured by `npm run bench`, module memory.)
import { env } from 'cloudflare:workers'
import { exportJWK, generateKeyPair } from 'jose'
import { describe, expect, it, vi } from 'vitest'
import { compileConfig } from '../../src/config/compileConfig'
import { denyKey, type DenyKind } from '../../src/counters/deny'
import { keyCacheSize, keyedHash, KEY_CACHE_SIZE } from '../../src/log/keyedHash'
import { BINDING_MEMO_SIZE, bindingHashes, bindingMemoSize } from '../../src/signals/binding'
import { CLEARANCE_MEMO_SIZE, clearanceMemoSize, clearanceNetHash, issueClearanceToken, verifyClearance } from '../../src/signals/clearanceToken'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { VERIFIED_CACHE_SIZE, verifiedCacheSize, verifyDeviceToken } from '../../src/signals/deviceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import type { Telemetry } from '../../src/signals/telemetry'
import { TIMEZONE_CACHE_SIZE, timezoneCacheSize, utcOffsetMinutes } from '../../src/signals/timezone'
import { REPORTED_BAD_CAP, reportedBadSize, resetConfigCacheForTests } from '../../worker/config/load'
import { DENY_CACHE_CAPACITY, DenyCache, IsolateCaches, isolateCaches } from '../../worker/counters/isolate'
import { counterSnapshot, fakeEnv, type ObserveInput } from '../../src/cli/bench/worker-harness'
import { activeModel, REPORTED_MODELS_CAP, reportedModelsSize, resetModelCacheForTests } from '../../worker/model/active'
import telemetry from '../fixtures/tokens/telemetry-valid.json'
import { BROWSER_HEADERS, callWorker, clearConfig, writeConfig } from '../support/worker'

const DEVICES = 100_000
const CHECK_EVERY = 5_000
const NOW = Date.now()
const ip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`

/** The bench's instant fake counters (quiet windows), with a deny hit for the keys in `denied`. */
function instantCounters(denied: ReadonlySet<string>): Partial<Env> {
  const observe = async (input: ObserveInput) =>
    counterSnapshot(input.deny !== null && denied.has(input.deny.key) ? { kind: input.deny.kind as DenyKind, reason: 'test', expiresAt: input.now + 3_600_000 } : null)
  const { COUNTERS, ZONE_STATS, REGISTRY } = fakeEnv('{}', '', { observe })
  return { COUNTERS, ZONE_STATS, REGISTRY } as Partial<Env>
}

describe('in-isolate caches', () => {
  // First in the file, on a key set of its own: the caches it fills are filled by these requests.
  it('stay within their caps while 5,000 distinct devices with cookies go through the Worker', async () => {
    const WORKER_DEVICES = 5_000
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const secret = JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: 'caches-1', alg: 'ES256', use: 'sig' }] })
    const keys = await loadCookieKeys(secret)
    if (!keys.ok) throw new Error('keys')
    // The model challenges checkout pages (a clearance lifts only the model's challenges), so a held
    // clearance is verified; nothing else is mitigated by the model.
    await writeConfig({
      version: 'caches',
      thresholds: { default: { challenge: 1, block: 1 }, checkout: { challenge: 0, block: 1 } },
    })
    const denied = new Set<string>()
    const overrides: Partial<Env> = { ...instantCounters(denied), EDGEWARD_COOKIE_KEYS: secret, EDGEWARD_TRUST_TEST_HEADERS: 'true' }
    const ua = BROWSER_HEADERS['user-agent']!
    const denyBefore = isolateCaches.deny.size
    const peaks = { binding: 0, verified: 0, clearance: 0, timezone: 0, keyed: 0, deny: 0, reportedBad: 0, reportedModels: 0 }
    const statuses = new Map<number, number>()
    for (let i = 0; i < WORKER_DEVICES; i++) {
      const clientIp = `10.${(i >> 8) & 255}.${i & 255}.9`
      const deviceId = `W${i.toString(36).padStart(21, '0')}`
      const b = await bindingHashes(ua, clientIp)
      // Its own timezone in the SDK's telemetry, compared with the test-cf one.
      const t = { ...(telemetry as Telemetry), timezone: i % 2 === 0 ? `Etc/GMT+${i % 12}` : `Test/Zone_${i}` }
      let cookie = `__edgeward=${await issueDeviceToken({ deviceId, firstSeen: NOW - 86_400_000, now: NOW, telemetry: t, ...b }, keys.value)}`
      const cleared = i % 3 === 0
      if (cleared) cookie += `; __edgeward_clearance=${await issueClearanceToken({ challengeId: deviceId, method: 'pow', difficulty: 20, deviceId, now: NOW, ...b }, keys.value)}`
      if (i % 4 === 1) denied.add(denyKey({ kind: 'ip', ip: clientIp }))
      const headers = { cookie, 'x-edgeward-test-cf': JSON.stringify({ timezone: 'Europe/Berlin', country: 'DE' }) }
      const call =
        i % 5 === 0
          ? await callWorker('/login', { method: 'POST', body: `username=user${i}%40example.com&password=x`, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } }, { env: overrides, clientIp })
          : await callWorker(cleared ? `/checkout/${i}` : `/products/${i}`, { headers }, { env: overrides, clientIp })
      expect(call.logs).toHaveLength(1)
      expect(call.logs[0]?.cookie).toBe('valid')
      statuses.set(call.response.status, (statuses.get(call.response.status) ?? 0) + 1)
      await call.response.body?.cancel()
      if (i % 250 === 0 || i === WORKER_DEVICES - 1) {
        peaks.binding = Math.max(peaks.binding, bindingMemoSize())
        peaks.verified = Math.max(peaks.verified, verifiedCacheSize(keys.value))
        peaks.clearance = Math.max(peaks.clearance, clearanceMemoSize(keys.value))
        peaks.timezone = Math.max(peaks.timezone, timezoneCacheSize())
        peaks.keyed = Math.max(peaks.keyed, keyCacheSize())
        peaks.deny = Math.max(peaks.deny, isolateCaches.deny.size)
        peaks.reportedBad = Math.max(peaks.reportedBad, reportedBadSize())
        peaks.reportedModels = Math.max(peaks.reportedModels, reportedModelsSize())
      }
    }
    await clearConfig()
    // Every kind of request took its path: pages and cleared checkouts forwarded, denied sources blocked.
    expect([...statuses.keys()].sort()).toEqual([200, 403])
    expect(peaks.binding).toBe(BINDING_MEMO_SIZE)
    expect(peaks.verified).toBe(VERIFIED_CACHE_SIZE)
    expect(peaks.clearance).toBe(CLEARANCE_MEMO_SIZE)
    expect(peaks.timezone).toBeLessThanOrEqual(TIMEZONE_CACHE_SIZE)
    expect(peaks.keyed).toBeLessThanOrEqual(KEY_CACHE_SIZE)
    expect(peaks.deny).toBeLessThanOrEqual(DENY_CACHE_CAPACITY)
    expect(isolateCaches.deny.size - denyBefore).toBeGreaterThanOrEqual(WORKER_DEVICES / 4 - 1)
    expect(peaks.reportedBad).toBeLessThanOrEqual(REPORTED_BAD_CAP)
    expect(peaks.reportedModels).toBeLessThanOrEqual(REPORTED_MODELS_CAP)
  }, 300_000)

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

  it('remember at most CLEARANCE_MEMO_SIZE clearances, however many distinct browsers present one', async () => {
    const keys = await loadCookieKeys((env as unknown as Env).EDGEWARD_COOKIE_KEYS)
    if (!keys.ok) throw new Error('keys')
    const b = await bindingHashes('Mozilla/5.0', '203.0.113.5')
    const netHash = await clearanceNetHash('203.0.113.5')
    let peak = 0
    for (let i = 0; i < 3 * CLEARANCE_MEMO_SIZE; i++) {
      const challengeId = `K${i.toString(36).padStart(21, '0')}`
      const token = await issueClearanceToken({ challengeId, method: 'pow', difficulty: 12, deviceId: null, netHash, now: NOW, ...b }, keys.value)
      expect(await verifyClearance(token, keys, { now: NOW, deviceId: null, netHash, ...b })).toMatchObject({ kind: 'valid' })
      peak = Math.max(peak, clearanceMemoSize(keys.value))
    }
    expect(peak).toBe(CLEARANCE_MEMO_SIZE)
  }, 120_000)

  it('evict the least recently used deny hit: a hit or a renewal keeps an entry, the oldest untouched one goes', () => {
    const cache = new DenyCache()
    const hit = { kind: 'ip', reason: 'test', expiresAt: NOW + 3_600_000 } as const
    const key = (i: number) => JSON.stringify(['ip', ip(i)])
    for (let i = 0; i < DENY_CACHE_CAPACITY; i++) cache.put(key(i), hit, NOW)
    expect(cache.get(key(0), NOW)).not.toBeNull() // 0 is now the most recent
    cache.put(key(1), hit, NOW) // renewed: 1 follows it
    cache.put(key(DENY_CACHE_CAPACITY), hit, NOW) // full: the least recently used (2) goes
    cache.put(key(DENY_CACHE_CAPACITY + 1), hit, NOW) // then 3
    expect(cache.size).toBe(DENY_CACHE_CAPACITY)
    expect(cache.get(key(2), NOW)).toBeNull()
    expect(cache.get(key(3), NOW)).toBeNull()
    for (const i of [0, 1, 4, DENY_CACHE_CAPACITY, DENY_CACHE_CAPACITY + 1]) expect(cache.get(key(i), NOW)).not.toBeNull()
  })

  it('drop an expired deny hit when it is read', () => {
    const cache = new DenyCache()
    cache.put('a', { kind: 'ip', reason: 'test', expiresAt: NOW + 1_000 }, NOW)
    cache.put('b', { kind: 'ip', reason: 'test', expiresAt: NOW + 3_600_000 }, NOW)
    expect(cache.get('a', NOW + 1_000)).toBeNull()
    expect(cache.size).toBe(1)
    expect(cache.get('b', NOW + 1_000)).toMatchObject({ hit: { reason: 'test' }, due: false })
  })

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
    // Each refusal's line is read here, not printed into a passing run's output.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      for (let i = 0; i < 3 * REPORTED_MODELS_CAP; i++) {
        const config = compileConfig({ version: 'm', model: { active: `model-${i}` } })
        if (!config.ok) throw new Error(config.detail)
        expect((await activeModel(garbage, config.value, NOW + i)).problem).toBe('model_rejected')
        expect((await activeModel(garbage, config.value, NOW + i)).problem).toBe('model_rejected')
        expect(reportedModelsSize()).toBeLessThanOrEqual(REPORTED_MODELS_CAP)
      }
      const models = logged.mock.calls.map((args) => (JSON.parse(String(args[0])) as { event: string; model: string }))
      expect(models.every((l) => l.event === 'model_rejected')).toBe(true)
      expect(models.map((l) => l.model)).toEqual(Array.from({ length: 3 * REPORTED_MODELS_CAP }, (_, i) => `model-${i}`))
    } finally {
      logged.mockRestore()
    }
    resetModelCacheForTests()
    resetConfigCacheForTests()
  })
})
