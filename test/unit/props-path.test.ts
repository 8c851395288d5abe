// Property tests of path handling in plain Node: normalisePath / isReservedPath / rawPathAndQuery
// and the challenge return path. Arbitrary and adversarial text in; the invariants must hold, nothing throws.
import fc from 'fast-check'
import { describe, expect, it, test } from 'vitest'
import { safeReturnPath } from '../../src/action/returnPath'
import { isReservedPath, normalisePath, rawPathAndQuery, RESERVED_PREFIX } from '../../src/signals/path'

const RUNS = { numRuns: 2000 }

/** Characters that matter to a path parser, percent-escapes (good and broken) included. */
const pathPiece = fc.oneof(
  fc.constantFrom('/', '//', '.', '..', '\\', ';', '?', '#', '%', '%2e', '%2E', '%2f', '%2F', '%5c', '%5C', '%25', '%252f', '%255f', '%00', '%0a', '%zz', '%c3%a9', '%ff', '%e2%80', '\u0000', '\t', ' ', 'A', 'é', 'İ', 'ß', '\ud83d\ude00'),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 6 }),
)
const pathLike = fc.array(pathPiece, { maxLength: 24 }).map((parts) => parts.join(''))
const anyText = fc.oneof(pathLike, fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 200 }))

/** Ways to write one character so that a decoding, lower-casing normaliser reads it back. */
function disguiseChar(c: string): fc.Arbitrary<string> {
  const hex = c.charCodeAt(0).toString(16).padStart(2, '0')
  const options = [fc.constant(c), fc.constant(c.toUpperCase()), fc.constant(`%${hex}`), fc.constant(`%${hex.toUpperCase()}`), fc.constant(`%25${hex}`), fc.constant(`%2525${hex}`)]
  return fc.oneof(...options)
}

/** A slash, as a path parser might still see one. */
const slash = fc.constantFrom('/', '//', '///', '\\', '%2f', '%2F', '%5c', '/./', '/%2e/', '/x/../', '/x/y/%2e%2e/../')

/** `/__edgeward` + a tail, disguised: any case, escapes, extra slashes, dot segments, `;params`. */
const reservedVariant = fc
  .tuple(
    fc.constantFrom('/', '//', '/./', '/a/../', '/%2e/', '\\', '/%2fa/..%2f'),
    fc.tuple(...[...RESERVED_PREFIX.slice(1)].map(disguiseChar)).map((cs) => cs.join('')),
    fc.constantFrom('', ';jsessionid=1', '%3bx'),
    fc.array(fc.tuple(slash, fc.stringMatching(/^[a-z0-9._-]{0,8}$/).filter((s) => !/^\.+$/.test(s))), { maxLength: 4 }),
  )
  .map(([lead, prefix, params, tail]) => `${lead}${prefix}${params}${tail.map(([s, seg]) => `${s}${seg}`).join('')}`)

describe('normalisePath', () => {
  it('never throws and returns a canonical path for any input', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const out = normalisePath(raw)
        expect(out.startsWith('/')).toBe(true)
        expect(out).not.toMatch(/\/\//)
        expect(out).not.toContain('\\')
        expect(out).not.toContain('\u0000')
        expect(out === '/' || !out.endsWith('/')).toBe(true)
        expect(out.toLowerCase()).toBe(out)
        for (const seg of out.split('/').slice(1)) {
          expect(seg === '.' || seg === '..').toBe(false)
          expect(seg).not.toContain(';')
        }
      }),
      RUNS,
    )
  })

  it('reserves every disguise of /__edgeward, whatever follows it', () => {
    fc.assert(
      fc.property(reservedVariant, (raw) => {
        expect(isReservedPath(normalisePath(raw))).toBe(true)
      }),
      RUNS,
    )
  })

  it('does not reserve a path that only mentions the prefix below another segment', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9_-]{1,12}$/), reservedVariant, (first, rest) => {
        fc.pre(!`/${first}`.startsWith(RESERVED_PREFIX) && first !== '..' && first !== '.')
        const out = normalisePath(`/${first}/x${rest}`)
        expect(isReservedPath(out)).toBe(false)
      }),
      RUNS,
    )
  })

  it('says reserved exactly when the normalised path starts with the prefix', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const out = normalisePath(raw)
        expect(isReservedPath(out)).toBe(out.startsWith(RESERVED_PREFIX))
      }),
      RUNS,
    )
  })
})

describe('rawPathAndQuery', () => {
  it('returns what follows the authority, without the fragment, for any URL the platform accepts', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const href = new URL(url).href
        const out = rawPathAndQuery(href)
        expect(out.startsWith('/')).toBe(true)
        expect(out).not.toContain('#')
        const parsed = new URL(href)
        parsed.hash = ''
        expect(out.startsWith(parsed.pathname)).toBe(true)
        expect(parsed.href.replace(/#$/, '')).toBe(`${parsed.origin}${out}`)
      }),
      RUNS,
    )
  })

  it('never throws on text that is not a URL', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(typeof rawPathAndQuery(text)).toBe('string')
      }),
      RUNS,
    )
  })
})

describe('safeReturnPath', () => {
  const BASE = 'https://edgeward.invalid'
  const OTHER = 'https://shop.example.com'

  /** Inputs built to escape: slashes, dots, escapes and schemes in every order. */
  const hostile = fc
    .array(fc.constantFrom('/', '//', '\\', '.', '..', '%2f', '%2F', '%5c', '%2e', '%2e%2e', '%09', '\t', '\n', 'evil.example', '@', ':', 'https:', 'javascript:', '?', '#', ' ', '\u3000', 'a'), { maxLength: 12 })
    .map((parts) => `/${parts.join('')}`)

  it('always returns a same-origin relative path that no later step can turn into another origin', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, anyText), (candidate) => {
        const out = safeReturnPath(candidate)
        expect(out.startsWith('/')).toBe(true)
        expect(out.startsWith('//')).toBe(false)
        expect(out).not.toMatch(/^\/(%2f|%5c)/i)
        expect(out).not.toMatch(/[\u0000-\u001f\u007f\\]/)
        expect(new URL(out, BASE).origin).toBe(BASE)
        expect(new URL(out, OTHER).origin).toBe(OTHER)
      }),
      { numRuns: 5000 },
    )
  })

  // Found by the property above: dot segments used to resolve to a protocol-relative "//host".
  test.each(['/.//evil.example', '/..//evil.example', '/%2e//evil.example', '/a/..//evil.example', '/a/%2e%2e//evil.example', '/a/../%2fevil.example'])(
    'refuses %j, which resolves to another origin or an encoded slash',
    (candidate) => {
      expect(safeReturnPath(candidate)).toBe('/')
    },
  )

  it('is stable: a path it returned is returned unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, anyText), (candidate) => {
        const once = safeReturnPath(candidate)
        expect(safeReturnPath(once)).toBe(once)
      }),
      { numRuns: 5000 },
    )
  })

  it('keeps ordinary same-origin paths and their query', () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,10}$/)
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.option(fc.stringMatching(/^[a-z0-9]{1,5}=[a-z0-9]{0,5}$/), { nil: undefined }), (segs, query) => {
        const path = `/${segs.join('/')}${query === undefined ? '' : `?${query}`}`
        expect(safeReturnPath(path)).toBe(path)
      }),
      RUNS,
    )
  })
})
