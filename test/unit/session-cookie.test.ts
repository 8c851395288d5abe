// The session cookie reader and the move test (src/signals/sessionCookie.ts): which cookie is the
// session, what a Set-Cookie line sets (a deletion is no session), and what counts as moved.
import { describe, expect, it } from 'vitest'
import { bindingCookieIn, sessionCookieIn, sessionCookieSet, sessionMove } from '../../src/signals/sessionCookie'

const NOW = Date.UTC(2026, 11, 6, 12)

describe('session cookies', () => {
  it('finds the first configured name present, ignoring empty and oversized values', () => {
    expect(sessionCookieIn('a=1; sid=abc; other=2', ['sid'])).toEqual({ name: 'sid', value: 'abc' })
    expect(sessionCookieIn('sid=; SID=x', ['sid'])).toBeNull()
    expect(sessionCookieIn(`sid=${'x'.repeat(5000)}`, ['sid'])).toBeNull()
    expect(sessionCookieIn('b=2; a=1', ['a', 'b'])).toEqual({ name: 'a', value: '1' })
    expect(sessionCookieIn('sid=1; sid=2', ['sid'])).toEqual({ name: 'sid', value: '1' })
    expect(sessionCookieIn(null, ['sid'])).toBeNull()
    expect(sessionCookieIn('sid=1', [])).toBeNull()
    expect(bindingCookieIn('x=1; __edgeward_sb=p.m')).toBe('p.m')
  })

  it('reads what a Set-Cookie sets, and takes a deletion for none', () => {
    expect(sessionCookieSet(['sid=v1; Path=/; Max-Age=600; HttpOnly'], ['sid'], NOW)).toEqual({ name: 'sid', value: 'v1', maxAgeS: 600 })
    expect(sessionCookieSet([`sid=v2; Expires=${new Date(NOW + 60_000).toUTCString()}`], ['sid'], NOW)).toEqual({ name: 'sid', value: 'v2', maxAgeS: 60 })
    expect(sessionCookieSet(['sid=v3; Path=/'], ['sid'], NOW)).toEqual({ name: 'sid', value: 'v3', maxAgeS: null })
    expect(sessionCookieSet(['sid=gone; Max-Age=0'], ['sid'], NOW)).toBeNull()
    expect(sessionCookieSet(['sid=; Path=/'], ['sid'], NOW)).toBeNull()
    expect(sessionCookieSet(['theme=dark', 'sid=v4'], ['sid'], NOW)).toEqual({ name: 'sid', value: 'v4', maxAgeS: null })
  })

  it('calls a session moved by another device or none, or another country, never by what the binding did not know', () => {
    const bound = { device: 'd1', country: 'NL' }
    expect(sessionMove(bound, { device: 'd1', country: 'NL' })).toEqual({ device: false, country: false })
    expect(sessionMove(bound, { device: 'd2', country: 'NL' })).toEqual({ device: true, country: false })
    expect(sessionMove(bound, { device: null, country: 'VN' })).toEqual({ device: true, country: true })
    expect(sessionMove(bound, { device: 'd1', country: null })).toEqual({ device: false, country: false })
    expect(sessionMove({ device: null, country: null }, { device: 'd9', country: 'VN' })).toEqual({ device: false, country: false })
  })
})
