// Takes the outcome-marker config and the pure marker checks (src/counters/outcomeMarker.ts);
// checks what a config may say, that an empty section means status codes only, and how a
// header or body marker is matched. Plain Node.
import { describe, expect, it, test } from 'vitest'
import { compileConfig } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { bodyMarkerSeen, headerMarkerSeen, markerFor } from '../../src/counters/outcomeMarker'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

function outcomesOf(outcomes: unknown) {
  const r = compileConfig({ version: 'markers', outcomes })
  if (!r.ok) throw new Error(r.problems?.join('; '))
  return r.value.source.outcomes
}

describe('the outcomes config section', () => {
  it('is empty in the bundled defaults: status codes only on every outcome route', () => {
    const bundled = outcomesOf({})
    // The literal shipped default (compileConfig merges DEFAULT_CONFIG, so comparing with it proves nothing).
    expect(bundled).toEqual({ max_body_bytes: 65536, login: {}, signup: {}, checkout: {} })
    expect(DEFAULT_CONFIG.outcomes).toEqual(bundled)
    for (const route of ['login', 'signup', 'checkout', 'other'] as const) expect(markerFor(bundled, route)).toBeNull()
  })

  it('merges a login marker over the defaults and leaves the other routes alone', () => {
    const o = outcomesOf({ login: { failure_body: 'Invalid password', failure_header: { name: 'X-Login-Result', value: 'failed' } } })
    expect(markerFor(o, 'login')).toEqual({ failure_body: 'Invalid password', failure_header: { name: 'X-Login-Result', value: 'failed' } })
    expect(markerFor(o, 'signup')).toBeNull()
    expect(o.max_body_bytes).toBe(65536)
  })

  test.each([
    ['an unknown marker key', { login: { success_body: 'Welcome' } }, 'outcomes.login.success_body'],
    ['a header name with a space', { login: { failure_header: { name: 'x login' } } }, 'outcomes.login.failure_header.name'],
    ['an empty body marker', { login: { failure_body: '' } }, 'outcomes.login.failure_body'],
    ['an overlong body marker', { login: { failure_body: 'x'.repeat(257) } }, 'outcomes.login.failure_body'],
    ['a body cap below 256 bytes', { max_body_bytes: 10 }, 'outcomes.max_body_bytes'],
    ['a route class without outcomes', { cart: {} }, 'outcomes.cart'],
  ])('rejects %s with its path', (_what, outcomes, path) => {
    const r = compileConfig({ version: 'bad-markers', outcomes })
    expect(r.ok).toBe(false)
    expect(r.problems?.some((p) => p.startsWith(`${path}:`))).toBe(true)
  })
})

describe('matching a marker', () => {
  const headers = (h: Record<string, string>) => new Headers(h)

  it('sees a header marker with no value by the header alone', () => {
    const m = { failure_header: { name: 'x-auth-failed' } }
    expect(headerMarkerSeen(m, headers({ 'X-Auth-Failed': '1' }))).toBe(true)
    expect(headerMarkerSeen(m, headers({ 'x-auth-ok': '1' }))).toBe(false)
  })

  it('sees a header marker value as a case-insensitive part of the header', () => {
    const m = { failure_header: { name: 'location', value: 'error=' } }
    expect(headerMarkerSeen(m, headers({ location: '/login?ERROR=bad_password' }))).toBe(true)
    expect(headerMarkerSeen(m, headers({ location: '/account' }))).toBe(false)
  })

  it('sees a body marker in the bytes read, not in bytes past them', () => {
    const m = { failure_body: 'Invalid username or password' }
    expect(bodyMarkerSeen(m, bytes('<p class="err">Invalid username or password</p>'))).toBe(true)
    expect(bodyMarkerSeen(m, bytes('<p>Welcome back</p>'))).toBe(false)
    expect(bodyMarkerSeen(m, bytes('<p>Invalid username or pass'))).toBe(false)
    expect(bodyMarkerSeen(m, bytes('invalid username or password'))).toBe(false) // exact text
  })

  it('matches a non-ASCII body marker and survives a multi-byte character cut at the cap', () => {
    const m = { failure_body: 'Passwort ungültig' }
    const full = bytes('Fehler: Passwort ungültig ✓')
    expect(bodyMarkerSeen(m, full)).toBe(true)
    expect(bodyMarkerSeen(m, full.subarray(0, full.byteLength - 1))).toBe(true)
  })

  it('sees nothing for a marker that configures neither', () => {
    expect(headerMarkerSeen({}, headers({ 'x-auth-failed': '1' }))).toBe(false)
    expect(bodyMarkerSeen({}, bytes('anything'))).toBe(false)
  })
})
