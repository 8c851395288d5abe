// Takes the pure outcome, deny, metric, zone and admin-input logic of src/counters and
// fillJourney; checks them table by table in plain Node (frozen times, no platform).
import { describe, expect, it, test } from 'vitest'
import { parseDenyAdd, parseDenyRemove, parseLabels, MAX_LABELS_PER_POST } from '../../src/counters/adminInput'
import { canonicalIp, denyKey, hitFromRow, holderOf, makeDenyEntry, makeDenyTarget, UNREADABLE_HOLD_MS } from '../../src/counters/deny'
import { counterName } from '../../src/counters/keys'
import { observationFor, outcomeDistinct, outcomeForget } from '../../src/counters/metrics'
import { classifyOutcome } from '../../src/counters/outcome'
import { addDelta, emptyDelta, flushDue, loginFailureRatio, MIN_LOGINS_FOR_RATIO, usableRatio, ZONE_POLICY } from '../../src/counters/zone'

const T0 = Date.UTC(2100, 0, 1)

describe('classifyOutcome', () => {
  test.each([
    ['login', 'POST', 200, false, 'login_success'],
    ['login', 'POST', 302, false, 'login_success'],
    ['login', 'POST', 401, false, 'login_failure'],
    ['login', 'POST', 403, false, 'login_failure'],
    ['login', 'POST', 200, true, 'login_failure'],
    ['login', 'POST', 302, true, 'login_failure'],
    ['login', 'POST', 422, true, 'login_failure'],
    ['login', 'POST', 422, false, null],
    ['login', 'POST', 500, false, null],
    ['login', 'POST', 500, true, null],
    ['login', 'POST', 429, false, null],
    ['login', 'POST', 429, true, null],
    ['login', 'GET', 200, false, null],
    ['login', 'GET', 200, true, null],
    ['signup', 'POST', 201, false, 'signup_success'],
    ['signup', 'POST', 201, true, 'signup_failure'],
    ['signup', 'POST', 409, false, 'signup_failure'],
    ['signup', 'POST', 429, false, null],
    ['checkout', 'POST', 200, false, 'checkout_success'],
    ['checkout', 'POST', 200, true, 'checkout_decline'],
    ['checkout', 'POST', 402, false, 'checkout_decline'],
    ['checkout', 'POST', 503, false, null],
    ['cart', 'POST', 200, false, null],
    ['cart', 'POST', 200, true, null],
  ] as const)('%s %s %i (failure marker seen: %s) is %s', (route, method, status, marked, expected) => {
    expect(classifyOutcome(route, method, status, marked)).toBe(expected)
  })
})

describe('observationFor', () => {
  const req = { routeClass: 'login', method: 'POST', ip: '203.0.113.7', user: 'u1', device: null, navigation: false } as const
  it('counts a login attempt and the username on device, IP and prefix keys', () => {
    expect(observationFor('device', req)).toEqual({ bumps: ['requests', 'login_attempts'], distinct: [{ set: 'users', member: 'u1' }] })
    expect(observationFor('prefix', req).distinct).toEqual([{ set: 'users', member: 'u1' }])
  })
  it('counts the IP on the username key', () => {
    expect(observationFor('user', req).distinct).toEqual([{ set: 'ips', member: '203.0.113.7' }])
  })
  it('counts high-risk page visits on any method, and nothing else on a GET', () => {
    expect(observationFor('device', { ...req, routeClass: 'password_reset', method: 'GET' }).bumps).toEqual(['requests', 'high_risk_visits'])
    expect(observationFor('device', { ...req, routeClass: 'login', method: 'GET' })).toEqual({ bumps: ['requests'], distinct: [] })
  })
  it('counts a navigation as a request and a page view, a sub-resource as a request only', () => {
    expect(observationFor('ip', { ...req, method: 'GET', navigation: false }).bumps).toEqual(['requests'])
    expect(observationFor('device', { ...req, method: 'GET', navigation: true }).bumps).toEqual(['requests', 'navigations'])
  })
  it('counts a page read (a GET or HEAD navigation) on the IP key only, and a form submission as no read', () => {
    expect(observationFor('ip', { ...req, method: 'GET', navigation: true }).bumps).toEqual(['requests', 'navigations', 'page_views'])
    expect(observationFor('ip', { ...req, method: 'HEAD', navigation: true }).bumps).toContain('page_views')
    expect(observationFor('ip', { ...req, method: 'POST', navigation: true }).bumps).not.toContain('page_views')
    expect(observationFor('prefix', { ...req, method: 'GET', navigation: true }).bumps).not.toContain('page_views')
  })
  it('adds the valid device to the IP and prefix keys (shared addresses), beside the username', () => {
    const withDevice = { ...req, device: 'dev-1', navigation: true }
    expect(observationFor('ip', withDevice).distinct).toEqual([{ set: 'users', member: 'u1' }, { set: 'devices', member: 'dev-1' }])
    expect(observationFor('prefix', { ...withDevice, method: 'GET' }).distinct).toEqual([{ set: 'devices', member: 'dev-1' }])
    expect(observationFor('device', withDevice).distinct).toEqual([{ set: 'users', member: 'u1' }])
    expect(observationFor('user', withDevice).distinct).toEqual([{ set: 'ips', member: '203.0.113.7' }])
  })
  it("adds the device on a page view only: a page load's sub-resources write no member", () => {
    const subresource = { ...req, device: 'dev-1', method: 'GET', navigation: false }
    expect(observationFor('ip', subresource).distinct).toEqual([])
    expect(observationFor('prefix', subresource).distinct).toEqual([])
  })
  it.each([
    ['cart', 'cart_adds'],
    ['checkout', 'checkouts'],
    ['signup', 'signup_attempts'],
  ] as const)('counts a POST to %s as %s', (routeClass, metric) => {
    expect(observationFor('ip', { ...req, routeClass }).bumps).toContain(metric)
  })
})

