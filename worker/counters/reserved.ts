// The guard in front of the Worker's own routes (/__edgeward/*): a deny-listed IP gets 403 block,
// a source past its per-family limit gets 429 rate_limit with Retry-After, and admin auth failures
// are counted. Takes the Hono context; answers itself or calls the route. Deny fails closed
// (isolate cache, then the object, then its KV mirror); limits fail open (no count, no limit).
import type { Context, Next } from 'hono'
import { respond } from '../../src/action/respond'
import { cidrSetHas, ipPrefix, parseIp } from '../../src/config/cidr'
import type { CompiledConfig } from '../../src/config/compileConfig'
import { canonicalIp, denyKey } from '../../src/counters/deny'
import { ipCounterKey } from '../../src/counters/ipKey'
import { counterName } from '../../src/counters/keys'
import type { KeySnapshot, Metric } from '../../src/counters/metrics'
import { FAMILY_METRIC, FAMILY_WINDOW, isAdminAuthFailure, limitHit, reservedFamily, type ReservedFamily } from '../../src/counters/reserved'
import type { Decision } from '../../src/policy/decision'
import { BUNDLED_CONFIG, loadConfig } from '../config/load'
import { CONSOLE_PATH, SESSION_COOKIE } from '../console/session'
import { mitigationResponse } from '../pages/render'
import { newRef } from '../privacy'
import type { DenyQuery, ObserveInput } from './Counters'
import { countHeld, flushMsOf } from './client'
import { BACKGROUND_BUDGET_MS, DENY_MIRROR_BUDGET_MS, readDenyMirror, stubOf } from './denyClient'
import { isolateCaches } from './isolate'
import { settleWithin, type Settled } from './settle'

/** What the guard did to a reserved request, for its one decision log line. */
export interface ReservedGuardOutcome {
  readonly decision: Decision
  readonly ref: string
  /** `reserved_limit:collect:ip` or `deny_ip` (the line's detail when enforced; in shadow the route's own detail stays and the reason is in `reasons`). */
  readonly detail: string
}

const outcomes = new WeakMap<Request, ReservedGuardOutcome>()

/** The guard's outcome for a request the reserved app was given, or undefined when it let it through untouched. */
export function reservedGuardOutcome(request: Request): ReservedGuardOutcome | undefined {
  return outcomes.get(request)
}

type C = Context<{ Bindings: Env }>

export async function reservedGuard(c: C, next: Next): Promise<Response | void> {
  const req = c.req.raw
  const path = new URL(req.url).pathname
  const family = reservedFamily(req.method, path)
  if (family === null) return next()
  const now = Date.now()
  // A config that cannot be read leaves the bundled one (its limits; the objects' deny entries still apply).
  const config = await loadConfig(c.env.EDGEWARD_CONFIG, now).then((s) => s.config, () => BUNDLED_CONFIG)
  const ip = canonicalIp(req.headers.get('cf-connecting-ip') ?? '')
  const ipKey = ipCounterKey(ip, config.source.counters.ipv6_prefix_bits)
  // An admin request that carries a credential is counted as an attempt in the same call that reads the
  // count, and judged on the attempts before it: concurrent guesses cannot all be checked before any
  // failure is recorded. One that turns out not to be a failure is taken back after the answer.
  const attempt = family === 'admin' && bearsAdminCredential(req)
  const read = await readSource(c.env, config, family, ipKey, ipPrefix(ip), now, (p) => c.executionCtx.waitUntil(p), attempt)

  // Admin keeps its own door: an operator on a listed address can still lift the entry (token + failure limit guard it).
  const denied = family !== 'admin' && (cidrSetHas(config.denyIps, parseIp(ip)) || read.denied)
  const limitsOn = c.env.EDGEWARD_RESERVED_LIMITS !== 'off'
  const counts = read.attemptCounted ? { ...read.counts, ip: (read.counts.ip ?? 1) - 1 } : read.counts
  const limit = denied || !limitsOn ? null : limitHit(family, counts, config.source.reserved_limits)
  // Enforced in `enforce`; in shadow/off only recorded — except the admin limit, which guards edgeward's own secret.
  const enforce = config.source.mode === 'enforce' || (limit !== null && family === 'admin')
  if (denied || limit !== null) {
    const ref = newRef()
    const reason = denied ? 'deny_ip' : (limit?.reason ?? 'reserved_limit')
    const base = { risk: 0, modelRisk: null, mode: config.source.mode, routeClass: 'other' as const, source: denied ? ('deny_list' as const) : ('rule' as const), reasons: [reason], rules: [] }
    const mitigation: Exclude<Decision, { action: 'allow' }> = denied
      ? { ...base, action: 'block', wouldAction: 'block' }
      : { ...base, action: 'rate_limit', wouldAction: 'rate_limit', retryAfterS: limit?.retryAfterS ?? 60 }
    if (enforce) {
      outcomes.set(req, { decision: mitigation, ref, detail: reason })
      const context = { method: req.method, referer: req.headers.get('referer'), origin: new URL(req.url).origin }
      return mitigationResponse(respond(mitigation, req.headers.get('accept'), ref, path, context), ref)
    }
    outcomes.set(req, { decision: { ...base, action: 'allow', wouldAction: mitigation.action }, ref, detail: reason })
  }
  await next()
  if (family !== 'admin') return
  const failed = isAdminAuthFailure(c.res.status)
  const stub = () => stubOf(c.env.COUNTERS, counterName('ip', ipKey))
  // Counted on arrival and not a failure: taken back. A failure nobody counted on arrival: counted now.
  if (read.attemptCounted && !failed) c.executionCtx.waitUntil(settleWithin([() => stub().takeBack({ now, metric: 'admin_auth_failures' })], BACKGROUND_BUDGET_MS))
  else if (!read.attemptCounted && failed) c.executionCtx.waitUntil(settleWithin([() => stub().record({ now, metric: 'admin_auth_failures' })], BACKGROUND_BUDGET_MS))
}

