// compileConfig: takes untrusted JSON (from KV or the bundle), returns either a
// compiled config (patterns and lists turned into matchers once) or every problem,
// each with its path ("routes[2].pattern: …"). Must not throw on any input.
import type { CrawlerPattern } from '../signals/crawlers/classify'
import * as v from 'valibot'
import { compileCidrSet, type CidrSet } from './cidr'
import { DEFAULT_CONFIG } from './defaults'
import { ConfigSchema, type Config, type Thresholds } from './schema'
import type { RouteClass } from './routeClasses'
import { compileRoutePattern, parseQueryParams, queryHolds, type QueryParams, type RoutePattern } from './routePattern'
import { compileRules } from '../policy/rules/compileRules'
import type { CompiledRule } from '../policy/rules/evaluate'
import type { DisposableLists } from '../signals/email'
import { err, ok, type Result } from '../util/result'

export interface CompiledRoute {
  readonly routeClass: RouteClass
  readonly pattern: RoutePattern
}

export interface CompiledConfig {
  readonly source: Config
  readonly version: string
  readonly routes: readonly CompiledRoute[]
  readonly allowIps: CidrSet
  readonly denyIps: CidrSet
  readonly allowAsns: ReadonlySet<number>
  readonly denyAsns: ReadonlySet<number>
  readonly hostingAsnsExtra: ReadonlySet<number>
  /** email.disposable_extra / disposable_allow, for src/signals/email.ts. */
  readonly disposableLists: DisposableLists
  readonly sdkExclude: readonly RegExp[]
  readonly usernameFields: readonly string[]
  /** Lower-case dotted JSON paths (credentials.json_paths). */
  readonly jsonPaths: readonly string[]
  /** Lower-case names (credentials.password_fields): their presence makes any method an attempt. */
  readonly passwordFields: readonly string[]
  /** Lower-case names (cart.quantity_fields). */
  readonly cartQuantityFields: readonly string[]
  /** Sorted by priority, parsed once here. */
  readonly rules: readonly CompiledRule[]
  /** crawlers.user_agents, compiled (case-insensitive): checked before the bundled crawler table. */
  readonly crawlerPatterns: readonly CrawlerPattern[]
}

export type ConfigProblems = readonly string[]

/** `/api/*` → /^\/api\/.*$/ on the normalised (lower-case) path. Exact: sdk.exclude; routes use compileRoutePattern. */
export function compilePathPattern(pattern: string): RegExp {
  const canonical = pattern.toLowerCase().replace(/\/+$/, '') || '/'
  const body = canonical
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${body}$`)
}

function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = ''
  for (const item of issue.path ?? []) {
    const key = (item as { key?: unknown }).key
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`
  }
  return out === '' ? '(root)' : out
}

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

/**
 * A config written to KV may name only what it changes: objects are merged over the
 * bundled defaults, arrays and values replace them. `version` must always be given.
 */
export function mergeOverDefaults(input: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults }
  for (const [key, value] of Object.entries(input)) {
    const base = Object.hasOwn(defaults, key) ? defaults[key] : undefined
    // defineProperty, not assignment: a JSON key "__proto__" must stay an (unknown, refused) key.
    Object.defineProperty(out, key, {
      value: isPlainObject(value) && isPlainObject(base) ? mergeOverDefaults(value, base) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

export function compileConfig(input: unknown): Result<CompiledConfig, 'invalid_config'> & { problems?: ConfigProblems } {
  const fail = (problems: string[]) => ({ ...err('invalid_config', problems.join('; ')), problems })
  if (!isPlainObject(input)) return fail(['(root): must be a JSON object'])
  if (!('version' in input)) return fail(['version: required (name each config you write, e.g. "2026-11-21.1")'])
  const parsed = v.safeParse(ConfigSchema, mergeOverDefaults(input, DEFAULT_CONFIG as unknown as Record<string, unknown>))
  if (!parsed.success) {
    return fail(parsed.issues.map((i) => `${issuePath(i)}: ${i.message}`))
  }
  const config = parsed.output
  const problems: string[] = []
  const allow = compileCidrSet(config.allow.ips)
  const deny = compileCidrSet(config.deny.ips)
  for (const [i, m] of allow.problems) problems.push(`allow.ips[${i}]: ${m}`)
  for (const [i, m] of deny.problems) problems.push(`deny.ips[${i}]: ${m}`)
  const rules = compileRules(config.rules)
  problems.push(...rules.problems)
  const crawlerPatterns: CrawlerPattern[] = []
  config.crawlers.user_agents.forEach(({ pattern, category }, i) => {
    try {
      crawlerPatterns.push({ re: new RegExp(pattern, 'i'), category })
    } catch {
      problems.push(`crawlers.user_agents[${i}].pattern: not a regular expression`)
    }
  })
  if (problems.length > 0) return fail(problems)

  return ok({
    source: config,
    version: config.version,
    // routes_add goes first: an operator's additions win over the defaults without restating them.
    routes: [...config.routes_add, ...config.routes].map((r) => ({ routeClass: r.class, pattern: compileRoutePattern(r.pattern) })),
    allowIps: allow.set,
    denyIps: deny.set,
    allowAsns: new Set(config.allow.asns),
    denyAsns: new Set(config.deny.asns),
    hostingAsnsExtra: new Set(config.asn.hosting_extra),
    disposableLists: { extra: new Set(config.email.disposable_extra), allow: new Set(config.email.disposable_allow) },
    sdkExclude: config.sdk.exclude.map(compilePathPattern),
    usernameFields: config.credentials.username_fields.map((f) => f.toLowerCase()),
    jsonPaths: config.credentials.json_paths.map((f) => f.toLowerCase()),
    passwordFields: config.credentials.password_fields.map((f) => f.toLowerCase()),
    cartQuantityFields: config.cart.quantity_fields.map((f) => f.toLowerCase()),
    rules: rules.rules,
    crawlerPatterns,
  })
}

/**
 * Route class of a request: the first route (routes_add, then routes) whose pattern matches the
 * normalised path and, where the pattern has a query part, the query string; else `other`.
 */
export function classifyRoute(config: CompiledConfig, normalisedPath: string, rawQuery = ''): RouteClass {
  let query: QueryParams | null | undefined // parsed only when a pattern with a query part needs it
  for (const route of config.routes) {
    if (!route.pattern.path.test(normalisedPath)) continue
    if (route.pattern.query.length > 0) {
      query ??= rawQuery === '' || rawQuery === '?' ? null : parseQueryParams(rawQuery)
      if (!queryHolds(route.pattern, query)) continue
    }
    return route.routeClass
  }
  return 'other'
}

export function thresholdsFor(config: CompiledConfig, routeClass: RouteClass): Thresholds {
  return config.source.thresholds[routeClass] ?? config.source.thresholds.default
}
