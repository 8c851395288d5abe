// The counters client on the request path: one call per journey key, in parallel, that
// counts and reads back; outcomes after the response. Takes bindings (any namespace-like, so
// tests can inject misbehaving stubs), keys and the caller's time. Never rejects, never
// retries. Each key has its own deadline: a key past the budget is missing alone, and the
// read is `missing` only when no key answered. Deny fails closed (see denyClient.ts).
import { denyKey, type DenyEntry, type DenyHit, type DenyTarget } from '../../src/counters/deny'
import { ipCounterKey } from '../../src/counters/ipKey'
import { counterName, passwordShardName, zoneShardName, type KeyKind } from '../../src/counters/keys'
import { observationFor, type ObservedRequest, outcomeDistinct, outcomeForget, outcomeMetric, PERSON_MAX_ADDRESSES_1H, type DistinctAdd, type KeySnapshot, type Metric } from '../../src/counters/metrics'
import type { AccountPlace } from '../../src/counters/history'
import { bumpOps, READ_BATCHES_MAX, readsInline, type CounterBatch, type CounterOp } from '../../src/counters/batch'
import type { Outcome } from '../../src/counters/outcome'
import { firstHit, worstReason, type JourneyEvent, type JourneyKeys, type JourneyRead, type KeyMiss, type PasswordCounts } from '../../src/counters/read'
import type { ConsoleBatch } from '../../src/console/batch'
import { usableRatio, type ZoneDelta, type ZoneFigures } from '../../src/counters/zone'
import type { DenyQuery, ObserveInput } from './Counters'
import type { PasswordOutcome, PasswordTry } from './PasswordTries'
import { BACKGROUND_BUDGET_MS, DENY_MIRROR_BUDGET_MS, readDenyMirror, stubOf } from './denyClient'
import { isolateCaches, type IsolateCaches } from './isolate'
import type { LedgerKey } from './ledger'
import { asnKeyValue } from './mint'
import { settleWithin, type Settled } from './settle'

export type { JourneyEvent, JourneyKeys, JourneyRead } from '../../src/counters/read'
export { BACKGROUND_BUDGET_MS, DENY_MIRROR_BUDGET_MS, DENY_MIRROR_PREFIX, denySource, liftDeny } from './denyClient'
export { countMint, MINT_BUDGET_MS, type MintCounts } from './mint'

export interface NamespaceLike<S> {
  idFromName(name: string): DurableObjectId
  get(id: DurableObjectId): S
}

export interface CounterStub {
  observe(input: ObserveInput): Promise<KeySnapshot>
  /** Held writes (worker/counters/ledger.ts). Optional so a namespace without it (a test double) is written and read directly. */
  apply?(input: { now: number; batches: readonly CounterBatch[]; deny: DenyQuery | null }): Promise<KeySnapshot>
  record(input: { now: number; metric: Metric; distinct?: DistinctAdd | null; forget?: DistinctAdd | null; remember?: AccountPlace | null }): Promise<void>
  deny(entry: DenyEntry): Promise<void>
  undeny(key: string): Promise<boolean>
}

export interface PasswordStub {
  observe(input: PasswordTry): Promise<PasswordCounts>
  record(input: PasswordOutcome): Promise<void>
}

export interface ZoneStub {
  add(shard: number, delta: ZoneDelta, now: number, console?: ConsoleBatch): Promise<ZoneFigures | null>
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
  /** The zone's password shards (password spraying); absent in a namespace-less test double: no password counts. */
  readonly PASSWORD_TRIES?: NamespaceLike<PasswordStub>
  readonly EDGEWARD_CONFIG?: MirrorKv
}

export interface ClientOptions {
  /** `ctx.waitUntil`: lets a due zone flush run after the response. Without it, zone flushes ride on recordOutcome. */
  readonly defer?: (p: Promise<unknown>) => void
  readonly caches?: IsolateCaches
  /** The deny mirror's budget (tests widen it: a loaded test box reads local KV slower). */
  readonly mirrorBudgetMs?: number
  /** counters.ipv6_prefix_bits: an IPv6 address is counted and denied by this prefix (default 64). */
  readonly ipv6PrefixBits?: number
  /** observeRequest: the username key's own budget (counters.username_budget_ms), never below budgetMs; the others keep budgetMs. */
  readonly usernameBudgetMs?: number
  /** recordOutcome: the addresses the username was tried from in the hour (outcomeDistinct), null if unread. */
  readonly userAddresses1h?: number | null
  /** counters.flush_ms: held writes go to their objects at most this often per isolate (absent or 0: after every answer). */
  readonly flushEveryMs?: number
  /**
   * The source is on the config's deny list (an IP or ASN there): it is blocked whatever its counts say,
   * so it waits for no object, whatever the route; its requests are still counted, after the answer.
   */
  readonly listed?: boolean
  /** The time a delayed flush is sent at (default Date.now; tests freeze it). */
  readonly clock?: () => number
}

