// Property tests of the rule language in plain Node: parseRule on token soup and on generated
// well-typed rules; evaluation of every rule that parses on random requests. No throw, reasons always.
import fc from 'fast-check'
import { describe, expect, it, test } from 'vitest'
import { FEATURES, FEATURE_COUNT } from '../../src/features/list'
import { RULE_VARIABLES } from '../../src/policy/rules/ast'
import { evaluateRules, type CompiledRule, type RuleContext } from '../../src/policy/rules/evaluate'
import { MAX_RULE_CHARS } from '../../src/policy/rules/lexer'
import { parseRule, typeOf } from '../../src/policy/rules/parse'
import { NO_COUNTER_VALUES } from '../../src/counters/ruleVariables'

type Typed = 'number' | 'string' | 'bool'
const NAMES: Record<Typed, string[]> = { number: [], string: [], bool: [] }
for (const f of FEATURES) NAMES[f.type === 'bool' ? 'bool' : 'number'].push(f.name, f.name.replace('_', '.'))
for (const [name, type] of Object.entries(RULE_VARIABLES)) NAMES[type].push(name, name.toUpperCase())

const stringLiteral = fc.stringMatching(/^[a-z0-9 _.-]{0,12}$/).map((s) => `"${s}"`)
const numberLiteral = fc.oneof(fc.nat({ max: 1000 }).map(String), fc.double({ min: 0, max: 1e6, noNaN: true }).map((x) => String(x)))

