// The edits behind `npm run config`: version bumps, mode switches that keep the rest, routes
// added before the defaults, and every write validated with the real schema.
import { describe, expect, it } from 'vitest'
import { applyEdit, nextVersion, parseStored } from '../../src/cli/configEdit'

const TODAY = '2026-12-05'

describe('nextVersion', () => {
  it.each([
    [null, '2026-12-05.1'],
    ['first', '2026-12-05.1'],
    ['2026-12-05.1', '2026-12-05.2'],
    ['2026-12-05.41', '2026-12-05.42'],
    ['2026-12-04.9', '2026-12-05.1'],
  ])('after %s is %s', (previous, next) => {
    expect(nextVersion(previous, TODAY)).toBe(next)
  })
})

describe('applyEdit', () => {
  it('switches to shadow from nothing stored, with a fresh version', () => {
    const r = applyEdit({}, { kind: 'mode', mode: 'shadow' }, TODAY)
    expect(r).toMatchObject({ ok: true, config: { mode: 'shadow', version: '2026-12-05.1' } })
  })

  it('switches mode and keeps every other field of the stored config', () => {
    const stored = { version: '2026-12-05.3', mode: 'shadow', allow: { ips: ['192.0.2.0/24'], asns: [] } }
    const r = applyEdit(stored, { kind: 'mode', mode: 'enforce' }, TODAY)
    expect(r).toMatchObject({ ok: true, config: { ...stored, mode: 'enforce', version: '2026-12-05.4' } })
  })

  it('adds a route to routes_add once, keeping routes the config already adds', () => {
    const stored = { version: 'v', routes_add: [{ class: 'login', pattern: '/auth/token' }] }
    const again = applyEdit(stored, { kind: 'add-route', routeClass: 'login', pattern: '/auth/token' }, TODAY)
    expect(again.ok && again.config.routes_add).toEqual([{ class: 'login', pattern: '/auth/token' }])
    const more = applyEdit(stored, { kind: 'add-route', routeClass: 'signup', pattern: '/register' }, TODAY)
    expect(more.ok && more.config.routes_add).toEqual([{ class: 'login', pattern: '/auth/token' }, { class: 'signup', pattern: '/register' }])
  })

  it('registers an app with its public key (a private JWK given by mistake is cut to the public part), and re-keys it', () => {
    const x = 'a'.repeat(43)
    const r = applyEdit({ version: 'v' }, { kind: 'add-app', id: 'bank-ios', publicKey: { kty: 'OKP', crv: 'Ed25519', x, d: 'secret-part' } }, TODAY)
    expect(r.ok && r.config.apps).toEqual([{ id: 'bank-ios', public_key: { kty: 'OKP', crv: 'Ed25519', x } }])
    const rekeyed = applyEdit(r.ok ? r.config : {}, { kind: 'add-app', id: 'bank-ios', publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'b'.repeat(43) } }, TODAY)
    expect(rekeyed.ok && rekeyed.config.apps).toEqual([{ id: 'bank-ios', public_key: { kty: 'OKP', crv: 'Ed25519', x: 'b'.repeat(43) } }])
    const rsa = applyEdit({}, { kind: 'add-app', id: 'bank-ios', publicKey: { kty: 'RSA', n: 'x', e: 'AQAB' } }, TODAY)
    expect(!rsa.ok && rsa.problems[0]).toMatch(/^apps\[0\]\.public_key/)
  })

  it.each([
    ['an unknown class', { kind: 'add-route', routeClass: 'logon', pattern: '/x' }, /^class: "logon" is not one of/],
    ['a pattern without a leading slash', { kind: 'add-route', routeClass: 'login', pattern: 'auth' }, /^routes_add\[0\]\.pattern: /],
    ['a bad mode in a whole config', { kind: 'set', json: { version: 'x', mode: 'sideways' } }, /^mode: /],
    ['a rule that does not parse', { kind: 'set', json: { version: 'x', rules: [{ name: 'r', when: 'route ==', action: 'block' }] } }, /^rules\[0\]\.when: /],
    ['an array', { kind: 'set', json: [] }, /^\(root\): must be a JSON object/],
  ] as const)('refuses %s, naming the path', (_what, edit, problem) => {
    const r = applyEdit({}, edit, TODAY)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.problems[0]).toMatch(problem)
  })

  it('gives a whole config without a version a fresh one, and keeps the version it names', () => {
    expect(applyEdit({ version: '2026-12-05.2' }, { kind: 'set', json: { mode: 'off' } }, TODAY)).toMatchObject({ ok: true, config: { version: '2026-12-05.3', mode: 'off' } })
    expect(applyEdit({}, { kind: 'set', json: { version: 'mine', mode: 'off' } }, TODAY)).toMatchObject({ ok: true, config: { version: 'mine' } })
  })
})

describe('parseStored', () => {
  it('reads nothing stored as an empty config and refuses text that is not a JSON object', () => {
    expect(parseStored(null)).toEqual({ ok: true, value: {} })
    expect(parseStored('{ not json').ok).toBe(false)
    expect(parseStored('[1]').ok).toBe(false)
  })
})
