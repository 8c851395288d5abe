// Identity signals in plain Node: the SDK nonce (signed, short-lived, bound to the page view's
// client, refused for every tampering), the telemetry fingerprint (a replay keeps it, a person's
// own rhythm changes it), the device standing, and the model's no-device view of a new device.
import { describe, expect, it, test } from 'vitest'
import { makeDevKeySet } from '../../src/cli/dev-keys'
import type { RouteClass } from '../../src/config/routeClasses'
import { METRICS, SETS, type KeySnapshot } from '../../src/counters/metrics'
import type { JourneyRead } from '../../src/counters/read'
import { ZERO_WINDOWS } from '../../src/counters/windows'
import { fillBehavioral } from '../../src/features/behavioral'
import { buildRequestFeatures } from '../../src/features/buildFeatures'
import { noDeviceView } from '../../src/features/deviceView'
import { fillEnvironmental } from '../../src/features/environmental'
import { fillJourney } from '../../src/features/journey'
import { FEATURE_INDEX } from '../../src/features/list'
import { readHeaderSignals } from '../../src/signals/headers'
import { compactTelemetry, expandTelemetry } from '../../src/signals/telemetrySummary'
import { bindingHashes } from '../../src/signals/binding'
import { parseCookieKeys } from '../../src/signals/cookieKeys'
import type { DeviceCookieState } from '../../src/signals/deviceClaims'
import { deviceStanding, ESTABLISHED_AFTER_MS } from '../../src/signals/deviceStanding'
import { issueSdkNonce, SDK_NONCE_TTL_S, verifySdkNonce } from '../../src/signals/sdkNonce'
import { parseTelemetry, type Telemetry } from '../../src/signals/telemetry'
import { fingerprintFields, telemetryFingerprint } from '../../src/signals/telemetryFingerprint'
import fixture from '../fixtures/tokens/telemetry-valid.json'

const NOW = 1_790_000_000_000
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
const ID = 'AbCdEfGhIjKlMnOpQrStUv'