export const DEFAULT_BUDGET_MS = 25

interface KeyCall {
  readonly kind: KeyKind
  readonly value: string
  readonly deny: DenyQuery | null
}

/** `ip` is already the IP's counter key. */
function keyCalls(keys: JourneyKeys, ip: string): KeyCall[] {
  const q = (target: DenyTarget): DenyQuery => ({ key: denyKey(target), kind: target.kind })
  const calls: KeyCall[] = []
  if (keys.device !== null) calls.push({ kind: 'device', value: keys.device, deny: q({ kind: 'device', device: keys.device }) })
  calls.push({ kind: 'ip', value: ip, deny: q({ kind: 'ip', ip }) })
  calls.push({ kind: 'prefix', value: keys.ipPrefix, deny: null })
  if (keys.user !== null) calls.push({ kind: 'user', value: keys.user, deny: q({ kind: 'user_ip', user: keys.user, ip }) })
  if (keys.cohort != null) calls.push({ kind: 'cohort', value: keys.cohort, deny: null })
  return calls
}

const missOf = (kind: KeyKind, r: Exclude<Settled<unknown>, { state: 'ok' }>): KeyMiss => ({ kind, reason: r.state === 'timeout' ? 'timeout' : r.reason })

/**
 * Counts this request on each of its keys and reads their windows back, all in parallel
 * within `budgetMs` (the ASN key is only read, at most every ASN_REUSE_MS per isolate).
 * A cached deny hit answers at once with no call.
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
  const ip = ipCounterKey(keys.ip, opts.ipv6PrefixBits)
  const calls = keyCalls(keys, ip)

  const cached = calls.map((c) => (c.deny === null ? null : caches.deny.get(c.deny.key, now)))
  const standing = cached.find((c) => c !== null && !c.due)
  if (standing) return { status: 'missing', reason: 'denied', deny: standing.hit }

  if (opts.defer && caches.zone.due(now)) opts.defer(flushZone(env, now, caches))
  const req = { routeClass: event.routeClass, method: event.method, ip, user: keys.user, device: keys.device, navigation: event.navigation ?? true, agent: event.agent ?? null, toolPage: event.toolPage ?? null }
  const asn = asnKeyValue(keys.asn)
  const asnCached = asn === null ? null : caches.asn.get(asn, now)
  // Page views, assets and API reads wait for no object (src/counters/batch.ts readsInline), unless a
  // cached deny hit is due for its re-check: that asks the objects, as every request did before.
  const inline = readsInline({ routeClass: event.routeClass, method: event.method, user: keys.user, cohort: keys.cohort, password: keys.password }) || cached.some((c) => c !== null)
  // An asset (a GET or HEAD of the operator's `static` routes) and a request of a source the config
  // lists make no call of their own: their counts ride with their keys' next call (a page view's flush,
  // a sign-in's read) and count in this isolate's view meanwhile. A page view needs a fresh snapshot.
  const asset = !inline && event.routeClass === 'static'
  const listed = opts.listed === true
  if ((!inline || listed) && takesBatches(env)) {
    // An asset's deny check, for a client whose snapshot is not fresh here: the KV mirror of the deny
    // entries (fail closed within its lag), at most once a minute per key, not a read of its objects.
    if (asset && !listed) {
      const denied = await mirrorDeny(env, calls, now, caches, opts)
      if (denied !== null) return { status: 'missing', reason: 'denied', deny: denied }
    }
    const held = heldRead(env, calls, req, now, caches, opts, asnCached, { needSnapshot: !asset && !listed, ride: asset || listed })
    if (held !== null) return held
  }
  // A read carries the writes this isolate holds for its key (earlier page views): the object applies
  // them first, so a sign-in after 40 page views here sees 40, in the same round trip. One batch at
  // most (READ_BATCHES_MAX): the rest stay held, in the view, for the flush.
  const ledgerKeys = calls.map((c) => caches.ledger.key(c.kind, counterName(c.kind, c.value), c.deny))
  const sealed = ledgerKeys.map((k) => (k === null ? null : caches.ledger.seal(k, now, READ_BATCHES_MAX)))
  const thunks = calls.map((c, i) => () => {
    const place = c.kind === 'user' && keys.place != null ? { place: keys.place } : {}
    // A username's key is asked whether this address was refused for it lately: a retry of one's own typo.
    const probe = c.kind === 'user' ? { probe: { set: 'failed_ips', member: ip } as const } : {}
    const batches = sealed[i]?.batches ?? []
    const input: ObserveInput = { now, ...observationFor(c.kind, req), deny: c.deny, ...place, ...probe, ...(batches.length > 0 ? { batches } : {}) }
    return stubOf(env.COUNTERS, counterName(c.kind, c.value)).observe(input)
  })
  if (asn !== null && asnCached === null) {
    thunks.push(() => stubOf(env.COUNTERS, counterName('asn', asn)).observe({ now, bumps: [], distinct: [], deny: null }))
  }
  const passwords = env.PASSWORD_TRIES
  const password = keys.password != null && passwords !== undefined ? keys.password : null
  // The username's object may be far (it lives where the username was first used): it gets its own
  // budget, so distance is not a way around the account's counts. The other keys keep theirs.
  const userBudget = Math.max(budgetMs, opts.usernameBudgetMs ?? budgetMs) // never shorter than the shared one
  const userSlot = userBudget === budgetMs ? -1 : calls.findIndex((c) => c.kind === 'user')
  const settleKeys = async (): Promise<Settled<KeySnapshot>[]> => {
    if (userSlot < 0) return settleWithin(thunks, budgetMs)
    const [rest, [user]] = await Promise.all([settleWithin(thunks.filter((_, i) => i !== userSlot), budgetMs), settleWithin([thunks[userSlot]!], userBudget)])
    return [...rest.slice(0, userSlot), user ?? { state: 'timeout' }, ...rest.slice(userSlot)]
  }
  const [results, passwordRead]: [Settled<KeySnapshot>[], Settled<PasswordCounts> | null] = await Promise.all([
    settleKeys(),
    password === null || passwords === undefined
      ? null
      : settleWithin([() => stubOf(passwords, passwordShardName(password)).observe({ now, password, user: keys.user, ip })], budgetMs).then((r) => r[0] ?? null),
  ])

  const hits: (DenyHit | null)[] = []
  const misses: KeyMiss[] = []
  const unanswered: { readonly slot: number; readonly query: DenyQuery }[] = []
  const snaps = new Map<KeyKind, KeySnapshot>()
  calls.forEach((call, i) => {
    const r = results[i] ?? { state: 'timeout' }
    if (r.state === 'ok') {
      snaps.set(call.kind, r.value)
      const lk = ledgerKeys[i]
      const sent = sealed[i]
      if (lk != null && sent != null) caches.ledger.confirm(lk, sent.batches, sent.seq, r.value, now)
      if (call.deny !== null) {
        if (r.value.deny !== null) caches.deny.put(call.deny.key, r.value.deny, now)
        else caches.deny.clear(call.deny.key)
      }
      hits.push(r.value.deny)
    } else {
      misses.push(missOf(call.kind, r))
      const kept = cached[i]?.hit ?? null // fail closed: an unanswered lookup keeps a cached hit
      if (kept === null && call.deny !== null) unanswered.push({ slot: hits.length, query: call.deny })
      hits.push(kept)
    }
  })
  let asnSnap = asnCached
  if (asn !== null && asnCached === null) {
    const r = results[calls.length] ?? { state: 'timeout' }
    if (r.state === 'ok') caches.asn.put(asn, (asnSnap = r.value), now)
    else misses.push(missOf('asn', r))
  }
  if (passwordRead !== null && passwordRead.state !== 'ok') misses.push(missOf('password', passwordRead))
  noteZone(caches, snaps)
  if (unanswered.length > 0) {
    const mirrored = await readDenyMirror(env, unanswered.map((u) => u.query), now, caches, opts.mirrorBudgetMs ?? DENY_MIRROR_BUDGET_MS, opts.defer)
    unanswered.forEach((u, i) => (hits[u.slot] = mirrored[i] ?? null)) // each in its key's place: precedence holds
  }
  const deny = firstHit(hits)
  const userKeySlow = keys.user !== null && caches.slowUsers.note(keys.user, misses.some((m) => m.kind === 'user'), now)

  if (snaps.size === 0) return { status: 'missing', reason: worstReason(misses.map((m) => m.reason)), deny, keys: misses }
  const counters = {
    device: snaps.get('device') ?? null,
    ip: snaps.get('ip') ?? null,
    prefix: snaps.get('prefix') ?? null,
    user: snaps.get('user') ?? null,
    asn: asnSnap,
    cohort: snaps.get('cohort') ?? null,
    password: passwordRead?.state === 'ok' ? passwordRead.value : null,
    missing: misses,
    userKeySlow,
    zoneLoginFailureRatio10m: usableRatio(caches.zone.figures, now),
  }
  return { status: 'ok', counters, deny }
}

/**
 * A page view, asset or API read decided on what this isolate knows: each key's last snapshot plus
 * the writes held for it (this request's included), counted on the objects after the answer, one
 * call per key per flush. Null: read inline instead — the ledger is full, a key holds HELD_OPS_MAX
 * writes (a client padding its held batch: reads drain it a batch at a time), or (`needSnapshot`) a
 * key has no snapshot younger than SNAPSHOT_MAX_AGE_MS. With `ride`, the request's writes arm no flush:
 * they go with their key's next call (an asset's, a listed source's — judged on the isolate's counts alone).
 */