describe('what an outcome adds to and takes from the sets', () => {
  it('a refusal adds the username to failed_users; a sign-in takes it back on the client keys, never on the username key', () => {
    expect(outcomeDistinct('ip', 'login_failure', 'u1')).toEqual({ set: 'failed_users', member: 'u1' })
    expect(outcomeForget('ip', 'login_success', 'u1')).toEqual({ set: 'failed_users', member: 'u1' })
    expect(outcomeForget('device', 'login_success', 'u1')).toEqual({ set: 'failed_users', member: 'u1' })
    expect(outcomeForget('user', 'login_success', 'u1')).toBeNull() // no address given
    // The username's key: a refused address goes into failed_ips, and comes out when it gets in.
    expect(outcomeDistinct('user', 'login_failure', 'u1', null, '192.0.2.1')).toEqual({ set: 'failed_ips', member: '192.0.2.1' })
    expect(outcomeDistinct('user', 'login_success', 'u1', 1, '192.0.2.1')).toBeNull()
    expect(outcomeForget('user', 'login_success', 'u1', '192.0.2.1')).toEqual({ set: 'failed_ips', member: '192.0.2.1' })
    expect(outcomeForget('ip', 'login_failure', 'u1')).toBeNull()
    expect(outcomeForget('ip', 'login_success', null)).toBeNull()
  })
})

