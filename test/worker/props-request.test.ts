// Property tests of the Worker's request parsing inside workerd: parseCookies, the Cookie header the origin
// gets and the login-body peek, on random input. Never throws; cookies never leak; bodies stay byte-identical.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { peekBody } from '../../worker/body'
import { cookieHeaderForOrigin, parseCookies } from '../../worker/request'

const name = fc.oneof(fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/), fc.constantFrom('__edgeward', '__Edgeward', '__edgeward_clearance', '__EDGEWARD_x', ' __edgeward', 'session', ''))
const value = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).map((s) => s.replace(/;/g, '')), fc.constantFrom('', '=', 'a=b', '"quoted"', '__edgeward=x'))
const pairs = fc.array(fc.tuple(name, value), { maxLength: 10 })
const header = fc.oneof(
  pairs.map((ps) => ps.map(([n, v]) => `${n}=${v}`).join('; ')),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(';;;', '=;=', ' ; ', '__edgeward', '__edgeward=1', `a=${'b'.repeat(9000)}`, `a=${'b'.repeat(17_000)}`),
)

describe('parseCookies', () => {
  it('never throws, and keeps the first value of each trimmed name', () => {
    fc.assert(
      fc.property(header, (h) => {
        const cookies = parseCookies(h)
        if (h.length > 16 * 1024) {
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

/** A stream that delivers the bytes in the given chunk sizes. */
function chunked(bytes: Uint8Array, sizes: readonly number[]): ReadableStream<Uint8Array> {
  let offset = 0
  let i = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close()
      const n = Math.max(1, sizes[i++ % Math.max(1, sizes.length)] ?? 1)
      controller.enqueue(bytes.slice(offset, offset + n))
      offset += n
    },
  })
}

describe('peekBody', () => {
  it('hands the origin every byte unchanged and keeps at most the cap for the username', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3000 }), async (bytes, sizes, cap) => {
        const peeked = await peekBody(chunked(bytes, sizes), cap)
        expect(peeked.head).toEqual(bytes.slice(0, cap))
        expect(peeked.truncated).toBe(bytes.byteLength > cap)
        expect(new Uint8Array(await new Response(peeked.forOrigin).arrayBuffer())).toEqual(bytes)
      }),
      { numRuns: 300 },
    )
  })
})
