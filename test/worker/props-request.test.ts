// Property tests of the Worker's request parsing inside workerd: parseCookies and the Cookie header the
// origin gets (cookieHeaderForOrigin) on random headers. Never throws; edgeward's cookies never leak.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cookieHeaderForOrigin, parseCookies } from '../../worker/request'

const name = fc.oneof(fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/), fc.constantFrom('__edgeward', '__Edgeward', '__edgeward_clearance', '__EDGEWARD_x', ' __edgeward', 'session', ''))
const value = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).map((s) => s.replace(/;/g, '')), fc.constantFrom('', '=', 'a=b', '"quoted"', '__edgeward=x'))
const pairs = fc.array(fc.tuple(name, value), { maxLength: 10 })
const header = fc.oneof(
  pairs.map((ps) => ps.map(([n, v]) => `${n}=${v}`).join('; ')),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(';;;', '=;=', ' ; ', '__edgeward', '__edgeward=1', `a=${'b'.repeat(9000)}`),
)

describe('parseCookies', () => {
  it('never throws, and keeps the first value of each trimmed name', () => {
    fc.assert(
      fc.property(header, (h) => {
        const cookies = parseCookies(h)
        if (h.length > 8192) {
          expect(cookies.size).toBe(0)
          return
        }
        const first = new Map<string, string>()
        for (const part of h.split(';')) {
          const eq = part.indexOf('=')
          if (eq <= 0) continue
          const n = part.slice(0, eq).trim()
          if (!first.has(n)) first.set(n, part.slice(eq + 1).trim())
        }
        expect(cookies).toEqual(first)
      }),
      { numRuns: 3000 },
    )
  })
})

describe('the Cookie header the origin gets', () => {
  it('never carries an __edgeward* cookie and keeps every other pair in order', () => {
    fc.assert(
      fc.property(header, (h) => {
        const out = cookieHeaderForOrigin(h)
        const kept = h.split(';').filter((p) => !p.trim().toLowerCase().startsWith('__edgeward'))
        if (out === null) {
          expect(kept.length).toBe(0)
          return
        }
        for (const part of out.split(';')) expect(part.trim().toLowerCase().startsWith('__edgeward')).toBe(false)
        expect(out).toBe(kept.join(';').trim())
      }),
      { numRuns: 3000 },
    )
  })
})
