// The leaked-credential check's plain parts in Node: range probes, range bodies (padding, garbage),
// the bounded memo, the local range server's format, and the config's range URLs (docs/leaked.md).
import { describe, expect, it, test } from 'vitest'
import { createHash } from 'node:crypto'
import { compileConfig } from '../../src/config/compileConfig'
import { RangeMemo } from '../../src/leaked/memo'
import { leakedHeaderValue, listedIn, pairSecret, parseRangeBody, rangeProbe, sha1Hex } from '../../src/leaked/range'
import { loadPasswordCorpus, subsetCorpus } from '../../src/cli/leaked/corpus'
import { buildRangeIndex, PADDED_LINES, rangeBody } from '../../src/cli/leaked/server'

const nodeSha1 = (s: string): string => createHash('sha1').update(s, 'utf8').digest('hex').toUpperCase()

describe('range probes', () => {
  it('splits the SHA-1 into the 5-hex prefix sent and the 35-hex suffix kept', async () => {
    // Pwned Passwords' own example: "password" is 5BAA6 1E4C9B93F3F0682250B6CF8331B7EE68FD8.
    expect(await rangeProbe('password')).toEqual({ prefix: '5BAA6', suffix: '1E4C9B93F3F0682250B6CF8331B7EE68FD8' })
    for (const s of ['', 'ünïcödé', '😀 spaces ', 'a'.repeat(256)]) expect(await sha1Hex(s)).toBe(nodeSha1(s))
  })

  it('pairs the lower-cased username with the password as typed', () => {
    expect(pairSecret('User@Example.COM', 'PassWord')).toBe('user@example.com:PassWord')
  })
})

describe('parseRangeBody', () => {
  const a = 'A'.repeat(35)
  const b = 'b'.repeat(35)
  it('reads SUFFIX:COUNT lines, CRLF or LF, either case, and drops padding (count 0)', () => {
    const r = parseRangeBody(`${a}:3\r\n${b}:12\r\n${'C'.repeat(35)}:0\n\n`)
    expect(r.ok && [...r.value]).toEqual([[a, 3], [b.toUpperCase(), 12]])
  })

  it('weighs min_count', async () => {
    const probe = await rangeProbe('password')
    const r = parseRangeBody(`${probe.suffix}:5`)
    expect(r.ok && listedIn(r.value, probe, 5)).toBe(true)
    expect(r.ok && listedIn(r.value, probe, 6)).toBe(false)
  })

  test.each([
    ['an HTML page', '<html><body>rate limited</body></html>'],
    ['a short suffix', `${'A'.repeat(34)}:1`],
    ['no count', 'A'.repeat(35)],
    ['a negative count', `${'A'.repeat(35)}:-1`],
    ['JSON', '{"error":"nope"}'],
    ['too many lines', `${'A'.repeat(35)}:1\n`.repeat(10_001)],
  ])('refuses %s as bad_body (missing, never "not leaked")', (_name, body) => {
    expect(parseRangeBody(body)).toMatchObject({ ok: false, reason: 'bad_body' })
  })

  it('reads an empty range as nothing listed', () => {
    expect(parseRangeBody('')).toMatchObject({ ok: true })
  })
})

describe('x-edgeward-leaked', () => {
  test.each([
    [{ password: true, pair: true }, 'pair'],
    [{ password: true, pair: false }, 'password'],
    [{ password: true, pair: null }, 'password'],
    [{ password: false, pair: false }, null],
    [{ password: null, pair: null }, null],
  ] as const)('%o → %s', (facts, value) => {
    expect(leakedHeaderValue(facts)).toBe(value)
  })
})

describe('RangeMemo', () => {
  it('keeps at most its size, the oldest written dropped first, each for its TTL', () => {
    const memo = new RangeMemo<number>(3, 1000)
    for (let i = 0; i < 5; i++) memo.set(`k${i}`, i, 0)
    expect(memo.size).toBe(3)
    expect(memo.get('k0', 0)).toBeUndefined()
    expect(memo.get('k4', 999)).toBe(4)
    expect(memo.get('k4', 1000)).toBeUndefined()
  })
})

describe('the local range server', () => {
  it('serves every corpus password under its prefix, padded to PADDED_LINES with count-0 lines on request', async () => {
    const index = buildRangeIndex(['password', '123456'])
    const probe = await rangeProbe('password')
    const plain = parseRangeBody(rangeBody(index, probe.prefix, false))
    expect(plain.ok && listedIn(plain.value, probe, 1)).toBe(true)
    const padded = rangeBody(index, probe.prefix, true)
    expect(padded.split('\r\n')).toHaveLength(PADDED_LINES)
    const parsed = parseRangeBody(padded)
    expect(parsed.ok && parsed.value.size).toBe(1)
  })

  it('reads the corpus from the package when installed, else the committed subset generated from it', () => {
    const corpus = loadPasswordCorpus()
    expect(corpus.source).toMatch(/^@zxcvbn-ts\/language-common@\d/)
    const subset = subsetCorpus()
    expect(subset.passwords.length).toBe(2000)
    expect(corpus.passwords.slice(0, 2000)).toEqual(subset.passwords)
  })
})

describe('leaked config', () => {
  test.each([
    ['https://api.pwnedpasswords.com'],
    ['https://corpus.internal.example/pwned/'],
    ['http://127.0.0.1:8790'],
    ['http://localhost:8790/pairs'],
  ])('accepts range_url %s', (url) => {
    expect(compileConfig({ version: 'x', leaked: { range_url: url, pair_range_url: url } }).ok).toBe(true)
  })

  test.each([
    ['http to a remote host', { range_url: 'http://corpus.example' }, 'leaked.range_url'],
    ['a query', { range_url: 'https://corpus.example/?key=1' }, 'leaked.range_url'],
    ['not a URL', { pair_range_url: 'corpus' }, 'leaked.pair_range_url'],
    ['a deadline of 0', { deadline_ms: 0 }, 'leaked.deadline_ms'],
    ['a fractional min_count', { min_count: 1.5 }, 'leaked.min_count'],
    ['an unknown key', { url: 'https://x.example' }, 'leaked.url'],
  ])('refuses %s with its path', (_name, leaked, path) => {
    const r = compileConfig({ version: 'x', leaked })
    expect(r.ok).toBe(false)
    expect(r.problems?.some((p) => p.startsWith(`${path}:`))).toBe(true)
  })

  it('is off by default', () => {
    const r = compileConfig({ version: 'x' })
    expect(r.ok && r.value.source.leaked).toEqual({ range_url: null, pair_range_url: null, deadline_ms: 50, min_count: 1 })
  })
})
