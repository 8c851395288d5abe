// Property tests of compileConfig in plain Node: arbitrary JSON never throws and every refusal names
// the path of each problem; generated valid configs compile, and their patterns match what they say.
import fc from 'fast-check'
import { describe, expect, it, test } from 'vitest'
import { parseCidr } from '../../src/config/cidr'
import { classifyRoute, compileConfig, compilePathPattern } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { ROUTE_CLASSES } from '../../src/config/routeClasses'
import { IP_LOG_MODES, MODES } from '../../src/config/schema'

/** "path: message", where path is (root) or a dotted/indexed field path. */
const PROBLEM = /^(\(root\)|[a-z_]+(\.[a-z_]+|\[\d+\])*|[a-z_]+(\.[a-z_]+|\[\d+\])*\.[^:\s]+): ./

function expectRefusedWithPaths(r: ReturnType<typeof compileConfig>): void {
  expect(r.ok).toBe(false)
  if (r.ok) return
  expect(r.reason).toBe('invalid_config')
  expect(r.problems?.length ?? 0).toBeGreaterThan(0)
  for (const p of r.problems ?? []) expect(p).toMatch(PROBLEM)
}

const probability = fc.double({ min: 0, max: 1, noNaN: true })
const thresholds = fc.tuple(probability, probability).map(([a, b]) => ({ challenge: Math.min(a, b), block: Math.max(a, b) }))
const patternChar = fc.constantFrom(...'abcxyz0129-._~!$&\'()+,;=:@%*'.split(''))
const segment = fc.array(patternChar, { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''))
const pattern = fc.array(segment, { maxLength: 4 }).map((segs) => `/${segs.join('/')}`)
const cidr = fc.oneof(
  fc.ipV4(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, bits]) => `${ip}/${bits}`),
  fc.ipV6(),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, bits]) => `${ip}/${bits}`),
)
const asn = fc.integer({ min: 0, max: 4294967295 })

/** A partial config an operator might write: only some sections, always a version. */
const validConfig = fc.record(
  {
    version: fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
    mode: fc.constantFrom(...MODES),
    routes: fc.array(fc.record({ class: fc.constantFrom(...ROUTE_CLASSES), pattern }), { maxLength: 10 }),
    thresholds: fc.record({ default: thresholds, login: thresholds, checkout: thresholds }, { requiredKeys: ['default'] }),
    allow: fc.record({ ips: fc.array(cidr, { maxLength: 5 }), asns: fc.array(asn, { maxLength: 5 }) }),
    deny: fc.record({ ips: fc.array(cidr, { maxLength: 5 }), asns: fc.array(asn, { maxLength: 5 }) }),
    log: fc.record({ ip: fc.constantFrom(...IP_LOG_MODES), features: fc.boolean() }),
    counters: fc.record({ budget_ms: fc.integer({ min: 1, max: 1000 }) }),
    credentials: fc.record({ username_fields: fc.array(fc.stringMatching(/^[a-z_]{1,20}$/), { maxLength: 5 }), max_body_bytes: fc.integer({ min: 256, max: 1_048_576 }) }),
  },
  { requiredKeys: ['version'] },
)

