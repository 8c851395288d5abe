// Route patterns: takes a configured pattern (`/login`, `/auth/*`, `/index.php?route=account/login`),
// returns a matcher compiled once at config load; matching takes the normalised path and the raw
// query string. Variants an origin commonly serves as the same page match the same pattern (see
// docs/credentials.md, "Route matching"). Pure; never throws on a schema-valid pattern.

export interface QueryCondition {
  /** Parameter name, lower-cased (the request's names are lower-cased too). */
  readonly key: string
  /** Null: the parameter only has to be present. */
  readonly value: RegExp | null
}

export interface RoutePattern {
  readonly path: RegExp
  readonly query: readonly QueryCondition[]
}

/**
 * Format suffixes a framework serves as the same endpoint (`/login.json`, `/login.php`, `/login.do`).
 * Asset suffixes (.js, .css, images) are left out on purpose: `/login.js` is a script, not the form.
 */
export const FORMAT_SUFFIXES = [
  'json', 'xml', 'html', 'htm', 'shtml', 'php', 'php3', 'php4', 'php5', 'php7', 'phtml',
  'asp', 'aspx', 'ashx', 'asmx', 'jsp', 'jspx', 'do', 'action', 'cgi', 'pl', 'py', 'rb', 'cfm',
] as const

const SUFFIX = `(?:\\.(?:${FORMAT_SUFFIXES.join('|')}))?`
/** PHP front controllers serve `/index.php/login` as `/login` (PATH_INFO routing). */
const FRONT_CONTROLLER = '(?:/index\\.php)?'

const escape = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
const wildcard = (s: string): string => s.split('*').map(escape).join('.*')

/** A path pattern as a regexp on the normalised (lower-case, no trailing slash) path. */
function compilePath(pattern: string): RegExp {
  const canonical = pattern.toLowerCase().replace(/\/+$/, '') || '/'
  const lastSegment = canonical.slice(canonical.lastIndexOf('/') + 1)
  const variants = canonical !== '/' && !canonical.startsWith('/index.php') && !canonical.startsWith('*')
  // A suffix only where the pattern names a bare endpoint: `/favicon.ico` and `/static/*` stay exact.
  const suffix = variants && lastSegment !== '' && !lastSegment.includes('.') && !lastSegment.endsWith('*') ? SUFFIX : ''
  return new RegExp(`^${variants ? FRONT_CONTROLLER : ''}${wildcard(canonical)}${suffix}$`)
}

/** `a=b&c` → conditions; values are compared decoded, lower-cased, without a trailing slash. */
function compileQuery(query: string): QueryCondition[] {
  const out: QueryCondition[] = []
  for (const part of query.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const key = safeDecode(eq === -1 ? part : part.slice(0, eq)).toLowerCase()
    const value = eq === -1 ? null : new RegExp(`^${wildcard(comparable(safeDecode(part.slice(eq + 1))))}$`)
    out.push({ key, value })
  }
  return out
}

export function compileRoutePattern(pattern: string): RoutePattern {
  const q = pattern.indexOf('?')
  return q === -1 ? { path: compilePath(pattern), query: [] } : { path: compilePath(pattern.slice(0, q)), query: compileQuery(pattern.slice(q + 1)) }
}

/**
 * True when every query condition holds for at least one of the request's values of that parameter
 * (names compared case-insensitively: `Route=` and `route=` both count, since we cannot know which
 * spelling the origin reads). Other parameters are ignored.
 */
export function queryHolds(p: RoutePattern, query: QueryParams | null): boolean {
  if (p.query.length === 0) return true
  if (query === null) return false
  return p.query.every((c) => (query.get(c.key) ?? []).some((v) => c.value === null || c.value.test(v)))
}

/** The request's query, parsed once per request: lower-cased name → every comparable value. */
export type QueryParams = ReadonlyMap<string, readonly string[]>

export function parseQueryParams(rawQuery: string): QueryParams {
  const out = new Map<string, string[]>()
  const text = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery
  for (const [k, v] of new URLSearchParams(text)) {
    const key = k.toLowerCase()
    const list = out.get(key) ?? []
    list.push(comparable(v))
    out.set(key, list)
  }
  return out
}

const comparable = (value: string): string => value.trim().toLowerCase().replace(/\/+$/, '')

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}
