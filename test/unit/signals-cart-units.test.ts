// Takes a cart add's query and body head as the request path peeks them; checks the units it asks
// for in every body an origin reads (form, JSON, multipart, query), 1 when no quantity is named, and
// null when the body cannot be read — never a throw.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CART_UNITS_MAX, cartUnits } from '../../src/signals/cartUnits'

const FIELDS = ['qty', 'quantity']
const bytes = (s: string) => new TextEncoder().encode(s)
const add = (body: string, contentType: string | null = 'application/x-www-form-urlencoded', extra: { query?: string; truncated?: boolean; contentEncoding?: string } = {}) =>
  cartUnits({ query: extra.query ?? '', body: bytes(body), truncated: extra.truncated ?? false, complete: true, contentType, contentEncoding: extra.contentEncoding ?? null }, FIELDS)

describe('cartUnits', () => {
  it('reads a form, JSON (nested, numbers or strings), multipart and the query', () => {
    expect(add('product_id=7&qty=2')).toBe(2)
    expect(add('{"product_id": 7, "quantity": 40}', 'application/json')).toBe(40)
    expect(add('{"items": [{"sku": "a", "qty": "3"}, {"sku": "b", "qty": 5}]}', 'application/json')).toBe(8)
    expect(add('items[0][qty]=4&items[1][Qty]=6')).toBe(10)
    const boundary = 'XyZ'
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="qty"\r\n\r\n12\r\n--${boundary}--\r\n`
    expect(add(multipart, `multipart/form-data; boundary=${boundary}`)).toBe(12)
    expect(add('', null, { query: '?product_id=7&qty=30' })).toBe(30)
    // Every quantity counts: a decoy of one beside the real forty does not hide it.
    expect(add('qty=1&quantity=40')).toBe(41)
  })

  it('reads an add that names no quantity as one unit, and one it cannot read as null', () => {
    expect(add('product_id=7')).toBe(1)
    expect(add('')).toBe(1)
    expect(add('{"qty": 3', 'application/json')).toBeNull() // malformed
    expect(add('qty=3', 'application/x-www-form-urlencoded', { truncated: true })).toBeNull()
    expect(add('qty=3', 'application/x-www-form-urlencoded', { contentEncoding: 'gzip' })).toBeNull()
    expect(add('qty=3', 'text/plain')).toBeNull()
  })

  it('reads an amount that is no count of units as the most it could mean', () => {
    expect(add('qty=-5')).toBe(CART_UNITS_MAX)
    expect(add('qty=2.5')).toBe(CART_UNITS_MAX)
    expect(add('qty=lots')).toBe(CART_UNITS_MAX)
    expect(add('qty=1e12')).toBe(CART_UNITS_MAX)
  })

  it('never throws, and answers a count within bounds or null, for any body', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', null), (body, type) => {
        const units = add(body, type)
        expect(units === null || (Number.isInteger(units) && units >= 0 && units <= CART_UNITS_MAX)).toBe(true)
      }),
    )
  })
})