/**
 * An admin request that presents something to check: a bearer header, a console session cookie, or the
 * console's sign-in form. Each is an attempt a guesser makes; a request without one guesses nothing.
 */
function bearsAdminCredential(req: Request): boolean {
  if (req.headers.has('authorization')) return true
  const path = new URL(req.url).pathname
  if (req.method === 'POST' && path === `${CONSOLE_PATH}/session`) return true
  return (req.headers.get('cookie') ?? '').split(';').some((p) => {
    const [name, ...value] = p.split('=')
    return name?.trim() === SESSION_COOKIE && value.join('=').trim() !== ''
  })
}

interface SourceRead {
  readonly denied: boolean
  readonly counts: { readonly ip: number | null; readonly prefix: number | null }
  /** This request was counted as an admin attempt (its IP key answered the bump). */
  readonly attemptCounted: boolean
}

/**
 * One call per key in parallel within the counters budget: the IP key counts the family's metric
 * and answers its deny entry; the prefix key counts collect too. A standing cached deny hit costs no call.
 */
async function readSource(
  env: Env,
  config: CompiledConfig,
  family: ReservedFamily,
  ipKey: string,
  prefix: string,
  now: number,
  defer: (p: Promise<unknown>) => void,
  adminAttempt = false,
): Promise<SourceRead> {
  const caches = isolateCaches
  const deny: DenyQuery | null = family === 'admin' ? null : { key: denyKey({ kind: 'ip', ip: ipKey }), kind: 'ip' }
  const cached = deny === null ? null : caches.deny.get(deny.key, now)
  if (cached !== null && !cached.due) return { denied: true, counts: { ip: null, prefix: null }, attemptCounted: false }
  const metric = FAMILY_METRIC[family]
  const window = FAMILY_WINDOW[family]
  // A page load's collect follows its page view, whose read this isolate holds: the collect is counted
  // on it and decided on the held view, with no call (the flush takes the count to the objects).
  if (family === 'collect' && cached === null && metric !== null) {
    const flushEveryMs = flushMsOf(env.EDGEWARD_COUNTER_FLUSH_MS, config.source.counters.flush_ms)
    const held = countHeld(env, [{ kind: 'ip', value: ipKey, deny }, { kind: 'prefix', value: prefix, deny: null }], metric, now, { defer, flushEveryMs })
    if (held !== null) {
      const [ip, pre] = held
      return { denied: ip?.deny != null, counts: { ip: ip?.counts[metric][window] ?? null, prefix: pre?.counts[metric][window] ?? null }, attemptCounted: false }
    }
  }
  const bumped: Metric | null = family === 'admin' ? (adminAttempt ? 'admin_auth_failures' : null) : metric
  const input = (counted: boolean, q: DenyQuery | null): ObserveInput => ({ now, bumps: counted && bumped !== null ? [bumped] : [], distinct: [], deny: q })
  const calls: (() => Promise<KeySnapshot>)[] = [() => stubOf(env.COUNTERS, counterName('ip', ipKey)).observe(input(true, deny))]
  if (family === 'collect') calls.push(() => stubOf(env.COUNTERS, counterName('prefix', prefix)).observe(input(true, null)))
  const [ipRead, prefixRead] = await settleWithin(calls, config.source.counters.budget_ms)
  const countOf = (r: Settled<KeySnapshot> | undefined): number | null => {
    if (r?.state !== 'ok') return null
    const m = family === 'admin' ? 'admin_auth_failures' : metric
    return m === null ? null : (r.value.counts[m]?.[window] ?? null)
  }
  let denied = false
  if (deny !== null) {
    if (ipRead?.state === 'ok') {
      denied = ipRead.value.deny !== null
      if (ipRead.value.deny !== null) caches.deny.put(deny.key, ipRead.value.deny, now)
      else caches.deny.clear(deny.key)
    } else if (cached !== null) {
      denied = true // fail closed: a hit we must re-check but cannot keeps denying
    } else {
      const [hit] = await readDenyMirror(env, [deny], now, caches, DENY_MIRROR_BUDGET_MS, defer)
      denied = hit !== null && hit !== undefined
    }
  }
  const ipCount = countOf(ipRead)
  return { denied, counts: { ip: ipCount, prefix: countOf(prefixRead) }, attemptCounted: family === 'admin' && adminAttempt && ipCount !== null }
}