function heldRead(
  env: CountersEnv,
  calls: readonly KeyCall[],
  req: ObservedRequest,
  now: number,
  caches: IsolateCaches,
  opts: ClientOptions,
  asnSnap: KeySnapshot | null,
  how: { readonly needSnapshot: boolean; readonly ride: boolean },
): JourneyRead | null {
  const ledger = caches.ledger
  const entries: LedgerKey[] = []
  for (const c of calls) {
    const k = ledger.key(c.kind, counterName(c.kind, c.value), c.deny)
    if (k === null || ledger.overfull(k)) return null
    if (how.needSnapshot && ledger.fresh(k, now) === null) return null
    entries.push(k)
  }
  const views = new Map<KeyKind, KeySnapshot>()
  // A key this isolate never read is missing (`unread`), not zero: its features are unknown, as a
  // late key's are, and a sub-resource's claim is not judged on a client with no page views.
  const misses: KeyMiss[] = []
  calls.forEach((c, i) => {
    const k = entries[i]!
    if (how.ride) ledger.ride(k, requestOps(c.kind, req, now), now)
    else ledger.hold(k, requestOps(c.kind, req, now))
    if (k.snap === null) misses.push({ kind: c.kind, reason: 'unread' })
    else views.set(c.kind, ledger.view(k, now))
  })
  caches.zone.note('requests')
  if (!how.ride) armFlush(env, caches, opts, now)
  if (views.size === 0) return { status: 'missing', reason: 'unread', deny: null, keys: misses }
  const counters = {
    device: views.get('device') ?? null,
    ip: views.get('ip') ?? null,
    prefix: views.get('prefix') ?? null,
    user: null,
    asn: asnSnap,
    cohort: null,
    password: null,
    missing: misses,
    userKeySlow: false,
    zoneLoginFailureRatio10m: usableRatio(caches.zone.figures, now),
  }
  // The snapshots' deny answers (a hit there was also cached, and stands above): the object said no entry when last asked.
  return { status: 'ok', counters, deny: firstHit(entries.map((k) => k.snap?.deny ?? null)) }
}