describe('the SDK nonce', async () => {
  const keys = await parseCookieKeys(await makeDevKeySet())
  const other = await parseCookieKeys(await makeDevKeySet())
  if (!keys.ok || !other.ok) throw new Error('keys')
  const here = await bindingHashes(UA, '203.0.113.9')
  const nonce = await issueSdkNonce({ id: ID, now: NOW, ...here }, keys.value)
  /** A nonce's claims signed ES256 with the cookie key, under `typ`: what the Worker signed before, or another token's type. */
  const es256Nonce = async (typ: string): Promise<string> => {
    const { SignJWT } = await import('jose')
    return new SignJWT({ v: 1, jti: ID, iat: NOW / 1000, exp: NOW / 1000 + 60, b: { u: here.uaHash, n: here.ipPrefixHash } })
      .setProtectedHeader({ alg: 'ES256', kid: keys.value.signer.kid, typ })
      .sign(keys.value.signer.key)
  }

  it('verifies for the same client within its lifetime, and names its id and expiry', async () => {
    expect(await verifySdkNonce(nonce, keys, { now: NOW + 60_000, ...(await bindingHashes(UA, '203.0.113.200')) })).toEqual({
      ok: true,
      value: { id: ID, expiresAt: (Math.floor(NOW / 1000) + SDK_NONCE_TTL_S + 60) * 1000 },
    })
  })

  test.each([
    ['absent', async () => verifySdkNonce(undefined, keys, { now: NOW, ...here })],
    ['malformed', async () => verifySdkNonce('a.b', keys, { now: NOW, ...here })],
    ['malformed', async () => verifySdkNonce(`${nonce}x`.repeat(5), keys, { now: NOW, ...here })],
    ['bad_signature', async () => verifySdkNonce(`${nonce.slice(0, -4)}AAAA`, keys, { now: NOW, ...here })],
    ['unknown_kid', async () => verifySdkNonce(nonce, other, { now: NOW, ...here })],
    ['expired', async () => verifySdkNonce(nonce, keys, { now: NOW + (SDK_NONCE_TTL_S + 61) * 1000, ...here })],
    ['not_yet_valid', async () => verifySdkNonce(nonce, keys, { now: NOW - 120_000, ...here })],
    ['wrong_client', async () => verifySdkNonce(nonce, keys, { now: NOW, ...(await bindingHashes(UA, '198.51.100.9')) })],
    ['wrong_client', async () => verifySdkNonce(nonce, keys, { now: NOW, ...(await bindingHashes(`${UA} Edg/130`, '203.0.113.9')) })],
    ['no_keys', async () => verifySdkNonce(nonce, { ok: false, reason: 'missing' }, { now: NOW, ...here })],
  ])('refuses with %s', async (reason, run) => {
    expect(await run()).toMatchObject({ ok: false, reason })
  })

  it('refuses a token of another type signed with the same key (bad_header)', async () => {
    const device = await es256Nonce('edgeward-device+jwt')
    expect(await verifySdkNonce(device, keys, { now: NOW, ...here })).toMatchObject({ ok: false, reason: 'bad_header' })
  })

  it('is an HMAC (HS256), and a nonce in the former ES256 form with the same claims and kid is refused', async () => {
    expect(JSON.parse(atob(nonce.split('.')[0]!))).toEqual({ alg: 'HS256', kid: keys.value.signer.kid, typ: 'edgeward-sdk-nonce+jwt' })
    const es256 = await es256Nonce('edgeward-sdk-nonce+jwt')
    expect(await verifySdkNonce(es256, keys, { now: NOW, ...here })).toMatchObject({ ok: false, reason: 'bad_header' })
  })

  it('is not signed with the private scalar itself: an HS256 nonce keyed by the raw `d` is a bad signature', async () => {
    const { SignJWT } = await import('jose')
    const set = JSON.parse(await makeDevKeySet()) as { keys: { d: string; kid: string }[] }
    const d = set.keys[0]!.d
    const own = await parseCookieKeys(JSON.stringify(set))
    if (!own.ok) throw new Error('keys')
    const raw = Uint8Array.from(atob(d.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
    const forged = await new SignJWT({ v: 1, jti: ID, iat: NOW / 1000, exp: NOW / 1000 + 60, b: { u: here.uaHash, n: here.ipPrefixHash } })
      .setProtectedHeader({ alg: 'HS256', kid: set.keys[0]!.kid, typ: 'edgeward-sdk-nonce+jwt' })
      .sign(raw)
    expect(await verifySdkNonce(forged, own, { now: NOW, ...here })).toMatchObject({ ok: false, reason: 'bad_signature' })
  })

  it('after a rotation, verifies the former key\'s nonces while its private part is listed, not once it is dropped', async () => {
    const former = JSON.parse(await makeDevKeySet()) as { keys: { kid: string; d?: string }[] }
    const newer = JSON.parse(await makeDevKeySet()) as { keys: { kid: string; d?: string }[] }
    newer.keys[0]!.kid = 'newer'
    const before = await parseCookieKeys(JSON.stringify(former))
    if (!before.ok) throw new Error('keys')
    const old = await issueSdkNonce({ id: ID, now: NOW, ...here }, before.value)
    const rotated = await parseCookieKeys(JSON.stringify({ keys: [newer.keys[0], former.keys[0]] }))
    expect(await verifySdkNonce(old, rotated, { now: NOW, ...here })).toMatchObject({ ok: true })
    const { d: _dropped, ...publicOnly } = former.keys[0]!
    const publicOld = await parseCookieKeys(JSON.stringify({ keys: [newer.keys[0], publicOnly] }))
    expect(await verifySdkNonce(old, publicOld, { now: NOW, ...here })).toMatchObject({ ok: false, reason: 'unknown_kid' })
    if (!rotated.ok) throw new Error('keys')
    expect(JSON.parse(atob((await issueSdkNonce({ id: ID, now: NOW, ...here }, rotated.value)).split('.')[0]!)).kid).toBe('newer')
  })
})

describe('the telemetry fingerprint', () => {
  const t = (over: Partial<Telemetry> = {}): Telemetry => {
    const parsed = parseTelemetry({ ...fixture, ...over })
    if (!parsed.ok) throw new Error(parsed.reason)
    return parsed.value
  }

  it('is the same for a replay with its timezone and languages edited, and small noise inside a bucket', async () => {
    const a = await telemetryFingerprint(t())
    expect(a).toMatch(/^[\w-]{16}$/)
    expect(await telemetryFingerprint(t({ timezone: 'America/Chicago', languages: ['en-US'], nonce: 'x.y.z' }))).toBe(a)
    expect(await telemetryFingerprint(t({ keyIntervalMeanMs: 143.9, timeToSubmitMs: 8420, timeOnPageMs: 8420 }))).toBe(a)
  })

  test.each([
    ['key rhythm', { keyIntervalMeanMs: 171 }],
    ['rhythm spread', { keyIntervalSdMs: 90 }],
    ['time to submit', { timeToSubmitMs: 9400, timeOnPageMs: 9400 }],
    ['keys typed', { keyCount: 30 }],
    ['screen', { screen: { width: 1440, height: 900, colorDepth: 24, pixelRatio: 2 } }],
  ])('changes with %s', async (_what, over) => {
    expect(await telemetryFingerprint(t(over as Partial<Telemetry>))).not.toBe(await telemetryFingerprint(t()))
  })

  test.each([
    ['a load report', { phase: 'load', timeToSubmitMs: null }],
    ['an autofilled form (under 4 keys)', { keyCount: 0, keyIntervalMeanMs: null, keyIntervalSdMs: null, autofill: true }],
  ])('is null for %s (too plain to tell people apart)', async (_what, over) => {
    expect(fingerprintFields(t(over as Partial<Telemetry>))).toBeNull()
    expect(await telemetryFingerprint(t(over as Partial<Telemetry>))).toBeNull()
  })
})

describe('device standing', () => {
  const valid = (over: Partial<Extract<DeviceCookieState, { kind: 'valid' }>> = {}): DeviceCookieState => ({
    kind: 'valid', deviceId: ID, kid: 'k', firstSeen: NOW - 3_600_000, issuedAt: NOW, expiresAt: NOW + 1, telemetry: null,
    provenAt: NOW - ESTABLISHED_AFTER_MS, telemetrySeenDevices: null, replayed: false, replay: null, ...over,
  })

  test.each([
    ['no cookie', { kind: 'missing' } as DeviceCookieState, null, { present: false, established: false, unproven: null }],
    ['a replayed cookie', valid({ replayed: true, replay: 'ip' }), 3, { present: false, established: false, unproven: null }],
    ['proven 10 minutes ago', valid(), 0, { present: true, established: true, unproven: false, ageS: 3600 }],
    ['proven 9 minutes ago', valid({ provenAt: NOW - 540_000 }), 0, { present: true, established: false, unproven: false }],
    ['unproven, a day old', valid({ provenAt: null }), 0, { present: true, established: false, unproven: true }],
    ['unproven, signed in today (one owned account signs in from any number of minted devices)', valid({ provenAt: null }), 1, { present: true, established: false, unproven: true }],
    ['proven just now, signed in today', valid({ provenAt: NOW }), 1, { present: true, established: true, unproven: false }],
    ['proven just now, counters unread', valid({ provenAt: NOW }), null, { present: true, established: false }],
  ] as const)('%s', (_name, cookie, successes, want) => {
    expect(deviceStanding(cookie, successes, NOW)).toMatchObject(want)
  })
})

describe('the no-device view of a new device', () => {
  it('for an unproven device is the no-cookie case on a credential POST: cookie_missing, no age, no SDK, the IP as the client', async () => {
    const { observed, view, names } = await deviceView({ routeClass: 'login', method: 'POST', established: false, proven: false })
    expect(view).not.toBeNull()
    expect(observed[names.cookie_missing]).toBe(0)
    expect(observed[names.sdk_key_count]).toBe(29)
    expect(observed[names.device_failed_logins_10m]).toBe(0)
    expect(view![names.cookie_missing]).toBe(1)
    for (const f of ['device_age_s', 'sdk_key_count', 'sdk_key_interval_mean_ms', 'sdk_pointer_moved', 'timezone_mismatch'] as const) expect(view![names[f]]).toBeNaN()
    expect(view![names.device_failed_logins_10m]).toBe(7) // the IP's
    expect(view![names.ua_claims_browser]).toBe(observed[names.ua_claims_browser])
  })

  it('for a proven new device keeps its cookie and telemetry, but its journey is the address\'s', async () => {
    const { observed, view, names } = await deviceView({ routeClass: 'login', method: 'POST', established: false, proven: true })
    expect(view).not.toBeNull()
    for (const f of ['cookie_missing', 'device_age_s', 'sdk_key_count', 'sdk_pointer_moved'] as const) expect(view![names[f]]).toBe(observed[names[f]])
    expect(view![names.device_failed_logins_10m]).toBe(7)
  })

  test.each([
    ['an established device', { routeClass: 'login', method: 'POST', established: true }],
    ['a page view', { routeClass: 'login', method: 'GET', established: false }],
    ['a checkout', { routeClass: 'checkout', method: 'POST', established: false }],
  ] as const)('is not used for %s', async (_name, input) => {
    expect((await deviceView(input)).view).toBeNull()
  })

  it('leaves the observed vector alone', async () => {
    const { observed, before } = await deviceView({ routeClass: 'signup', method: 'POST', established: false })
    expect(Array.from(observed)).toEqual(before)
  })

  it('is used on password reset and signup too', async () => {
    for (const routeClass of ['signup', 'password_reset'] as const) expect((await deviceView({ routeClass, method: 'post', established: false })).view).not.toBeNull()
  })

})

/** A key's snapshot with `failures` failed logins in every window. */
function snapshot(failures: number): KeySnapshot {
  const counts = Object.fromEntries(METRICS.map((m) => [m, m === 'login_failures' ? { '1m': failures, '10m': failures, '1h': failures, '24h': failures } : ZERO_WINDOWS]))
  const distinct = Object.fromEntries(SETS.map((s) => [s, ZERO_WINDOWS]))
  return { counts, distinct, deny: null, fresh: false } as unknown as KeySnapshot
}

/** A new device (fresh counters) behind an address with 7 failed logins, its features observed and as no device. */
async function deviceView(input: { routeClass: RouteClass; method: string; established: boolean; proven?: boolean }) {
  const parsed = parseTelemetry(fixture)
  if (!parsed.ok) throw new Error('fixture')
  const cookie: DeviceCookieState = {
    kind: 'valid', deviceId: ID, kid: 'k', firstSeen: NOW - 5000, issuedAt: NOW - 1000, expiresAt: NOW + 1, telemetry: expandTelemetry(compactTelemetry(parsed.value)),
    provenAt: input.established ? NOW - ESTABLISHED_AFTER_MS : input.proven === false ? null : NOW - 5000, telemetrySeenDevices: 1, replayed: false, replay: null,
  }
  const journey = {
    status: 'ok',
    counters: { device: snapshot(0), ip: snapshot(7), prefix: snapshot(7), user: null, asn: null, missing: [], userKeySlow: false, zoneLoginFailureRatio10m: null },
    deny: null,
  } as unknown as JourneyRead
  const signals = readHeaderSignals({ headers: new Headers({ 'user-agent': UA, accept: 'text/html' }), cf: { timezone: 'Asia/Tokyo' }, url: 'https://shop.example/login' })
  const observed = buildRequestFeatures({ routeClass: input.routeClass, method: input.method.toUpperCase(), contentLength: 60 })
  fillEnvironmental(observed, signals, cookie, NOW)
  fillBehavioral(observed, cookie, NOW)
  fillJourney(observed, journey)
  const before = Array.from(observed)
  const standing = deviceStanding(cookie, 0, NOW)
  const view = noDeviceView({ observed, signals, cookie, standing, journey, routeClass: input.routeClass, method: input.method, now: NOW })
  return { observed, before, view, names: FEATURE_INDEX }
}