describe('compileConfig', () => {
  it('never throws on arbitrary values, and names a path for every problem', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true, withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }), (input) => {
        const r = compileConfig(input)
        if (!r.ok) expectRefusedWithPaths(r)
      }),
      { numRuns: 2000 },
    )
  })

  it('compiles every valid partial config, merged over the defaults', () => {
    fc.assert(
      fc.property(validConfig, (config) => {
        const r = compileConfig(config)
        expect(r.ok ? 'ok' : r.detail).toBe('ok')
        if (!r.ok) return
        expect(r.value.version).toBe(config.version)
        expect(r.value.routes.length).toBe((config.routes ?? DEFAULT_CONFIG.routes).length)
        expect(r.value.denyIps.size).toBe(config.deny?.ips.length ?? 0)
        expect(r.value.source.counters.budget_ms).toBe(config.counters?.budget_ms ?? DEFAULT_CONFIG.counters.budget_ms)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses a valid config with one field set to a wrong value, naming that field', () => {
    const wrong = fc.constantFrom<readonly [string, (c: Record<string, unknown>) => Record<string, unknown>]>(
      ['mode', (c) => ({ ...c, mode: 'enforcing' })],
      ['thresholds.default', (c) => ({ ...c, thresholds: { default: { challenge: 0.9, block: 0.1 } } })],
      ['thresholds.default.block', (c) => ({ ...c, thresholds: { default: { challenge: 0.1, block: 1.5 } } })],
      ['counters.budget_ms', (c) => ({ ...c, counters: { budget_ms: 0 } })],
      ['routes[0].pattern', (c) => ({ ...c, routes: [{ class: 'login', pattern: 'login' }] })],
      ['routes[0].class', (c) => ({ ...c, routes: [{ class: 'admin', pattern: '/x' }] })],
      ['deny.ips[0]', (c) => ({ ...c, deny: { ips: ['300.1.1.1'], asns: [] } })],
      ['allow.asns[0]', (c) => ({ ...c, allow: { ips: [], asns: [-1] } })],
      ['log.ip', (c) => ({ ...c, log: { ip: 'raw', features: true } })],
      ['version', (c) => ({ ...c, version: 'has space' })],
      ['rules[0].name', (c) => ({ ...c, rules: [{ name: 'Bad Name', when: 'x' }] })],
    )
    fc.assert(
      fc.property(validConfig, wrong, (config, [path, change]) => {
        const r = compileConfig(change(config))
        expectRefusedWithPaths(r)
        expect(r.problems?.some((p) => p.startsWith(`${path}:`))).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  test.each([
    ['__proto__ holding a mode', '{"version":"p1","__proto__":{"mode":"off"}}'],
    ['__proto__ holding an unknown key', '{"version":"p2","__proto__":{"evil":true}}'],
    ['constructor', '{"version":"p3","constructor":{"prototype":{"mode":"off"}}}'],
    ['nested __proto__', '{"version":"p4","log":{"__proto__":{"ip":"hashed"}}}'],
  ])('does not let %s change the compiled config or Object.prototype', (_name, text) => {
    const r = compileConfig(JSON.parse(text))
    expect(({} as Record<string, unknown>).mode).toBeUndefined()
    expect(({} as Record<string, unknown>).evil).toBeUndefined()
    if (r.ok) {
      expect(r.value.source.mode).toBe(DEFAULT_CONFIG.mode)
      expect(r.value.source.log.ip).toBe(DEFAULT_CONFIG.log.ip)
    } else expectRefusedWithPaths(r)
  })
})

describe('path patterns', () => {
  it('compile for any text, and a pattern without * matches exactly its own lower-cased path', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 60 }), (p, other) => {
        const re = compilePathPattern(p)
        if (p.includes('*')) return
        const canonical = p.toLowerCase().replace(/\/+$/, '') || '/'
        expect(re.test(canonical)).toBe(true)
        if (other.toLowerCase() !== canonical) expect(re.test(other.toLowerCase())).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it('classifies any path into a known route class without throwing', () => {
    const compiled = compileConfig(DEFAULT_CONFIG)
    if (!compiled.ok) throw new Error('defaults')
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (path) => {
        expect(ROUTE_CLASSES).toContain(classifyRoute(compiled.value, path))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('IP ranges', () => {
  it('parses or refuses any text with a reason, never throwing', () => {
    fc.assert(
      fc.property(fc.oneof(cidr, fc.string({ maxLength: 50 }), fc.tuple(fc.ipV4(), fc.integer({ min: -5, max: 200 })).map(([ip, b]) => `${ip}/${b}`)), (text) => {
        const r = parseCidr(text)
        if (!r.ok) expect(r.reason).toBe('bad_ip')
      }),
      { numRuns: 2000 },
    )
  })

  it('accepts every address and range the generators make', () => {
    fc.assert(
      fc.property(cidr, (text) => {
        expect(parseCidr(text).ok).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })
})
