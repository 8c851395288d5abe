// base64url: the table encoder against Node's own base64url for every length around a block edge
// and for random bytes (fast-check), and RFC 4648's test vectors.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base64url, base64urlBytes, base64urlText } from '../../src/util/base64url'

describe('base64url', () => {
  it("encodes RFC 4648's vectors without padding", () => {
    const vectors: [string, string][] = [['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy']]
    for (const [text, b64] of vectors) expect(base64urlText(text)).toBe(b64)
  })

  it('uses - and _ where base64 has + and /', () => {
    expect(base64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_')
  })

  it("equals Node's base64url for any bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => base64url(bytes) === Buffer.from(bytes).toString('base64url')), { numRuns: 2000 })
  })

  it('encodes text as its UTF-8 bytes', () => {
    expect(base64urlText('ü€')).toBe(Buffer.from('ü€', 'utf8').toString('base64url'))
  })

  it('decodes what it encodes, and refuses padding, base64 characters and impossible lengths', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => Buffer.from(base64urlBytes(base64url(bytes))!).equals(Buffer.from(bytes))), { numRuns: 1000 })
    for (const bad of ['Zg==', 'a+b/', 'Z', 'Zm9v.', 'Zm 9v']) expect(base64urlBytes(bad)).toBeNull()
  })
})
