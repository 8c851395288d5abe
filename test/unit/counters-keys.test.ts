// Takes the pure helpers that decide how a request is counted — navigation or not, the IP's
// counter key (IPv6 by /64), IP deny targets — and the counter rule variables; checks them in
// plain Node against tables, and that the variables resolve and evaluate in the rule language.
import { describe, expect, it, test } from 'vitest'
import { makeDenyTarget } from '../../src/counters/deny'
import { cookielessCohort, isNewDeviceSignInCohort, newDeviceSignInCohort } from '../../src/counters/keys'
import { ipCounterKey, parseIpTarget } from '../../src/counters/ipKey'
import { METRICS, SETS, type KeySnapshot } from '../../src/counters/metrics'
import { isNavigation } from '../../src/counters/navigation'
import type { JourneyCounters } from '../../src/counters/read'
import { COUNTER_RULE_VARIABLES, counterRuleValues, NO_COUNTER_VALUES } from '../../src/counters/ruleVariables'
import { emptyFeatureVector } from '../../src/features/list'
import { resolveName, RULE_VARIABLES } from '../../src/policy/rules/ast'
import { ruleContext, type RuleFacts } from '../../src/policy/rules/context'
import { ruleMatches } from '../../src/policy/rules/evaluate'
import { parseRule } from '../../src/policy/rules/parse'
import { fetchKind } from '../../src/signals/fetchKind'

