import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { classifyRoute, compileConfig, compilePathPattern, thresholdsFor } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'

const dir = join(import.meta.dirname, '../fixtures/configs')
const load = (sub: string) =>
  readdirSync(join(dir, sub))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, sub, f), 'utf8'))] as const)
const expectedPaths = JSON.parse(readFileSync(join(dir, 'expected-paths.json'), 'utf8')) as Record<string, string>

describe('config validation', () => {
  it.each(load('good'))('accepts good/%s', (_name, json) => {
    const r = compileConfig(json)
    expect(r.ok ? 'ok' : r.detail).toBe('ok')
  })

  it.each(load('bad'))('rejects bad/%s naming the path of the problem', (name, json) => {
    const r = compileConfig(json)
    expect(r.ok).toBe(false)
    expect(r.problems?.some((p) => p.startsWith(`${expectedPaths[name]}:`))).toBe(true)
  })

  it('names the rule and the position when a rule does not parse', () => {
    const r = compileConfig(Object.fromEntries(load('bad'))['rule-when-syntax'])
    expect(r.problems).toEqual(['rules[0].when: rule "block_broken_login_rule": the rule ends too early at position 10'])
  })

  it('has an expected path for every bad fixture', () => {
    expect(Object.keys(expectedPaths).sort()).toEqual(load('bad').map(([n]) => n).sort())
  })

  it('reports every problem, not just the first', () => {
    const r = compileConfig({ ...DEFAULT_CONFIG, mode: 'x', log: { ip: 'raw', features: 1 } })
    expect(r.problems?.length).toBeGreaterThanOrEqual(3)
  })

  it('never throws on hostile input', () => {
    for (const input of [null, undefined, 0, '', 'config', [], {}, { version: {} }, Object.create(null)]) {
      expect(compileConfig(input).ok).toBe(false)
    }
  })

  it('the bundled defaults are a good config in mode enforce', () => {
    const r = compileConfig(DEFAULT_CONFIG)
    expect(r.ok && r.value.source.mode).toBe('enforce')
  })
})

describe('route classes', () => {
  const r = compileConfig(DEFAULT_CONFIG)
  if (!r.ok) throw new Error('defaults invalid')
  const config = r.value

  it.each([
    ['/login', 'login'],
    ['/signup', 'signup'],
    ['/password-reset', 'password_reset'],
    ['/account', 'account'],
    ['/profile', 'profile'],
    ['/transfer', 'transfer'],
    ['/checkout', 'checkout'],
    ['/cart', 'cart'],
    ['/api/products', 'api'],
    ['/static/app.css', 'static'],
    ['/products/7', 'other'],
    ['/', 'other'],
  ] as const)('classifies %s as %s', (path, cls) => {
    expect(classifyRoute(config, path)).toBe(cls)
  })

  it('falls back to the default thresholds for classes without their own', () => {
    expect(thresholdsFor(config, 'other')).toEqual(DEFAULT_CONFIG.thresholds.default)
    expect(thresholdsFor(config, 'login')).toEqual(DEFAULT_CONFIG.thresholds.login)
  })

  it('compiles * as a wildcard and escapes everything else', () => {
    expect(compilePathPattern('/api/*').test('/api/a/b')).toBe(true)
    expect(compilePathPattern('/a.b').test('/axb')).toBe(false)
    expect(compilePathPattern('/Login/').test('/login')).toBe(true)
  })
})

describe('partial configs', () => {
  it('merges a partial config over the bundled defaults', () => {
    const r = compileConfig({ version: 'v2', mode: 'shadow', thresholds: { login: { challenge: 0.3, block: 0.9 } } })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.source.mode).toBe('shadow')
    expect(r.value.source.thresholds.login).toEqual({ challenge: 0.3, block: 0.9 })
    expect(r.value.source.thresholds.default).toEqual(DEFAULT_CONFIG.thresholds.default)
    expect(r.value.routes.length).toBe(DEFAULT_CONFIG.routes.length)
  })

  it('replaces arrays instead of merging them', () => {
    const r = compileConfig({ version: 'v3', routes: [{ class: 'login', pattern: '/auth' }] })
    expect(r.ok && r.value.routes.length).toBe(1)
  })
})

describe('deny_on_block', () => {
  it('keeps the bundled min_requests_1m when a config sets only min_risk and ttl_s', () => {
    const r = compileConfig({ version: 'x', deny_on_block: { min_risk: 0.99, ttl_s: 60 } })
    expect(r.ok && r.value.source.deny_on_block).toEqual({ min_risk: 0.99, ttl_s: 60, min_requests_1m: 3 })
  })
})

describe('prototype keys', () => {
  it.each(['{"version":"x","__proto__":{"mode":"off"}}', '{"version":"x","log":{"__proto__":{"ip":"hashed"}}}', '{"version":"x","constructor":{}}'])(
    'refuses %s instead of ignoring it',
    (text) => {
      const r = compileConfig(JSON.parse(text))
      expect(r.ok).toBe(false)
    },
  )
})
