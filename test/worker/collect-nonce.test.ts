// Identity that costs, at collect, through the real Worker: the page's signed SDK nonce proves a
// device once (a replayed, foreign or missing nonce leaves it unproven, never without a cookie),
// a proven device stays proven without spending again, every mint is counted on its IP, prefix and
// ASN, identical telemetry from several devices is counted, and rules read device_established,
// device_unproven and telemetry_seen_devices_1h.
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { ipPrefix } from '../../src/config/cidr'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { readDeviceCookie } from '../../src/signals/deviceCookie'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import { collect, getPage, nonceOf } from '../support/attacker'
import { peekCounters } from '../support/journey'
import { BROWSER_HEADERS, callWorker, clearConfig, writeConfig } from '../support/worker'

afterEach(clearConfig)

const UA = BROWSER_HEADERS['user-agent']!
/** The model's thresholds out of reach: the probes' view of each login, whatever the score. */
const NO_MODEL = { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }
let net = 0
const freshIp = (): string => `100.66.${++net}.7`

async function stateOf(cookie: string | null, ip: string) {
  const keys = await loadCookieKeys((env as unknown as Env).EDGEWARD_COOKIE_KEYS)
  return verifyDeviceToken(readDeviceCookie(cookie ?? undefined), keys, { now: Date.now(), ...(await bindingHashes(UA, ip)) })
}

/** The nonce of a freshly served /login for this client. */
async function pageNonceFor(ip: string): Promise<string> {
  const { html } = await getPage('/login', ip)
  const nonce = nonceOf(html)
  if (nonce === undefined) throw new Error('no nonce on the page')
  return nonce
}

describe('the SDK nonce at collect', () => {
  it('an HTML page carries a nonce on the SDK tag; collect with it proves the new device', async () => {
    const ip = freshIp()
    const { html } = await getPage('/login', ip)
    expect(html).toMatch(/<script src="\/__edgeward\/sdk.js" defer data-edgeward-nonce="[\w-]+\.[\w-]+\.[\w-]+"><\/script>/)
    const minted = await collect(ip, { nonce: nonceOf(html) })
    const state = await stateOf(minted.cookie, ip)
    expect(state).toMatchObject({ kind: 'valid', replayed: false })
    if (state.kind !== 'valid') throw new Error('valid')
    expect(state.provenAt).not.toBeNull()
    expect(Math.abs(state.provenAt! - state.firstSeen)).toBeLessThan(1000)
  })

  it('refuses a nonce the second time: the second device is issued but unproven', async () => {
    const ip = freshIp()
    const nonce = await pageNonceFor(ip)
    const first = await stateOf((await collect(ip, { nonce })).cookie, ip)
    const second = await stateOf((await collect(ip, { nonce })).cookie, ip)
    expect(first).toMatchObject({ kind: 'valid' })
    expect(second).toMatchObject({ kind: 'valid', provenAt: null })
    if (first.kind !== 'valid' || second.kind !== 'valid') throw new Error('valid')
    expect(first.provenAt).not.toBeNull()
    expect(second.deviceId).not.toBe(first.deviceId)
  })

  it.each([
    ['no nonce', async () => undefined, freshIp],
    ['garbage', async () => 'not.a.nonce', freshIp],
    ['a nonce fetched from another /24', async () => pageNonceFor(`100.67.${net}.1`), freshIp],
    ['a device token in its place', async (ip: string) => (await collect(ip)).cookie?.slice('__edgeward='.length), freshIp],
  ])('still answers 204 with a cookie, unproven, for %s', async (_name, nonceFor, ipFor) => {
    const ip = ipFor()
    const nonce = await nonceFor(ip)
    const minted = await collect(ip, nonce === undefined ? {} : { nonce })
    expect(minted.call.response.status).toBe(204)
    expect(await stateOf(minted.cookie, ip)).toMatchObject({ kind: 'valid', replayed: false, provenAt: null })
  })

  it('keeps a proven device proven on later collects, without a nonce and without spending one', async () => {
    const ip = freshIp()
    const proven = await collect(ip, { nonce: await pageNonceFor(ip) })
    const before = await stateOf(proven.cookie, ip)
    const again = await collect(ip, {}, proven.cookie!)
    const after = await stateOf(again.cookie, ip)
    if (before.kind !== 'valid' || after.kind !== 'valid') throw new Error('valid')
    expect(after.deviceId).toBe(before.deviceId)
    expect(after.provenAt).toBe(before.provenAt)
  })

  it('signs no nonce for the pages of a proven device (collect carries its proof), and one for an unproven device', async () => {
    const ip = freshIp()
    const proven = await collect(ip, { nonce: await pageNonceFor(ip) })
    const page = await getPage('/login', ip, proven.cookie!)
    expect(page.html).toContain('<script src="/__edgeward/sdk.js" defer></script>')
    expect(nonceOf(page.html)).toBeUndefined()
    const bare = await collect(ip)
    expect(nonceOf((await getPage('/login', ip, bare.cookie!)).html)).toBeDefined()
  })

  it('does not carry a proof through a cookie replayed from another /24: the new client gets a new, unproven device', async () => {
    const ip = freshIp()
    const proven = await collect(ip, { nonce: await pageNonceFor(ip) })
    const elsewhere = `100.67.${net}.9`
    const refreshed = await stateOf((await collect(elsewhere, {}, proven.cookie!)).cookie, elsewhere)
    const original = await stateOf(proven.cookie, ip)
    if (refreshed.kind !== 'valid' || original.kind !== 'valid') throw new Error('valid')
    expect(original.provenAt).not.toBeNull()
    expect(refreshed).toMatchObject({ replayed: false, provenAt: null })
    expect(refreshed.deviceId).not.toBe(original.deviceId)
  })

  it('proves an unproven device later with a fresh nonce, from that moment', async () => {
    const ip = freshIp()
    const bare = await collect(ip)
    const proven = await collect(ip, { nonce: await pageNonceFor(ip) }, bare.cookie!)
    const state = await stateOf(proven.cookie, ip)
    if (state.kind !== 'valid') throw new Error('valid')
    expect(state.provenAt).not.toBeNull()
    expect(state.provenAt!).toBeGreaterThanOrEqual(state.firstSeen)
  })
})