/** Well-typed rule text of a given type, built from the grammar. */
const typed = fc.letrec<Record<Typed, string>>((tie) => ({
  number: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberLiteral,
    fc.constantFrom(...NAMES.number),
    fc.tuple(tie('number'), fc.constantFrom('+', '-', '*', '/'), tie('number')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('number').map((a) => `-${a}`),
  ),
  string: fc.oneof(stringLiteral, fc.constantFrom(...NAMES.string)),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('true', 'false', ...NAMES.bool),
    fc.tuple(tie('number'), fc.constantFrom('==', '!=', '<', '<=', '>', '>='), tie('number')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(tie('string'), fc.constantFrom('==', '!='), tie('string')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom(...NAMES.number, ...NAMES.string), fc.constantFrom('==', '!=')).map(([a, op]) => `${a} ${op} missing`),
    fc.tuple(tie('string'), fc.array(stringLiteral, { maxLength: 5 })).map(([a, items]) => `${a} in [${items.join(', ')}]`),
    fc.tuple(tie('number'), fc.array(fc.nat({ max: 99999 }), { maxLength: 5 })).map(([a, items]) => `${a} in [${items.join(', ')}]`),
    fc.tuple(tie('string'), stringLiteral).map(([a, s]) => `${a} contains ${s}`),
    fc.tuple(tie('bool'), fc.constantFrom('and', 'or', 'AND'), tie('bool')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    tie('bool').map((a) => `not (${a})`),
  ),
}))

/** Fragments of the language and of everything around it, in any order. */
const soup = fc
  .array(
    fc.oneof(
      fc.constantFrom('(', ')', '[', ']', ',', '==', '=', '!=', '<', '>=', '+', '-', '*', '/', '"', "'", '\\', '.', 'and', 'or', 'not', 'in', 'contains', 'missing', 'true', '1e999', '0x10', '.5', '1.', 'NaN', 'Infinity', '__proto__', 'constructor', 'toString', 'route', 'risk', 'sdk_webdriver', 'device.failed_logins_10m', '\u0000', '\u2028', '😀', ' '),
      fc.string({ unit: 'binary', maxLength: 8 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(' '))

function randomContext(seed: number[]): RuleContext {
  const features = new Float32Array(FEATURE_COUNT)
  for (let i = 0; i < FEATURE_COUNT; i++) {
    const r = seed[i % seed.length] ?? 0
    features[i] = r % 5 === 0 ? Number.NaN : r % 7 === 0 ? (r % 2) : r / 3
  }
  const s = seed[0] ?? 0
  return {
    features,
    vars: { route: s % 2 ? 'login' : 'other', method: 'POST', path: '/login', country: s % 3 ? null : 'NL', asn: s % 4 ? null : 16509, risk: s % 5 ? 0.5 : null, ua: s % 6 ? 'curl/8' : null, ua_crawler: s % 2 === 0, verified_bot: false, ja3: s % 7 ? null : 'e7d705a3286e19ea42f587b344ee6865', ja4: s % 8 ? null : 't13d1516h2_8daaf6152771_02713d6af862', ua_truncated: s % 3 === 0, credential_attempt: s % 2 === 0, credential_unreadable: s % 4 === 0, credential_conflict: s % 5 === 0, email_disposable: s % 6 === 1, email_aliased: s % 7 === 1, 'credential.leaked_password': s % 3 ? null : s % 2 === 0, 'credential.leaked_pair': s % 5 ? null : s % 2 === 1, device_established: s % 3 === 1, device_unproven: s % 4 ? null : s % 2 === 0, telemetry_seen_devices_1h: s % 5 ? null : s % 4, crowd: s % 6 === 0, app_token: s % 7 === 0, app: s % 7 === 0 ? 'bank-app' : null, session_moved_device: s % 8 ? null : s % 3 === 0, session_moved_country: s % 9 ? null : s % 2 === 0, agent_verified: s % 10 === 0, agent: s % 10 === 0 ? 'Example Agent' : null, crawler: s % 11 === 0 ? 'search_engine' : null, crawler_claimed: s % 11 === 0 ? 'search_engine' : null, crawler_spoofed: s % 12 === 0, robots_disallowed: s % 13 === 0, ...NO_COUNTER_VALUES, 'ip.navigations_1m': s % 9 ? 3 : null, user_key_slow: s % 2 === 1 },
  }
}

const POSITION = /position (\d+)/

describe('parseRule', () => {
  it('never throws on any text, and every refusal is syntax or type with a position inside the text', () => {
    fc.assert(
      fc.property(fc.oneof(soup, fc.string({ unit: 'binary', maxLength: 120 }), typed.bool.map((t) => t.slice(0, Math.floor(t.length / 2)))), (text) => {
        const r = parseRule(text)
        if (r.ok) {
          expect(typeOf(r.value)).toBe('bool')
          return
        }
        expect(['syntax', 'type']).toContain(r.reason)
        if (text.length <= MAX_RULE_CHARS) {
          const at = POSITION.exec(r.detail ?? '')
          expect(at, r.detail).not.toBeNull()
          expect(Number(at?.[1])).toBeGreaterThanOrEqual(1)
          expect(Number(at?.[1])).toBeLessThanOrEqual(text.length + 1)
        }
      }),
      { numRuns: 5000 },
    )
  }, 30_000) // 5,000 texts take ~1.5 s on an idle box; a loaded one (the full suite beside workerd) passed 5 s

  it('accepts every well-typed rule up to the size limit, and evaluates it on any request without throwing', () => {
    fc.assert(
      fc.property(typed.bool, fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 8 }), (text, seed) => {
        fc.pre(text.length <= MAX_RULE_CHARS)
        const r = parseRule(text)
        if (!r.ok && r.detail?.includes('nested deeper')) return
        expect(r.ok ? 'ok' : `${r.reason}: ${r.detail}`).toBe('ok')
        if (!r.ok) return
        const rule: CompiledRule = { name: 'p', expr: r.value, action: 'block', weight: 0.1, priority: 1, denyTtlS: null, denyTarget: 'client', liftByDevice: false }
        const out = evaluateRules([rule], randomContext(seed))
        expect(out.matched.length === 0 || out.matched[0] === 'p').toBe(true)
        expect(out.action).toBe(out.matched.length === 1 ? 'block' : null)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses names that are neither a feature nor a rule variable', () => {
    const known = new Set([...FEATURES.map((f) => f.name), ...Object.keys(RULE_VARIABLES)])
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/).filter((n) => !known.has(n.toLowerCase()) && !['and', 'or', 'not', 'in', 'contains', 'true', 'false', 'missing'].includes(n.toLowerCase()))
    fc.assert(
      fc.property(name, (n) => {
        const r = parseRule(`${n} == ${n}`)
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.detail).toContain('unknown name')
      }),
      { numRuns: 2000 },
    )
  })

  // Object.prototype members are not rule variables: `name in RULE_VARIABLES` used to say they were.
  test.each(['constructor', '__proto__', 'CONSTRUCTOR', 'constructor == constructor', '__proto__ == __proto__', 'not (constructor == 1)'])('refuses %j as an unknown name', (text) => {
    const r = parseRule(text.includes(' ') ? text : `${text} == ${text}`)
    expect(r.ok ? 'accepted' : r.detail).toContain('unknown name')
  })
})
