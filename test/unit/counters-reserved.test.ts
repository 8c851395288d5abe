// Takes the pure reserved-path limit logic (src/counters/reserved.ts): which family a request is,
// what it counts, and when a source is past its limit. Plain Node, tables.
import { describe, expect, test } from 'vitest'
import { FAMILY_METRIC, isAdminAuthFailure, limitHit, reservedFamily, type ReservedLimits } from '../../src/counters/reserved'
import { DEFAULT_CONFIG } from '../../src/config/defaults'

const LIMITS: ReservedLimits = DEFAULT_CONFIG.reserved_limits

describe('reservedFamily', () => {
  test.each([
    ['GET', '/__edgeward/sdk.js', null],
    ['HEAD', '/__edgeward/health', null],
    ['POST', '/__edgeward/sdk.js', 'other'],
    ['POST', '/__edgeward/collect', 'collect'],
    ['GET', '/__edgeward/collect', 'other'],
    ['GET', '/__edgeward/challenge', 'challenge'],
    ['POST', '/__edgeward/challenge/verify', 'verify'],
    ['GET', '/__edgeward/admin', 'admin'],
    ['DELETE', '/__edgeward/admin/denylist', 'admin'],
    ['POST', '/__edgeward/console/session', 'admin'],
    ['GET', '/__edgeward/administrator', 'other'],
    ['GET', '/__edgeward/unknown', 'other'],
  ] as const)('%s %s is %s', (method, path, family) => {
    expect(reservedFamily(method, path)).toBe(family)
  })
})

describe('limitHit', () => {
  test('lets the limit itself through and stops the next one', () => {
    const { collect_per_ip_1m: c, collect_per_prefix_1m: cp, challenge_per_ip_1m: ch, verify_per_ip_1m: v } = LIMITS
    expect(limitHit('collect', { ip: c, prefix: c }, LIMITS)).toBeNull()
    expect(limitHit('collect', { ip: c + 1, prefix: c + 1 }, LIMITS)?.reason).toBe('reserved_limit:collect:ip')
    expect(limitHit('collect', { ip: 2, prefix: cp + 1 }, LIMITS)).toEqual({ reason: 'reserved_limit:collect:prefix', retryAfterS: 60 })
    expect(limitHit('challenge', { ip: ch + 1, prefix: null }, LIMITS)?.reason).toBe('reserved_limit:challenge:ip')
    expect(limitHit('verify', { ip: v, prefix: null }, LIMITS)).toBeNull()
    expect(limitHit('verify', { ip: v + 1, prefix: null }, LIMITS)?.reason).toBe('reserved_limit:verify:ip')
  })

  test('leaves an office of ten signing in within a minute far below the collect limit (~5 collects each)', () => {
    expect(limitHit('collect', { ip: 10 * 5, prefix: 10 * 5 }, LIMITS)).toBeNull()
  })
  test('refuses admin once the failures reached the limit (failures are counted after the answer)', () => {
    expect(limitHit('admin', { ip: 9, prefix: null }, LIMITS)).toBeNull()
    expect(limitHit('admin', { ip: 10, prefix: null }, LIMITS)).toEqual({ reason: 'reserved_limit:admin_auth:ip', retryAfterS: 600 })
    expect(isAdminAuthFailure(401)).toBe(true)
    expect(isAdminAuthFailure(400)).toBe(false)
  })
  test('never limits on a missing count (limits fail open) or an unknown path', () => {
    expect(limitHit('collect', { ip: null, prefix: null }, LIMITS)).toBeNull()
    expect(limitHit('admin', { ip: null, prefix: null }, LIMITS)).toBeNull()
    expect(limitHit('other', { ip: 1e9, prefix: 1e9 }, LIMITS)).toBeNull()
    expect(FAMILY_METRIC.admin).toBeNull()
  })
})
