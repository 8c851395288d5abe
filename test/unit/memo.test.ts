// Takes the per-isolate memo (src/util/memo.ts) and the parsers memoised with it; checks that an
// answer is computed once per key while held, that the least recently used key goes first at the
// cap, and that the memoised address parsers answer as before for every spelling tried.
import { describe, expect, it } from 'vitest'
import { IP_MEMO_SIZE, parseIp } from '../../src/config/cidr'
import { ipCounterKey } from '../../src/counters/ipKey'
import { memoize } from '../../src/util/memo'

describe('memoize', () => {
  it('computes once per key while held, and drops the least recently used at the cap', () => {
    const computed: string[] = []
    const m = memoize(2, (k) => (computed.push(k), k.length))
    expect([m('a'), m('bb'), m('a')]).toEqual([1, 2, 1])
    expect(computed).toEqual(['a', 'bb'])
    m('ccc') // full: 'bb' was used least recently
    expect(m.size()).toBe(2)
    m('a')
    m('bb')
    expect(computed).toEqual(['a', 'bb', 'ccc', 'bb'])
  })

  it('computes a key longer than its cap every time and keeps none of it', () => {
    const m = memoize(8, (k) => k.length, 4)
    expect([m('12345'), m('12345')]).toEqual([5, 5])
    expect(m.size()).toBe(0)
  })
})

describe('memoised address parsers', () => {
  it('answer every spelling as the parser does, and stay within their cap', () => {
    expect(parseIp('203.0.113.7')?.toString()).toBe('203.0.113.7')
    expect(parseIp('::ffff:203.0.113.7')?.toString()).toBe('203.0.113.7')
    expect(parseIp('not an ip')).toBeUndefined()
    expect(ipCounterKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64')
    expect(ipCounterKey('2001:db8:1:2:3:4:5:6', 48)).toBe('2001:db8:1::/48')
    expect(ipCounterKey('2001:db8:1:2:3:4:5:6', 128)).toBe('2001:db8:1:2:3:4:5:6')
    expect(ipCounterKey(' 198.51.100.9 ')).toBe('198.51.100.9')
    expect(ipCounterKey('garbage')).toBe('garbage')
    for (let i = 0; i < IP_MEMO_SIZE + 50; i++) parseIp(`10.0.${i >> 8}.${i & 255}`)
    expect(parseIp.size()).toBe(IP_MEMO_SIZE)
  })
})