/**
 * The deny entries of an asset's keys that have no fresh snapshot here, from the KV mirror (each key at
 * most once a minute; a hit is cached like an object's, so the source's next request needs no lookup).
 * Null when none is listed, or the mirror did not answer within its budget (its late answer is cached).
 */
async function mirrorDeny(env: CountersEnv, calls: readonly KeyCall[], now: number, caches: IsolateCaches, opts: ClientOptions): Promise<DenyHit | null> {
  const queries: DenyQuery[] = []
  for (const c of calls) {
    const k = caches.ledger.key(c.kind, counterName(c.kind, c.value), c.deny)
    if (k !== null && c.deny !== null && caches.ledger.mirrorDue(k, now)) queries.push(c.deny)
  }
  if (queries.length === 0) return null
  return firstHit(await readDenyMirror(env, queries, now, caches, opts.mirrorBudgetMs ?? DENY_MIRROR_BUDGET_MS, opts.defer))
}

/** What one request writes on a key, as held ops (the same increments Counters.observe makes). */
function requestOps(kind: KeyKind, req: ObservedRequest, now: number): CounterOp[] {
  const o = observationFor(kind, req)
  return [...bumpOps(o.bumps, now), ...o.distinct.map((d): CounterOp => ({ op: 'add', set: d.set, member: d.member, at: now }))]
}

