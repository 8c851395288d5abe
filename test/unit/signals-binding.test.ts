// Binding in plain Node: IP prefixes (/24, /48, IPv4-mapped, garbage) and the short hashes.
import { describe, expect, it, test } from 'vitest'
import { bindingHashes, ipPrefix } from '../../src/signals/binding'
import { readDeviceCookie, deviceSetCookie } from '../../src/signals/deviceCookie'

describe('ipPrefix', () => {
  test.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::/48'],
    ['2001:DB8::1', '2001:db8:0::/48'],
    ['::1', '0:0:0::/48'],
    ['::ffff:198.51.100.7', '198.51.100.0/24'],
    ['[2001:db8:1:2::3]', '2001:db8:1::/48'],
    ['fe80::1%eth0', 'fe80:0:0::/48'],
    ['', 'none'],
    [null, 'none'],
    ['256.1.1.1', 'invalid'],
    ['1.2.3', 'invalid'],
    ['2001:db8::1::2', 'invalid'],
    ['not an ip', 'invalid'],
    ['1:2:3:4:5:6:7:8:9', 'invalid'],
  ])('%s → %s', (ip, prefix) => {
    expect(ipPrefix(ip)).toBe(prefix)
  })
})

describe('bindingHashes', () => {
  it('is stable, short and differs across UA and /24', async () => {
    const a = await bindingHashes('UA', '203.0.113.1')
    expect(a.uaHash).toMatch(/^[\w-]{16}$/)
    expect(await bindingHashes('UA', '203.0.113.250')).toEqual(a)
    expect((await bindingHashes('UA2', '203.0.113.1')).uaHash).not.toBe(a.uaHash)
    expect((await bindingHashes('UA', '203.0.114.1')).ipPrefixHash).not.toBe(a.ipPrefixHash)
  })
})

describe('device cookie header text', () => {
  it('finds the first __edgeward value among others', () => {
    expect(readDeviceCookie('a=1; __edgeward=x.y.z; __edgeward=other')).toBe('x.y.z')
    expect(readDeviceCookie('__edgewardx=1; b=2')).toBeUndefined()
    expect(readDeviceCookie(null)).toBeUndefined()
  })

  it('keeps an oversized value oversized so it reads as too_large', () => {
    expect(readDeviceCookie(`__edgeward=${'a'.repeat(10_000)}`)?.length).toBe(4097)
  })

  it('builds the Set-Cookie line', () => {
    expect(deviceSetCookie('t', 'https://x.test/')).toBe('__edgeward=t; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax')
    expect(deviceSetCookie('t', 'http://localhost:8787/')).toBe('__edgeward=t; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax')
  })
})
