import { describe, expect, it } from 'vitest'
import { isReservedPath, normalisePath, rawPathAndQuery } from '../../src/signals/path'
import { safeReturnPath } from '../../src/action/returnPath'

describe('path normalisation', () => {
  it.each([
    ['/', '/'],
    ['/Login/', '/login'],
    ['//a///b', '/a/b'],
    ['/a/./b/../c', '/a/c'],
    ['/../../etc', '/etc'],
    ['/%2e%2e/x', '/x'],
    ['/__EDGEWARD%2fhealth', '/__edgeward/health'],
    ['/%255f%255fedgeward', '/__edgeward'],
    ['/a%5cb', '/a/b'],
    ['/login;jsessionid=1', '/login'],
    ['/%zz/%', '/%zz/%'],
    ['/caf%C3%A9', '/café'],
  ])('%s → %s', (raw, norm) => {
    expect(normalisePath(raw)).toBe(norm)
  })

  it('reserves the prefix and anything that starts with it', () => {
    expect(isReservedPath('/__edgeward')).toBe(true)
    expect(isReservedPath('/__edgeward/x')).toBe(true)
    expect(isReservedPath('/__edgewardx')).toBe(true)
    expect(isReservedPath('/x/__edgeward')).toBe(false)
  })

  it('reads the raw path and query from a URL string without the fragment', () => {
    expect(rawPathAndQuery('http://h:1//a/%2e?x=1#f')).toBe('//a/%2e?x=1')
    expect(rawPathAndQuery('http://h')).toBe('/')
  })
})

describe('challenge return paths', () => {
  it.each([
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https:evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    '/%2f/evil.example',
    '/%5cevil.example',
    '/ok\r\nSet-Cookie: x=1',
    '/ok\nx',
    '',
    'relative/path',
    '/' + 'a'.repeat(3000),
  ])('refuses %j', (candidate) => {
    expect(safeReturnPath(candidate)).toBe('/')
  })

  it.each([
    ['/login', '/login'],
    ['/products/7?x=1', '/products/7?x=1'],
    ['/a/../b', '/b'],
  ])('keeps same-origin path %s', (candidate, expected) => {
    expect(safeReturnPath(candidate)).toBe(expected)
  })
})