describe('mints are counted', () => {
  it('on the IP, its prefix and its ASN for a new device; a refresh of a valid cookie mints nothing', async () => {
    const ip = freshIp()
    const asn = 64_512 + net
    const headers = { 'content-type': 'application/json', 'x-edgeward-test-cf': JSON.stringify({ asn }) }
    const body = JSON.stringify({ v: 1, phase: 'load', credentialFields: false, keyCount: 0, keyIntervalMeanMs: null, keyIntervalSdMs: null, pasteCredential: false, autofill: false, focusChanges: 0, visibilityChanges: 0, pointerMoved: false, timeOnPageMs: 900, timeToSubmitMs: null, webdriver: false, automationMarkers: [], incognito: null, timezone: null, languages: [], screen: null, hardwareConcurrency: null })
    const opts = { clientIp: ip, env: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } }
    const first = await callWorker('/__edgeward/collect', { method: 'POST', body, headers }, opts)
    const cookie = /__edgeward=[^;]+/.exec(first.response.headers.get('set-cookie') ?? '')![0]
    await callWorker('/__edgeward/collect', { method: 'POST', body, headers: { ...headers, cookie } }, opts)
    await callWorker('/__edgeward/collect', { method: 'POST', body, headers }, opts)
    expect((await peekCounters('ip', ip)).counts.devices_minted['10m']).toBe(2)
    expect((await peekCounters('prefix', ipPrefix(ip))).counts.devices_minted['10m']).toBe(2)
    expect((await peekCounters('asn', String(asn))).counts.devices_minted['10m']).toBe(2)
  })
})