/** counters.flush_ms, unless the test suite's binding (EDGEWARD_COUNTER_FLUSH_MS, never in wrangler.toml) says otherwise. */
/** The config schema's own bound on flush_ms: a forced value holds writes no longer. */
const FLUSH_MS_MAX = 10_000

export function flushMsOf(forced: string | undefined, configured: number): number {
  const n = Number.parseInt(forced ?? '', 10)
  return Number.isInteger(n) && n >= 0 ? Math.min(n, FLUSH_MS_MAX) : configured
}

/**
 * Counts `metric` on keys this isolate read within SNAPSHOT_MAX_AGE_MS and returns their views
 * (snapshot + held writes, this one included), flushed later like page views; null when any key
 * has no such snapshot, or cannot be held: the caller reads inline.
 */
export function countHeld(
  env: CountersEnv,
  keys: readonly { readonly kind: KeyKind; readonly value: string; readonly deny: DenyQuery | null }[],
  metric: Metric,
  now: number,
  opts: ClientOptions = {},
): KeySnapshot[] | null {
  if (!takesBatches(env)) return null
  const caches = opts.caches ?? isolateCaches
  const entries: LedgerKey[] = []
  for (const c of keys) {
    const k = caches.ledger.key(c.kind, counterName(c.kind, c.value), c.deny)
    if (k === null || caches.ledger.fresh(k, now) === null) return null
    entries.push(k)
  }
  const views = entries.map((k) => {
    caches.ledger.hold(k, bumpOps([metric], now))
    return caches.ledger.view(k, now)
  })
  armFlush(env, caches, opts, now)
  return views
}

/** Whether the namespace's objects take held writes (`apply`); a test double without it is read and written per request. */
function takesBatches(env: CountersEnv): boolean {
  const ns = env.COUNTERS as object | undefined
  if (typeof ns !== 'object' || ns === null) return false // no binding: the inline read fails open as before (counters_error)
  let known = batchCapable.get(ns)
  if (known === undefined) {
    try {
      known = typeof stubOf(env.COUNTERS, '["probe"]').apply === 'function'
    } catch {
      known = false
    }
    batchCapable.set(ns, known)
  }
  return known
}

/** Per namespace object, asked once per isolate: a stub costs an id derivation, not worth paying per request. */
const batchCapable = new WeakMap<object, boolean>()

/** Schedules the isolate's next flush of held writes in waitUntil (at most one armed; without `defer`, none). */
function armFlush(env: CountersEnv, caches: IsolateCaches, opts: ClientOptions, now: number): void {
  if (!opts.defer) return
  // The Worker always passes counters.flush_ms; a direct caller (a test, a tool) that does not gets its writes sent at once.
  const delay = caches.ledger.arm(now, opts.flushEveryMs ?? 0)
  if (delay === null) return
  const clock = opts.clock ?? Date.now
  // Sent at the caller's time plus the wait, or the clock if it is later: never before a write it carries.
  opts.defer(
    (delay > 0 ? new Promise<void>((r) => setTimeout(r, delay)) : Promise.resolve()).then(() => flushJourney(env, Math.max(now + delay, clock()), caches)),
  )
}

/**
 * Sends every key's held writes to its object (one call per key, in parallel) and keeps what each
 * answers: its snapshot, a deny hit, a fresh key for the zone figures. A key that does not answer
 * keeps its batches for the next call (they are applied once, by id). Never rejects.
 */
/** Keys sent per flush. */
export const FLUSH_KEYS_MAX = 200

