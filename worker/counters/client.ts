// The counters client on the request path: one call per journey key, in parallel, that
// counts and reads back; outcomes after the response; deny entries. Takes bindings (any
// namespace-like, so tests can inject misbehaving stubs), keys and the caller's time.
// Never rejects, never retries; past the budget the read is `missing`. Deny fails closed:
// an entry whose object cannot answer is looked up in its KV mirror (see DENY_MIRROR_PREFIX).
import { canonicalIp, denyKey, hitFromRow, holderOf, type DenyEntry, type DenyHit, type DenyTarget } from '../../src/counters/deny'
import { counterName, REGISTRY_NAME, zoneShardName, type KeyKind } from '../../src/counters/keys'
import { observationFor, outcomeMetric, type KeySnapshot, type Metric } from '../../src/counters/metrics'
import type { Outcome } from '../../src/counters/outcome'
import { firstHit, worstReason, type JourneyEvent, type JourneyKeys, type JourneyRead } from '../../src/counters/read'
import { usableRatio, type ZoneDelta, type ZoneFigures } from '../../src/counters/zone'
import type { DenyQuery, ObserveInput } from './Counters'
import { isolateCaches, type IsolateCaches } from './isolate'
import { settleWithin, type Settled } from './settle'

export type { JourneyEvent, JourneyKeys, JourneyRead } from '../../src/counters/read'

export interface NamespaceLike<S> {
  idFromName(name: string): DurableObjectId
  get(id: DurableObjectId): S
}

export interface CounterStub {
  observe(input: ObserveInput): Promise<KeySnapshot>
  record(input: { now: number; metric: Metric }): Promise<void>
  deny(entry: DenyEntry): Promise<void>
  undeny(key: string): Promise<boolean>
}

export interface ZoneStub {
  add(shard: number, delta: ZoneDelta, now: number): Promise<ZoneFigures | null>
}

export interface RegistryStub {
  indexDeny(entry: DenyEntry): Promise<void>
  unindexDeny(key: string): Promise<boolean>
}

/** The KV calls the deny mirror uses (the config namespace). */
export interface MirrorKv {
  get(key: string): Promise<string | null>
  put(key: string, value: string, options: { expirationTtl: number }): Promise<void>
  delete(key: string): Promise<void>
}

/** The bindings the client uses; `Env` satisfies it. Without `EDGEWARD_CONFIG` there is no deny mirror. */
export interface CountersEnv {
  readonly COUNTERS: NamespaceLike<CounterStub>
  readonly ZONE_STATS: NamespaceLike<ZoneStub>
  readonly REGISTRY: NamespaceLike<RegistryStub>
  readonly EDGEWARD_CONFIG?: MirrorKv
}

export interface ClientOptions {
  /** `ctx.waitUntil`: lets a due zone flush run after the response. Without it, zone flushes ride on recordOutcome. */
  readonly defer?: (p: Promise<unknown>) => void
  readonly caches?: IsolateCaches
  /** The deny mirror's budget (tests widen it: a loaded test box reads local KV slower). */
  readonly mirrorBudgetMs?: number
}

export const DEFAULT_BUDGET_MS = 25
/**
 * Deny entries are also written to KV under this prefix, so a deny list outlives an outage of
 * the object that holds it: read only when that object did not answer, within its own small
 * budget. Mirror keys are read only in outages, so the first read in a location is usually a
 * cold one that misses the budget: that request is decided on what is cached, and the answer,
 * when it lands, is cached in the isolate like an object's hit, so the source's next request is blocked.
 */
export const DENY_MIRROR_PREFIX = 'deny:'
export const DENY_MIRROR_BUDGET_MS = 5
/** KV refuses shorter TTLs; the stored expiry is exact, the KV TTL only cleans up. */
const KV_MIN_TTL_S = 60
/** Off the request path (waitUntil, admin): still a deadline, never a hang. */
export const BACKGROUND_BUDGET_MS = 5_000

const stubOf = <S>(ns: NamespaceLike<S>, name: string): S => ns.get(ns.idFromName(name))

interface KeyCall {
  readonly kind: KeyKind
  readonly value: string
  readonly deny: DenyQuery | null
}

function keyCalls(keys: JourneyKeys, ip: string): KeyCall[] {
  const q = (target: DenyTarget): DenyQuery => ({ key: denyKey(target), kind: target.kind })
  const calls: KeyCall[] = []
  if (keys.device !== null) calls.push({ kind: 'device', value: keys.device, deny: q({ kind: 'device', device: keys.device }) })
  calls.push({ kind: 'ip', value: ip, deny: q({ kind: 'ip', ip }) })
  calls.push({ kind: 'prefix', value: keys.ipPrefix, deny: null })
  if (keys.user !== null) calls.push({ kind: 'user', value: keys.user, deny: q({ kind: 'user_ip', user: keys.user, ip }) })
  return calls
}