describe('rules read the device standing and the replay count', () => {
  const PROBES = [
    { name: 'probe_established', when: 'device_established', weight: 0 },
    { name: 'probe_unproven', when: 'device_unproven', weight: 0 },
    { name: 'probe_proven', when: 'device_unproven == false', weight: 0 },
    { name: 'probe_replay_2', when: 'telemetry_seen_devices_1h >= 2', weight: 0 },
  ]
  const login = (ip: string, cookie: string, password = 'nope') =>
    callWorker('/login', { method: 'POST', body: `username=user0042%40example.com&password=${password}`, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie } }, { clientIp: ip, env: { ORIGIN_URL: 'demo' } })
  const rulesOf = async (call: Promise<{ logs: Record<string, unknown>[] }>) => ((await call).logs.find((l) => l.path === '/login')?.rules ?? []) as string[]

  it('a fresh device is not established: unproven without a nonce, proven with one', async () => {
    await writeConfig({ version: 'probes', rules: PROBES, thresholds: NO_MODEL, counters: { budget_ms: 1000 } })
    const ip = freshIp()
    const bare = await collect(ip, { timeToSubmitMs: 3333, timeOnPageMs: 3333 })
    expect(await rulesOf(login(ip, bare.cookie!))).toEqual(['probe_unproven'])
    const proven = await collect(ip, { nonce: await pageNonceFor(ip), timeToSubmitMs: 4444, timeOnPageMs: 4444 })
    expect(await rulesOf(login(ip, proven.cookie!))).toEqual(['probe_proven'])
  })

  it('a device proven more than 10 minutes ago is established', async () => {
    await writeConfig({ version: 'probes', rules: PROBES, thresholds: NO_MODEL, counters: { budget_ms: 1000 } })
    const ip = freshIp()
    const keys = await loadCookieKeys((env as unknown as Env).EDGEWARD_COOKIE_KEYS)
    if (!keys.ok) throw new Error('keys')
    const now = Date.now()
    const binding = await bindingHashes(UA, ip)
    const sign = (ago: number) => issueDeviceToken({ deviceId: `F${String(net).padStart(2, '0')}${String(ago).padStart(19, '0')}`, firstSeen: now - 3_600_000, now, telemetry: null, provenAt: now - ago, ...binding }, keys.value)
    expect(await rulesOf(login(ip, `__edgeward=${await sign(11 * 60_000)}`))).toEqual(['probe_established', 'probe_proven'])
    expect(await rulesOf(login(ip, `__edgeward=${await sign(9 * 60_000)}`))).toEqual(['probe_proven'])
  })

  it('a new proven device that signed in successfully is established; an unproven one is not', async () => {
    await writeConfig({ version: 'probes', rules: PROBES, thresholds: NO_MODEL, counters: { budget_ms: 1000 } })
    const ip = freshIp()
    const bare = await collect(ip, { timeToSubmitMs: 5555, timeOnPageMs: 5555 })
    expect((await login(ip, bare.cookie!, 'pass-0042')).response.status).toBe(200)
    expect(await rulesOf(login(ip, bare.cookie!))).toEqual(expect.arrayContaining(['probe_unproven']))
    expect(await rulesOf(login(ip, bare.cookie!))).not.toContain('probe_established')
    const proven = await collect(ip, { nonce: await pageNonceFor(ip), timeToSubmitMs: 7777, timeOnPageMs: 7777 })
    expect((await login(ip, proven.cookie!, 'pass-0042')).response.status).toBe(200)
    expect(await rulesOf(login(ip, proven.cookie!))).toEqual(expect.arrayContaining(['probe_established', 'probe_proven']))
  })

  it('counts the devices that sent the same telemetry: the second device reads 2', async () => {
    await writeConfig({ version: 'probes', rules: PROBES, thresholds: NO_MODEL, counters: { budget_ms: 1000 } })
    const same = { keyIntervalMeanMs: 187.1, keyIntervalSdMs: 41.9, timeToSubmitMs: 6_666, timeOnPageMs: 6_666 }
    const a = freshIp()
    const b = freshIp()
    const first = await collect(a, same)
    const second = await collect(b, { ...same, timezone: 'America/New_York', languages: ['en-US'] }) // edited to match its address: same fingerprint
    expect(await rulesOf(login(a, first.cookie!))).not.toContain('probe_replay_2')
    expect(await rulesOf(login(b, second.cookie!))).toContain('probe_replay_2')
    const c = freshIp()
    const other = await stateOf((await collect(c, { ...same, keyIntervalMeanMs: 260 })).cookie, c)
    expect(other).toMatchObject({ kind: 'valid', telemetrySeenDevices: 1 })
  })
})