export async function flushJourney(env: CountersEnv, now: number, caches: IsolateCaches = isolateCaches): Promise<void> {
  const ledger = caches.ledger
  ledger.flushing(now)
  // At most FLUSH_KEYS_MAX keys per flush (longest-holding first): one flush is one waitUntil, and its
  // calls count against the request's subrequests. The rest go with the next flush, armed by the next held write.
  const sent = ledger.holding().slice(0, FLUSH_KEYS_MAX).map((k) => ({ k, ...ledger.seal(k, now) }))
  const results = await settleWithin(
    sent.map((s) => () => {
      const stub = stubOf(env.COUNTERS, s.k.name)
      if (stub.apply === undefined) throw new TypeError('counters namespace without apply')
      return stub.apply({ now, batches: s.batches, deny: s.k.deny })
    }),
    BACKGROUND_BUDGET_MS,
  )
  const unanswered: DenyQuery[] = []
  results.forEach((r, i) => {
    const s = sent[i]!
    if (r.state !== 'ok') {
      if (s.k.deny !== null) unanswered.push(s.k.deny)
      return
    }
    ledger.confirm(s.k, s.batches, s.seq, r.value, now)
    if (s.k.deny !== null) {
      if (r.value.deny !== null) caches.deny.put(s.k.deny.key, r.value.deny, now)
      else caches.deny.clear(s.k.deny.key)
    }
    if (r.value.fresh && s.k.kind === 'ip') caches.zone.note('new_ips')
  })
  // Fail closed: a key whose object did not answer has its deny entry looked up in the KV mirror, as
  // an inline read's would — else its page views went on, decided on a snapshot that predates the entry.
  if (unanswered.length > 0) await readDenyMirror(env, unanswered, now, caches, DENY_MIRROR_BUDGET_MS)
}

function noteZone(caches: IsolateCaches, snaps: ReadonlyMap<KeyKind, KeySnapshot>): void {
  caches.zone.note('requests')
  if (snaps.get('ip')?.fresh) caches.zone.note('new_ips')
  if (snaps.get('user')?.fresh) caches.zone.note('new_users')
}

/** Counts an origin outcome on every key of the request (call in ctx.waitUntil). Never rejects. */
export async function recordOutcome(env: CountersEnv, keys: JourneyKeys, outcome: Outcome, now: number, opts: ClientOptions = {}): Promise<void> {
  const caches = opts.caches ?? isolateCaches
  const metric = outcomeMetric(outcome)
  if (outcome === 'login_success') caches.zone.note('login_successes')
  if (outcome === 'login_failure') caches.zone.note('login_failures')
  const ip = ipCounterKey(keys.ip, opts.ipv6PrefixBits)
  const calls = keyCalls(keys, ip).map((c) => ({
    kind: c.kind,
    name: counterName(c.kind, c.value),
    distinct: outcomeDistinct(c.kind, outcome, keys.user, opts.userAddresses1h ?? null, ip),
    forget: outcomeForget(c.kind, outcome, keys.user, ip),
    // An accepted sign-in is one of the account's places (src/counters/history.ts).
    remember: c.kind === 'user' && outcome === 'login_success' ? (keys.place ?? null) : null,
  }))
  const passwords = env.PASSWORD_TRIES
  const password = keys.password != null && passwords !== undefined && (outcome === 'login_failure' || outcome === 'login_success') ? keys.password : null
  const person = opts.userAddresses1h != null && opts.userAddresses1h <= PERSON_MAX_ADDRESSES_1H
  // Sent at once, not held for the isolate's flush: a sign-in's refusal is what the next attempt's rules
  // count (per username, per cohort), and a spread run lands on many isolates — held, each would make
  // flush_ms more attempts before the counts crossed a threshold. This isolate's own view counts it now.
  for (const c of calls) caches.ledger.noteSent(c.name, metric, now)
  await Promise.all([
    settleWithin(calls.map(({ name, distinct, forget, remember }) => () => stubOf(env.COUNTERS, name).record({ now, metric, distinct, forget, remember })), BACKGROUND_BUDGET_MS),
    password === null || passwords === undefined
      ? null
      : settleWithin([() => stubOf(passwords, passwordShardName(password)).record({ now, password, user: keys.user, outcome: outcome as PasswordOutcome['outcome'], person })], BACKGROUND_BUDGET_MS),
    flushZone(env, now, caches),
  ])
}

/** Sends the isolate's zone batch to its shard when due (else resolves at once); keeps the figures it returns. */
export async function flushZone(env: CountersEnv, now: number, caches: IsolateCaches = isolateCaches): Promise<void> {
  const batch = caches.zone.take(now)
  if (batch === null) return
  const shard = caches.zone.shard
  const forConsole = caches.console.take() // the console's minutes and sample ride on the same call (dropped with it on failure)
  const [r] = await settleWithin([() => stubOf(env.ZONE_STATS, zoneShardName(shard)).add(shard, batch, now, forConsole)], BACKGROUND_BUDGET_MS)
  caches.zone.settle(r !== undefined && r.state === 'ok' ? r.value : null)
}
