// Route classification in plain Node: the variants an origin serves as the same login (trailing
// slash, case, format suffixes, a PHP front controller), query-parameter routes, routes_add before
// the defaults, and first match wins.
import { describe, expect, it } from 'vitest'
import { classifyRoute, compileConfig, type CompiledConfig } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { compileRoutePattern, parseQueryParams, queryHolds } from '../../src/config/routePattern'
import { normalisePath } from '../../src/signals/path'

function compiled(over: Record<string, unknown> = {}): CompiledConfig {
  const r = compileConfig({ version: 'routes-test', ...over })
  if (!r.ok) throw new Error(r.detail)
  return r.value
}

/** The way protect() classifies a request: normalised path plus the raw query. */
const classify = (config: CompiledConfig, raw: string): string => {
  const q = raw.indexOf('?')
  return classifyRoute(config, normalisePath(q === -1 ? raw : raw.slice(0, q)), q === -1 ? '' : raw.slice(q))
}

describe('login route variants under the bundled routes', () => {
  const config = compiled()
  it.each([
    '/login', '/login/', '/Login', '/LOGIN/', '/login.json', '/login.php', '/Login.PHP', '/login.aspx', '/login.do', '/login;jsessionid=ABC',
    '/index.php/login', '/signin.html', '/api/login.json', '/login?next=/account',
  ])('%s is login', (path) => {
    expect(classify(config, path)).toBe('login')
  })

  it.each([
    ['/login.js', 'other'], // a script, not the form
    ['/login.css', 'other'],
    ['/loginx', 'other'],
    ['/login/help', 'other'],
    ['/favicon.ico.php', 'other'], // a pattern with its own suffix stays exact
    ['/static/app.php', 'static'],
    ['/password-reset.json', 'password_reset'],
    ['/signup.php', 'signup'],
  ])('%s is %s', (path, cls) => {
    expect(classify(config, path)).toBe(cls)
  })
})

describe('query-parameter routes', () => {
  const config = compiled({ routes_add: [{ class: 'login', pattern: '/index.php?route=account/login' }] })
  it.each([
    ['/index.php?route=account/login', 'login'],
    ['/index.php?route=account%2Flogin', 'login'],
    ['/index.php?language=en&route=Account/Login/', 'login'],
    ['/index.php?Route=account/login', 'login'], // the origin may read either spelling
    ['/index.php?route=home&route=account/login', 'login'], // PHP reads the last one
    ['/index.php?route=account/register', 'other'],
    ['/index.php', 'other'],
    ['/index.php?route=account/loginx', 'other'],
  ])('%s is %s', (path, cls) => {
    expect(classify(config, path)).toBe(cls)
  })

  it('matches a bare parameter by presence and a value by wildcard', () => {
    const present = compileRoutePattern('/auth?sso')
    expect(queryHolds(present, parseQueryParams('?sso'))).toBe(true)
    expect(queryHolds(present, parseQueryParams('?other=1'))).toBe(false)
    const wild = compileRoutePattern('/app?action=login*')
    expect(queryHolds(wild, parseQueryParams('action=login_submit'))).toBe(true)
    expect(queryHolds(wild, null)).toBe(false)
  })
})

describe('routes_add', () => {
  it('puts an added route before the bundled ones without restating them', () => {
    const config = compiled({ routes_add: [{ class: 'login', pattern: '/auth/token' }] })
    expect(classify(config, '/auth/token')).toBe('login')
    expect(classify(config, '/login')).toBe('login')
    expect(classify(config, '/checkout')).toBe('checkout')
    expect(config.routes).toHaveLength(DEFAULT_CONFIG.routes.length + 1)
  })

  it('wins over a route it overlaps (first match wins)', () => {
    const config = compiled({ routes_add: [{ class: 'login', pattern: '/api/session' }] })
    expect(classify(config, '/api/session')).toBe('login')
    expect(classify(config, '/api/products')).toBe('api')
  })

  it('goes before a configured routes list as well', () => {
    const config = compiled({ routes: [{ class: 'api', pattern: '/api/*' }], routes_add: [{ class: 'login', pattern: '/api/auth' }] })
    expect(classify(config, '/api/auth')).toBe('login')
    expect(classify(config, '/login')).toBe('other') // routes replaced the defaults
  })

  it.each([
    [{ routes_add: [{ class: 'login', pattern: 'auth/token' }] }, 'routes_add[0].pattern'],
    [{ routes_add: [{ class: 'signin', pattern: '/auth/token' }] }, 'routes_add[0].class'],
    [{ routes_add: [{ class: 'login', pattern: '/auth?x=a b' }] }, 'routes_add[0].pattern'],
    [{ routes_add: [{ class: 'login', pattern: '/a', extra: 1 }] }, 'routes_add[0].extra'],
    [{ routes_add: { class: 'login', pattern: '/a' } }, 'routes_add'],
    [{ credentials: { json_paths: ['user..email'] } }, 'credentials.json_paths[0]'],
    [{ credentials: { password_fields: [''] } }, 'credentials.password_fields[0]'],
  ])('refuses %j naming %s', (over, path) => {
    const r = compileConfig({ version: 'bad', ...over })
    expect(r.ok).toBe(false)
    expect(r.problems?.some((p) => p.startsWith(`${path}:`)), r.problems?.join('; ')).toBe(true)
  })
})
