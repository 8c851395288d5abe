// Counters key by key through the real Worker and real objects: a slow username key is missing
// alone (the line names it; device and IP features still count) and, slow again, sets
// user_key_slow; IPv6 addresses of one /64 share their IP counters; the counter rule variables
// (navigations, distinct devices, device mints per IP/prefix/ASN, prefix counts) are driven by real counts.
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { counterName } from '../../src/counters/keys'
import { observeRequest, type CounterStub, type NamespaceLike } from '../../worker/counters/client'
import { IsolateCaches } from '../../worker/counters/isolate'
import { deviceCookie, peekCounters } from '../support/journey'
import { callWorker, clearConfig, writeConfig, type Call } from '../support/worker'

afterEach(clearConfig)

let net = 0
const freshNet = (): string => `100.80.${++net}`
const NO_MODEL = { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }
const PATIENT = { budget_ms: 1000, ipv6_prefix_bits: 64 }
const rule = (name: string, when: string) => ({ name, when, weight: 0.01 })
const rulesOf = (call: Call): unknown => call.logs[0]?.rules

/** A COUNTERS namespace whose `user` objects never answer; every other key is the real object. */
function slowUsers(): NamespaceLike<CounterStub> {
  const hang: CounterStub = { observe: () => new Promise(() => {}), record: () => Promise.resolve(), deny: () => Promise.resolve(), undeny: () => Promise.resolve(false) }
  const names = new Map<string, string>()
  return {
    idFromName: (name) => {
      const id = env.COUNTERS.idFromName(name)
      names.set(id.toString(), name)
      return id
    },
    get: (id) => (JSON.parse(names.get(id.toString()) ?? '[]')[0] === 'user' ? hang : (env.COUNTERS.get(id) as unknown as CounterStub)),
  }
}