/**
 * Counts this request on each of its keys and reads their windows back, all in
 * parallel within `budgetMs`. A cached deny hit answers at once with no call.
 */
export async function observeRequest(
  env: CountersEnv,
  keys: JourneyKeys,
  event: JourneyEvent,
  budgetMs: number = DEFAULT_BUDGET_MS,
  opts: ClientOptions = {},
): Promise<JourneyRead> {
  const caches = opts.caches ?? isolateCaches
  const now = event.now
  const ip = canonicalIp(keys.ip)
  const calls = keyCalls(keys, ip)

  const cached = calls.map((c) => (c.deny === null ? null : caches.deny.get(c.deny.key, now)))
  const standing = cached.find((c) => c !== null && !c.due)
  if (standing) return { status: 'missing', reason: 'denied', deny: standing.hit }

  if (opts.defer && caches.zone.due(now)) opts.defer(flushZone(env, now, caches))
  const req = { routeClass: event.routeClass, method: event.method, ip, user: keys.user }
  const results: Settled<KeySnapshot>[] = await settleWithin(
    calls.map((c) => () => {
      const input: ObserveInput = { now, ...observationFor(c.kind, req), deny: c.deny }
      return stubOf(env.COUNTERS, counterName(c.kind, c.value)).observe(input)
    }),
    budgetMs,
  )

  const hits: (DenyHit | null)[] = []
  const failures: ('timeout' | 'error' | 'overloaded')[] = []
  const unanswered: { readonly slot: number; readonly query: DenyQuery }[] = []
  const snaps = new Map<KeyKind, KeySnapshot>()
  results.forEach((r, i) => {
    const call = calls[i]
    if (call === undefined) return
    if (r.state === 'ok') {
      snaps.set(call.kind, r.value)
      if (call.deny !== null) {
        if (r.value.deny !== null) caches.deny.put(call.deny.key, r.value.deny, now)
        else caches.deny.clear(call.deny.key)
      }
      hits.push(r.value.deny)
    } else {
      failures.push(r.state === 'timeout' ? 'timeout' : r.reason)
      const kept = cached[i]?.hit ?? null // fail closed: an unanswered lookup keeps a cached hit
      if (kept === null && call.deny !== null) unanswered.push({ slot: hits.length, query: call.deny })
      hits.push(kept)
    }
  })
  noteZone(caches, snaps)
  if (unanswered.length > 0) {
    const mirrored = await readDenyMirror(env, unanswered.map((u) => u.query), now, caches, opts.mirrorBudgetMs ?? DENY_MIRROR_BUDGET_MS, opts.defer)
    unanswered.forEach((u, i) => (hits[u.slot] = mirrored[i] ?? null)) // each in its key's place: precedence holds
  }
  const deny = firstHit(hits)

  const ipSnap = snaps.get('ip')
  const prefixSnap = snaps.get('prefix')
  if (failures.length > 0 || ipSnap === undefined || prefixSnap === undefined) {
    return { status: 'missing', reason: worstReason(failures), deny }
  }
  const counters = {
    device: snaps.get('device') ?? null,
    ip: ipSnap,
    prefix: prefixSnap,
    user: snaps.get('user') ?? null,
    zoneLoginFailureRatio10m: usableRatio(caches.zone.figures, now),
  }
  return { status: 'ok', counters, deny }
}

function noteZone(caches: IsolateCaches, snaps: ReadonlyMap<KeyKind, KeySnapshot>): void {
  caches.zone.note('requests')
  if (snaps.get('ip')?.fresh) caches.zone.note('new_ips')
  if (snaps.get('user')?.fresh) caches.zone.note('new_users')
}

/**
 * Deny lookups whose object did not answer, read from the KV mirror within `budgetMs`. A hit —
 * within the budget or after it — is cached like one from the object.
 */