describe('isNavigation', () => {
  const h = (o: Record<string, string>) => new Headers(o)
  test.each([
    [{ 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }, 'other', true],
    [{ 'sec-fetch-dest': 'document' }, 'login', true],
    [{ 'sec-fetch-mode': 'navigate' }, 'static', true],
    [{ 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' }, 'other', false],
    [{ 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'style' }, 'static', false],
    [{ 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }, 'other', false],
    [{ 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'font' }, 'static', false],
    [{ 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }, 'api', false],
    [{ 'sec-fetch-mode': 'same-origin', 'sec-fetch-dest': 'empty' }, 'login', false],
    [{ 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }, 'other', false],
    [{}, 'other', true],
    [{}, 'login', true],
    [{}, 'api', true],
    [{ accept: 'text/css' }, 'static', false],
  ] as const)('%j on a %s route is a navigation: %s', (headers, route, expected) => {
    expect(isNavigation(fetchKind(h(headers)), route)).toBe(expected)
  })
})

describe('ipCounterKey', () => {
  test.each([
    ['203.0.113.7', 64, '203.0.113.7'],
    [' 203.0.113.7 ', 64, '203.0.113.7'],
    ['::ffff:203.0.113.7', 64, '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64, '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::1', 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff::9', 48, '2001:db8:1::/48'],
    ['2001:db8:1:2::1', 128, '2001:db8:1:2::1'],
    ['2001:db8:1:2::1', 8, '2001:db8::/32'], // out of range: clamped to the smallest allowed prefix
    ['not-an-ip', 64, 'not-an-ip'],
  ] as const)('%s at /%i is %s', (ip, bits, key) => {
    expect(ipCounterKey(ip, bits)).toBe(key)
  })
  it('keys every address of one /64 alike and the next /64 apart, and is idempotent', () => {
    const a = ipCounterKey('2001:db8:0:7::1')
    expect(ipCounterKey('2001:db8:0:7:ffff:ffff:ffff:ffff')).toBe(a)
    expect(ipCounterKey('2001:db8:0:8::1')).not.toBe(a)
    expect(ipCounterKey(a)).toBe(a)
  })
  it('lets a deny target name an address or an IPv6 network as listed, nothing else', () => {
    expect(parseIpTarget('2001:db8:1:2::/64')).toBe('2001:db8:1:2::/64')
    expect(parseIpTarget('2001:db8:1:2:5::/64')).toBe('2001:db8:1:2::/64')
    expect(parseIpTarget('10.0.0.0/8')).toBeUndefined()
    expect(parseIpTarget('2001:db8::/16')).toBeUndefined()
    expect(parseIpTarget('2001:db8::1/128')).toBeUndefined()
    expect(makeDenyTarget('ip', { ip: '2001:db8:1:2::/64' })).toEqual({ ok: true, value: { kind: 'ip', ip: '2001:db8:1:2::/64' } })
    expect(makeDenyTarget('ip', { ip: '198.51.100.0/24' }).ok).toBe(false)
  })
})

const w = (n: number) => ({ '1m': n, '10m': n * 10, '1h': n * 100, '24h': n * 1000 })
/** A snapshot whose every metric and set reads `base` + its position, so each value names its source. */
const snap = (base: number): KeySnapshot => ({
  counts: Object.fromEntries(METRICS.map((m, i) => [m, w(base + i)])) as KeySnapshot['counts'],
  distinct: Object.fromEntries(SETS.map((s, i) => [s, w(base + 50 + i)])) as KeySnapshot['distinct'],
  deny: null,
  fresh: false,
})
const m = (name: (typeof METRICS)[number]) => METRICS.indexOf(name)
const s = (name: (typeof SETS)[number]) => 50 + SETS.indexOf(name)
const counters = (over: Partial<JourneyCounters> = {}): JourneyCounters => ({
  device: snap(1000), ip: snap(2000), prefix: snap(3000), user: null, asn: snap(4000), missing: [], userKeySlow: false, zoneLoginFailureRatio10m: null, ...over,
})

describe('counterRuleValues', () => {
  it('reads each variable from its own key, metric and window', () => {
    const v = counterRuleValues({ status: 'ok', deny: null, counters: counters({ userKeySlow: true }) })
    expect(v['device.navigations_1m']).toBe(1000 + m('navigations'))
    expect(v['ip.navigations_1m']).toBe(2000 + m('navigations'))
    expect(v['prefix.navigations_1m']).toBe(3000 + m('navigations'))
    expect(v['ip.distinct_devices_1h']).toBe((2000 + s('devices')) * 100)
    expect(v['prefix.distinct_devices_1h']).toBe((3000 + s('devices')) * 100)
    expect(v['ip.devices_minted_10m']).toBe((2000 + m('devices_minted')) * 10)
    expect(v['prefix.devices_minted_1h']).toBe((3000 + m('devices_minted')) * 100)
    expect(v['asn.devices_minted_10m']).toBe((4000 + m('devices_minted')) * 10)
    expect(v['asn.devices_minted_1h']).toBe((4000 + m('devices_minted')) * 100)
    expect(v['prefix.requests_1m']).toBe(3000 + m('requests'))
    expect(v['prefix.failed_logins_10m']).toBe((3000 + m('login_failures')) * 10)
    expect(v['prefix.distinct_users_10m']).toBe((3000 + s('users')) * 10)
    expect(v.user_key_slow).toBe(true)
  })
  it('counts a client without a device by its IP, but never stands the IP in for a device whose read is missing', () => {
    expect(counterRuleValues({ status: 'ok', deny: null, counters: counters({ device: null }) })['device.navigations_1m']).toBe(2000 + m('navigations'))
    const late = counters({ device: null, missing: [{ kind: 'device', reason: 'timeout' }] })
    const v = counterRuleValues({ status: 'ok', deny: null, counters: late })
    expect(v['device.navigations_1m']).toBeNull()
    expect(v['ip.navigations_1m']).toBe(2000 + m('navigations'))
  })
  it('gives null for a missing key alone, and for everything when the read is missing', () => {
    const v = counterRuleValues({ status: 'ok', deny: null, counters: counters({ prefix: null, asn: null, missing: [{ kind: 'prefix', reason: 'error' }] }) })
    expect(v['prefix.requests_1m']).toBeNull()
    expect(v['asn.devices_minted_10m']).toBeNull()
    expect(v['ip.devices_minted_10m']).not.toBeNull()
    expect(counterRuleValues({ status: 'missing', reason: 'timeout', deny: null })).toEqual(NO_COUNTER_VALUES)
  })
  it('reads the new browsers\' cohort as new_devices.* only, never as the cookie-less cohort.* a rule may have been written for', () => {
    const read = { status: 'ok', deny: null, counters: counters({ cohort: snap(5000) }) } as const
    const cookieless = counterRuleValues(read)
    expect(cookieless['cohort.failed_users_10m']).toBe((5000 + s('failed_users')) * 10)
    expect(cookieless['new_devices.failed_users_10m']).toBeNull()
    const newDevices = counterRuleValues(read, { newDevices: true })
    expect(newDevices['new_devices.failed_users_10m']).toBe((5000 + s('failed_users')) * 10)
    expect(newDevices['new_devices.signed_in_users_1h']).toBe((5000 + s('signed_in_users')) * 100)
    expect(newDevices['cohort.failed_users_10m']).toBeNull()
    expect(newDevices['cohort.checkout_declines_10m']).toBeNull()
  })
})

describe('counter variables in the rule language', () => {
  const facts: RuleFacts = {
    routeClass: 'login', method: 'POST', normalisedPath: '/login', country: null, asn: 64500, risk: null, userAgent: null, verifiedBot: false, ja3: null, ja4: null,
  }
  const matches = (when: string, read: Parameters<typeof counterRuleValues>[0]) => {
    const rule = parseRule(when)
    if (!rule.ok) throw new Error(rule.detail)
    const ctx = ruleContext(emptyFeatureVector(), { ...facts, counters: counterRuleValues(read) })
    return ruleMatches({ name: 't', expr: rule.value, action: null, weight: 0, priority: 0, denyTtlS: null, denyTarget: 'client', liftByDevice: false }, ctx)
  }
  it('resolves every dotted name (any case) to a rule variable, not a feature', () => {
    for (const name of Object.keys(COUNTER_RULE_VARIABLES)) {
      expect(RULE_VARIABLES).toHaveProperty([name])
      expect(resolveName(name.toUpperCase())).toEqual({ kind: 'var', name })
    }
  })
  it('compares the values, and a missing read makes every comparison false', () => {
    const ok = { status: 'ok', deny: null, counters: counters() } as const
    expect(matches('ip.distinct_devices_1h >= 200000', ok)).toBe(true)
    expect(matches('asn.devices_minted_10m > 1000000', ok)).toBe(false)
    expect(matches('user_key_slow', { status: 'ok', deny: null, counters: counters({ userKeySlow: true }) })).toBe(true)
    const none = { status: 'missing', reason: 'timeout', deny: null } as const
    expect(matches('ip.navigations_1m >= 0', none)).toBe(false)
    expect(matches('ip.navigations_1m < 0', none)).toBe(false)
    expect(matches('not user_key_slow', none)).toBe(true)
  })
  it('refuses a counter variable compared with a string (type-checked at load)', () => {
    expect(parseRule('ip.navigations_1m == "x"').ok).toBe(false)
  })
})

describe('newDeviceSignInCohort', () => {
  it('is one cohort for every spelling of a host, and not the cookie-less sign-ins\' one', () => {
    const one = newDeviceSignInCohort('example.com')
    for (const spelt of ['Example.COM', 'example.com:443', 'example.com.']) expect(newDeviceSignInCohort(spelt)).toBe(one)
    expect(one).not.toBe(cookielessCohort('sign_in', 'example.com'))
    expect(isNewDeviceSignInCohort(one)).toBe(true)
    expect(isNewDeviceSignInCohort(cookielessCohort('sign_in', 'example.com'))).toBe(false)
    expect(isNewDeviceSignInCohort(null)).toBe(false)
  })
})

describe('cookielessCohort', () => {
  it('is one cohort for every spelling of a host a client can send (case, port, trailing dot)', () => {
    const one = cookielessCohort('sign_in', 'example.com')
    for (const spelt of ['Example.COM', 'example.com:443', 'example.com.', 'EXAMPLE.com.:8443']) expect(cookielessCohort('sign_in', spelt)).toBe(one)
    expect(cookielessCohort('sign_in', 'shop.example.com')).not.toBe(one)
  })

  it('keeps a site\'s sign-ins and checkouts apart: refusals and declines are weighed against their own kind', () => {
    expect(cookielessCohort('checkout', 'example.com')).not.toBe(cookielessCohort('sign_in', 'example.com'))
    expect(cookielessCohort('checkout', 'Example.com.')).toBe(cookielessCohort('checkout', 'example.com'))
  })
})