describe('per-key deadlines', () => {
  it('misses a slow username key alone: the other keys count and are read, the line names the key', async () => {
    const caches = new IsolateCaches()
    const keys = { device: `dev-${++net}`, ip: `${freshNet()}.1`, ipPrefix: `100.80.${net}.0/24`, user: `user-${net}` }
    const envSlow = { COUNTERS: slowUsers(), ZONE_STATS: env.ZONE_STATS, REGISTRY: env.REGISTRY }
    const event = { routeClass: 'login', method: 'POST', now: Date.now() } as const
    await observeRequest(envSlow, keys, event, 200, { caches })
    const read = await observeRequest(envSlow, keys, { ...event, now: event.now + 1 }, 200, { caches })
    expect(read.status).toBe('ok')
    if (read.status !== 'ok') return
    expect(read.counters.missing).toEqual([{ kind: 'user', reason: 'timeout' }])
    expect(read.counters.user).toBeNull()
    expect(read.counters.device?.counts.login_attempts['1m']).toBe(2)
    expect(read.counters.ip?.counts.requests['1m']).toBe(2)
    expect(read.counters.userKeySlow).toBe(true) // missed twice in a row in this isolate
    const other = await observeRequest(env, { ...keys, user: `other-${net}` }, { ...event, now: event.now + 2 }, 1_000, { caches })
    expect(other.status === 'ok' && other.counters.userKeySlow).toBe(false)
  })

  it('through the Worker: logs counters_user_timeout, still fills device and IP features, and a rule sees user_key_slow', async () => {
    await writeConfig({ version: 'slow-user', counters: { budget_ms: 1000 }, thresholds: NO_MODEL, log: { ip: 'full', features: true }, rules: [rule('slow_user_key', 'user_key_slow')] })
    const ip = `${freshNet()}.2`
    const login = () => callWorker('/login', { method: 'POST', body: 'username=decoy@example.com&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, { clientIp: ip, env: { COUNTERS: slowUsers() as unknown as Env['COUNTERS'] } })
    const first = await login()
    expect(first.logs[0]?.missing).toEqual(['counters_user_timeout'])
    expect(first.logs[0]?.counters).toBe('missing')
    const features = first.logs[0]?.features as Record<string, number>
    expect(features.ip_requests_1m).toBeGreaterThanOrEqual(1)
    expect(features.user_failed_logins_1h).toBeUndefined() // NaN: not logged
    expect(rulesOf(first)).not.toContain('slow_user_key')
    const second = await login()
    expect(rulesOf(second)).toContain('slow_user_key')
  }, 30_000)
})

describe('IPv6 by its /64', () => {
  it('counts every address of one /64 on one IP key, and the next /64 apart', async () => {
    await writeConfig({ version: 'v6', counters: PATIENT, thresholds: NO_MODEL })
    const n = ++net
    await callWorker('/', {}, { clientIp: `2001:db8:${n}:1::1` })
    await callWorker('/', {}, { clientIp: `2001:db8:${n}:1:aaaa:bbbb:cccc:dddd` })
    await callWorker('/', {}, { clientIp: `2001:db8:${n}:2::1` })
    expect((await peekCounters('ip', `2001:db8:${n}:1::/64`)).counts.requests['1m']).toBe(2)
    expect((await peekCounters('ip', `2001:db8:${n}:2::/64`)).counts.requests['1m']).toBe(1)
    expect((await peekCounters('prefix', `2001:db8:${n}::/48`)).counts.requests['1m']).toBe(3)
  })
})

describe('counter rule variables from real counts', () => {
  it('counts page views, not a page load\'s scripts and XHR: ip.navigations_1m and device.navigations_1m', async () => {
    await writeConfig({ version: 'nav', counters: PATIENT, thresholds: NO_MODEL, rules: [rule('nav3', 'ip.navigations_1m >= 3'), rule('dev_nav3', 'device.navigations_1m >= 3')] })
    const ip = `${freshNet()}.3`
    const sub = { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script', 'sec-fetch-site': 'same-origin' }
    for (let i = 0; i < 6; i++) await callWorker('/static/app.js', { headers: sub }, { clientIp: ip })
    for (let i = 0; i < 4; i++) await callWorker('/api/products', { headers: { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-origin' } }, { clientIp: ip })
    expect(rulesOf(await callWorker('/', {}, { clientIp: ip }))).not.toContain('nav3') // 1 page view, 11 requests
    await callWorker('/products', {}, { clientIp: ip })
    const third = await callWorker('/login', {}, { clientIp: ip })
    expect(rulesOf(third)).toEqual(expect.arrayContaining(['nav3', 'dev_nav3']))
    // A tool without Sec-Fetch-* counts every non-static request as a page view.
    const tool = `${freshNet()}.3`
    for (let i = 0; i < 2; i++) await callWorker('/api/products', { headers: { 'user-agent': 'python-requests/2.31' } }, { clientIp: tool })
    expect(rulesOf(await callWorker('/api/products', { headers: { 'user-agent': 'python-requests/2.31' } }, { clientIp: tool }))).toContain('nav3')
  }, 30_000)

  it('sees the devices minted and used behind an IP, its prefix and its ASN', async () => {
    const asn = 64_512 + ++net
    await writeConfig({
      version: 'mint', counters: PATIENT, thresholds: NO_MODEL,
      rules: [rule('minted_ip', 'ip.devices_minted_10m >= 3'), rule('minted_prefix', 'prefix.devices_minted_1h >= 3'), rule('minted_asn', 'asn.devices_minted_10m >= 3'), rule('shared_ip', 'ip.distinct_devices_1h >= 3'), rule('prefix_devices', 'prefix.distinct_devices_1h >= 3')],
    })
    const ip = `${freshNet()}.4`
    const cf = { 'x-edgeward-test-cf': JSON.stringify({ asn }) }
    const trust = { EDGEWARD_TRUST_TEST_HEADERS: 'true' }
    const cookies = []
    for (let i = 0; i < 3; i++) cookies.push(await deviceCookie(ip))
    // Each device pays a visit (the IP's distinct-device set), the last one carries the ASN.
    for (const c of cookies.slice(0, 2)) await callWorker('/', { headers: { cookie: c.cookie } }, { clientIp: ip })
    const last = await callWorker('/', { headers: { cookie: cookies[2]!.cookie, ...cf } }, { clientIp: ip, env: trust })
    expect(rulesOf(last)).toEqual(expect.arrayContaining(['minted_ip', 'minted_prefix', 'shared_ip', 'prefix_devices']))
    // The mints above came from collect calls without an ASN: none on this one.
    expect(rulesOf(last)).not.toContain('minted_asn')
    // Three collects from another network (a fresh ASN: isolates reuse an ASN read for a few seconds).
    const asn2 = asn + 1_000
    const cf2 = { 'x-edgeward-test-cf': JSON.stringify({ asn: asn2 }) }
    const mintFrom = `${freshNet()}.4`
    for (let i = 0; i < 3; i++) {
      const r = await callWorker('/__edgeward/collect', { method: 'POST', body: JSON.stringify((await import('../fixtures/tokens/telemetry-valid.json')).default), headers: { 'content-type': 'application/json', ...cf2 } }, { clientIp: mintFrom, env: trust })
      expect(r.response.status).toBe(204)
    }
    expect((await peekCounters('asn', String(asn2))).counts.devices_minted['10m']).toBe(3)
    const afterAsn = await callWorker('/', { headers: cf2 }, { clientIp: `${freshNet()}.4`, env: trust })
    expect(rulesOf(afterAsn)).toContain('minted_asn')
  }, 60_000)

  it('reads the prefix\'s own counts: prefix.requests_1m across addresses of one /24', async () => {
    await writeConfig({ version: 'prefix', counters: PATIENT, thresholds: NO_MODEL, rules: [rule('prefix_busy', 'prefix.requests_1m >= 4')] })
    const n = freshNet()
    for (let i = 1; i <= 3; i++) expect(rulesOf(await callWorker('/', {}, { clientIp: `${n}.${i}` }))).not.toContain('prefix_busy')
    expect(rulesOf(await callWorker('/', {}, { clientIp: `${n}.4` }))).toContain('prefix_busy')
    expect(counterName('prefix', `${n}.0/24`)).toBe(JSON.stringify(['prefix', `${n}.0/24`]))
  }, 30_000)
})