async function readDenyMirror(
  env: CountersEnv,
  queries: readonly DenyQuery[],
  now: number,
  caches: IsolateCaches,
  budgetMs: number,
  defer?: (p: Promise<unknown>) => void,
): Promise<(DenyHit | null)[]> {
  const kv = env.EDGEWARD_CONFIG
  if (kv === undefined) return []
  const lookup = async (q: DenyQuery): Promise<DenyHit | null> => {
    const text = await kv.get(DENY_MIRROR_PREFIX + q.key)
    if (text === null) return null
    const row = parseMirrorRow(text) // an entry that exists but cannot be read still denies
    const hit = hitFromRow({ kind: row.kind, reason: row.reason, expires_at: row.expires_at }, q.kind, now)
    if (hit !== null) caches.deny.put(q.key, hit, now)
    return hit
  }
  const rows = await settleWithin(
    queries.map((q) => () => {
      const p = lookup(q)
      defer?.(p.catch(() => null)) // a late answer still lands in the cache after the response
      return p
    }),
    budgetMs,
  )
  return rows.map((r) => (r.state === 'ok' ? r.value : null))
}

function parseMirrorRow(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** Counts an origin outcome on every key of the request (call in ctx.waitUntil). Never rejects. */
export async function recordOutcome(env: CountersEnv, keys: JourneyKeys, outcome: Outcome, now: number, opts: ClientOptions = {}): Promise<void> {
  const caches = opts.caches ?? isolateCaches
  const metric = outcomeMetric(outcome)
  if (outcome === 'login_success') caches.zone.note('login_successes')
  if (outcome === 'login_failure') caches.zone.note('login_failures')
  const ip = canonicalIp(keys.ip)
  const names = keyCalls(keys, ip).map((c) => counterName(c.kind, c.value))
  await Promise.all([
    settleWithin(names.map((name) => () => stubOf(env.COUNTERS, name).record({ now, metric })), BACKGROUND_BUDGET_MS),
    flushZone(env, now, caches),
  ])
}

/**
 * Blocks a source until entry.expiresAt: at once in this isolate, then in the key's
 * object (enforcement) and the registry (listing). Resolves true when both stored it.
 */
export async function denySource(env: CountersEnv, entry: DenyEntry, now: number, opts: ClientOptions = {}): Promise<boolean> {
  const caches = opts.caches ?? isolateCaches
  const key = denyKey(entry.target)
  caches.deny.put(key, { kind: entry.target.kind, reason: entry.reason, expiresAt: entry.expiresAt }, now)
  const holder = holderOf(entry.target)
  const kv = env.EDGEWARD_CONFIG
  const mirror = JSON.stringify({ kind: entry.target.kind, reason: entry.reason, expires_at: entry.expiresAt })
  const ttlS = Math.max(KV_MIN_TTL_S, Math.ceil((entry.expiresAt - now) / 1000))
  const results = await settleWithin<void>(
    [
      () => stubOf(env.COUNTERS, counterName(holder.kind, holder.value)).deny(entry),
      () => stubOf(env.REGISTRY, REGISTRY_NAME).indexDeny(entry),
      // Best effort: enforcement and listing live in the objects; the mirror only covers their outages.
      () => kv?.put(DENY_MIRROR_PREFIX + key, mirror, { expirationTtl: ttlS }) ?? Promise.resolve(),
    ],
    BACKGROUND_BUDGET_MS,
  )
  return results.slice(0, 2).every((r) => r.state === 'ok')
}

/** Lifts a deny entry everywhere (other isolates stop using their cached hit within DENY_VERIFY_MS). */
export async function liftDeny(env: CountersEnv, target: DenyTarget, opts: ClientOptions = {}): Promise<{ stored: boolean; found: boolean }> {
  const caches = opts.caches ?? isolateCaches
  const key = denyKey(target)
  caches.deny.clear(key)
  const holder = holderOf(target)
  const kv = env.EDGEWARD_CONFIG
  const results = await settleWithin<boolean>(
    [
      () => stubOf(env.COUNTERS, counterName(holder.kind, holder.value)).undeny(key),
      () => stubOf(env.REGISTRY, REGISTRY_NAME).unindexDeny(key),
      // A lifted entry must not come back from the mirror during an outage: this one counts.
      async () => (kv === undefined ? false : (await kv.delete(DENY_MIRROR_PREFIX + key), false)),
    ],
    BACKGROUND_BUDGET_MS,
  )
  return { stored: results.every((r) => r.state === 'ok'), found: results.some((r) => r.state === 'ok' && r.value) }
}

/** Sends the isolate's zone batch to its shard when due (else resolves at once); keeps the figures it returns. */
export async function flushZone(env: CountersEnv, now: number, caches: IsolateCaches = isolateCaches): Promise<void> {
  const batch = caches.zone.take(now)
  if (batch === null) return
  const shard = caches.zone.shard
  const [r] = await settleWithin([() => stubOf(env.ZONE_STATS, zoneShardName(shard)).add(shard, batch, now)], BACKGROUND_BUDGET_MS)
  caches.zone.settle(r !== undefined && r.state === 'ok' ? r.value : null)
}