describe('deny entries', () => {
  it('builds keys that no value can forge by concatenation', () => {
    const a = denyKey({ kind: 'user_ip', user: 'a","b', ip: '1.2.3.4' })
    const b = denyKey({ kind: 'user_ip', user: 'a', ip: 'b","1.2.3.4' })
    expect(a).not.toBe(b)
    expect(counterName('ip', '1.2.3.4')).toBe('["ip","1.2.3.4"]')
  })
  it('expires exactly ttl seconds after now', () => {
    const e = makeDenyEntry({ kind: 'ip', ip: '203.0.113.7' }, 60, 'stuffing', T0)
    expect(e.ok && e.value.expiresAt).toBe(T0 + 60_000)
    const row = { kind: 'ip', reason: 'stuffing', expires_at: T0 + 60_000 }
    expect(hitFromRow(row, 'ip', T0 + 59_999)).not.toBeNull()
    expect(hitFromRow(row, 'ip', T0 + 60_000)).toBeNull()
  })
  test.each([0, -1, 1.5, 31 * 86_400, Number.NaN])('refuses a ttl of %s seconds', (ttl) => {
    expect(makeDenyEntry({ kind: 'device', device: 'd1' }, ttl, '', T0).ok).toBe(false)
  })
  it('fails closed on a stored row it cannot read', () => {
    expect(hitFromRow({ kind: 'bogus', reason: 1, expires_at: 'x' }, 'ip', T0)).toEqual({ kind: 'ip', reason: 'unreadable_entry', expiresAt: T0 + UNREADABLE_HOLD_MS })
  })
  it('canonicalises IPs and keeps username+IP entries with the username', () => {
    expect(canonicalIp('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(canonicalIp('2001:DB8:0:0::1')).toBe('2001:db8::1')
    const t = makeDenyTarget('user_ip', { user: 'abc123', ip: '2001:DB8::1' })
    expect(t.ok && t.value).toEqual({ kind: 'user_ip', user: 'abc123', ip: '2001:db8::1' })
    expect(t.ok && holderOf(t.value)).toEqual({ kind: 'user', value: 'abc123' })
  })
  test.each([
    ['nope', { ip: '1.2.3.4' }],
    ['ip', { ip: 'not-an-ip' }],
    ['device', { device: '' }],
    ['device', { device: 'has space' }],
    ['user_ip', { user: 'u', ip: 'x' }],
  ])('refuses target kind %s with %o', (kind, parts) => {
    expect(makeDenyTarget(kind, parts).ok).toBe(false)
  })
})

describe('zone figures', () => {
  it('reports no ratio below the minimum number of logins', () => {
    expect(loginFailureRatio(MIN_LOGINS_FOR_RATIO - 1, 0)).toBeNull()
    expect(loginFailureRatio(15, 5)).toBe(0.75)
  })
  it('flushes every flushEveryMs, or on a burst, never twice within minGapMs', () => {
    const base = { pendingEvents: 1, lastFlushAt: T0, inflight: false }
    expect(flushDue(base, T0 + ZONE_POLICY.flushEveryMs - 1)).toBe(false)
    expect(flushDue(base, T0 + ZONE_POLICY.flushEveryMs)).toBe(true)
    expect(flushDue({ ...base, pendingEvents: ZONE_POLICY.burstEvents }, T0 + ZONE_POLICY.minGapMs - 1)).toBe(false)
    expect(flushDue({ ...base, pendingEvents: ZONE_POLICY.burstEvents }, T0 + ZONE_POLICY.minGapMs)).toBe(true)
    expect(flushDue({ ...base, inflight: true }, T0 + 60_000)).toBe(false)
  })
  it('ignores junk in a delta and stale figures', () => {
    expect(addDelta(emptyDelta(), { requests: 2.7, new_ips: -3, login_failures: Number.NaN, bogus: 5 })).toEqual({ ...emptyDelta(), requests: 2 })
    const zero = { '1m': 0, '10m': 0, '1h': 0, '24h': 0 }
    const figures = { at: T0, windows: { requests: zero, login_successes: zero, login_failures: zero, new_ips: zero, new_users: zero }, loginFailureRatio10m: 0.5 }
    expect(usableRatio(figures, T0 + ZONE_POLICY.maxFiguresAgeMs)).toBe(0.5)
    expect(usableRatio(figures, T0 + ZONE_POLICY.maxFiguresAgeMs + 1)).toBeNull()
  })
})

describe('admin input', () => {
  it('reads labels as NDJSON or as a JSON array', () => {
    const nd = parseLabels('{"ref":"abc","label":"fraud"}\n\n{"device":"d1","label":"legitimate","note":"ok"}\n')
    expect(nd.ok && nd.value).toEqual([{ ref: 'abc', label: 'fraud' }, { device: 'd1', label: 'legitimate', note: 'ok' }])
    const arr = parseLabels('[{"user":"u1","label":"fraud"}]')
    expect(arr.ok && arr.value).toEqual([{ user: 'u1', label: 'fraud' }])
  })
  test.each([
    ['', 'empty'],
    ['[]', 'empty'],
    ['{"ref":"a","label":"fraud"}\nnot json', 'bad_json'],
    ['{"label":"fraud"}', 'bad_body'],
    ['{"ref":"a","label":"maybe"}', 'bad_body'],
    ['{"ref":"a","label":"fraud","extra":1}', 'bad_body'],
    ['{"ref":"a b","label":"fraud"}', 'bad_body'],
    ['{"a":1}', 'bad_body'],
    ['"x"', 'bad_body'],
    [JSON.stringify(Array.from({ length: MAX_LABELS_PER_POST + 1 }, () => ({ ref: 'a', label: 'fraud' }))), 'too_many'],
  ])('refuses labels %#: %s', (text, reason) => {
    const r = parseLabels(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toBe(reason)
  })
  it('reads a deny add and remove', () => {
    const add = parseDenyAdd({ kind: 'user_ip', value: { user: 'u1', ip: '203.0.113.7' }, ttl_s: 600, reason: 'ato' }, T0)
    expect(add.ok && add.value).toEqual({ target: { kind: 'user_ip', user: 'u1', ip: '203.0.113.7' }, reason: 'ato', createdAt: T0, expiresAt: T0 + 600_000 })
    expect(parseDenyRemove({ kind: 'ip', value: '203.0.113.7' })).toEqual({ ok: true, value: { kind: 'ip', ip: '203.0.113.7' } })
  })
  test.each([
    [null],
    [{ kind: 'ip', value: '1.2.3.4' }],
    [{ kind: 'ip', value: '1.2.3.4', ttl_s: 0 }],
    [{ kind: 'ip', value: '1.2.3.4', ttl_s: '60' }],
    [{ kind: 'ip', value: 'nope', ttl_s: 60 }],
    [{ kind: 'user_ip', value: 'u1', ttl_s: 60 }],
    [{ kind: 'device', value: { user: 'u', ip: '1.2.3.4' }, ttl_s: 60 }],
    [{ kind: 'asn', value: '13335', ttl_s: 60 }],
    [{ kind: 'ip', value: '1.2.3.4', ttl_s: 60, reason: 'x'.repeat(201) }],
    [{ kind: 'ip', value: '1.2.3.4', ttl_s: 60, admin: true }],
  ])('refuses deny body %j', (body) => {
    expect(parseDenyAdd(body, T0).ok).toBe(false)
  })
})
