// The session cookie reader and the move test (src/signals/sessionCookie.ts): which cookie is the
// session, what a Set-Cookie line sets (a deletion is no session), and what counts as moved.
import { describe, expect, it } from 'vitest'
import { bindingCookieIn, canonicalCookieValue, sessionCookiesIn, sessionCookieSet, sessionMove } from '../../src/signals/sessionCookie'

const NOW = Date.UTC(2026, 11, 6, 12)

describe('session cookies', () => {
  it('reads every configured session value, canonical as an origin reads it, skipping empty and oversized ones', () => {
    expect(sessionCookiesIn('a=1; sid=abc; other=2', ['sid'])).toEqual(['abc'])
    expect(sessionCookiesIn('sid=; SID=x', ['sid'])).toEqual([])
    expect(sessionCookiesIn(`sid=${'x'.repeat(5000)}`, ['sid'])).toEqual([])
    expect(sessionCookiesIn('b=2; a=1', ['a', 'b'])).toEqual(['2', '1'])
    // Two values of one name (a decoy before the stolen one): both are judged.
    expect(sessionCookiesIn('sid=junk; sid=stolen; sid=junk', ['sid'])).toEqual(['junk', 'stolen'])
    // Quoted or %-escaped, a value is the one the origin's parser reads.
    expect(sessionCookiesIn('sid="abc/def"', ['sid'])).toEqual(['abc/def'])
    expect(sessionCookiesIn('sid=abc%2Fdef', ['sid'])).toEqual(['abc/def'])
    expect(sessionCookiesIn('sid=%E0%A4%A', ['sid'])).toEqual(['%E0%A4%A'])
    expect(sessionCookiesIn(null, ['sid'])).toEqual([])
    expect(sessionCookiesIn('sid=1', [])).toEqual([])
    expect(bindingCookieIn('x=1; __edgeward_sb=p.m')).toBe('p.m')
    expect(canonicalCookieValue('"v"')).toBe('v')
  })

  it('reads what a Set-Cookie sets, and takes a deletion for none', () => {
    expect(sessionCookieSet(['sid=v1; Path=/; Max-Age=600; HttpOnly'], ['sid'], NOW)).toEqual({ name: 'sid', value: 'v1', maxAgeS: 600 })
    expect(sessionCookieSet([`sid=v2; Expires=${new Date(NOW + 60_000).toUTCString()}`], ['sid'], NOW)).toEqual({ name: 'sid', value: 'v2', maxAgeS: 60 })
    expect(sessionCookieSet(['sid=v3; Path=/'], ['sid'], NOW)).toEqual({ name: 'sid', value: 'v3', maxAgeS: null })
    expect(sessionCookieSet(['sid=gone; Max-Age=0'], ['sid'], NOW)).toBeNull()
    expect(sessionCookieSet(['sid=; Path=/'], ['sid'], NOW)).toBeNull()
    expect(sessionCookieSet(['theme=dark', 'sid=v4'], ['sid'], NOW)).toEqual({ name: 'sid', value: 'v4', maxAgeS: null })
    expect(sessionCookieSet(['sid="v%2F5"; Path=/'], ['sid'], NOW)).toEqual({ name: 'sid', value: 'v/5', maxAgeS: null })
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
