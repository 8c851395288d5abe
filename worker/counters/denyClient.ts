// Deny entries from the Worker's side: store and lift them (object, registry, KV mirror), and
// read the KV mirror when a key's object did not answer. Takes bindings, targets and the
// caller's time; never rejects. Fails closed: an entry that exists but cannot be read denies.
// IP targets are keyed like the IP counters (ipCounterKey: an IPv6 address by its /64).
import { denyKey, hitFromRow, holderOf, type DenyEntry, type DenyHit, type DenyTarget } from '../../src/counters/deny'
import { ipCounterKey } from '../../src/counters/ipKey'
import { counterName, REGISTRY_NAME } from '../../src/counters/keys'
import type { DenyQuery } from './Counters'
import type { ClientOptions, CountersEnv } from './client'
import { isolateCaches, type IsolateCaches } from './isolate'
import { settleWithin } from './settle'

/**
 * Deny entries are also written to KV under this prefix, so a deny list outlives an outage of
 * the object that holds it: read only when that object did not answer, within its own small
 * budget. Mirror keys are read only in outages, so the first read in a location is usually a
 * cold one that misses the budget: that request is decided on what is cached, and the answer,
 * when it lands, is cached in the isolate like an object's hit, so the source's next request is blocked.
 */
export const DENY_MIRROR_PREFIX = 'deny:'
export const DENY_MIRROR_BUDGET_MS = 5
/** How long a mirror read past its budget is still waited for after the response (a cold KV read is well under this). */
export const DENY_MIRROR_LATE_MS = 1_000
/** KV refuses shorter TTLs; the stored expiry is exact, the KV TTL only cleans up. */
const KV_MIN_TTL_S = 60
/** Off the request path (waitUntil, admin): still a deadline, never a hang. */
export const BACKGROUND_BUDGET_MS = 5_000

export const stubOf = <S>(ns: { idFromName(name: string): DurableObjectId; get(id: DurableObjectId): S }, name: string): S => ns.get(ns.idFromName(name))

/** The target as it is stored and looked up: IPs by their counter key (a deny entry on an IPv6 address covers its /64). */
export function keyedTarget(target: DenyTarget, v6Bits?: number): DenyTarget {
  switch (target.kind) {
    case 'device':
      return target
    case 'ip':
      return { kind: 'ip', ip: ipCounterKey(target.ip, v6Bits) }
    case 'user_ip':
      return { kind: 'user_ip', user: target.user, ip: ipCounterKey(target.ip, v6Bits) }
  }
}

/**
 * Deny lookups whose object did not answer, read from the KV mirror within `budgetMs`. A hit —
 * within the budget or after it — is cached like one from the object.
 */
export async function readDenyMirror(
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
      // A late answer still lands in the cache after the response, but a read that never
      // answers must not hold the request's waitUntil open: it is waited for a bounded time.
      defer?.(Promise.race([p.catch(() => null), new Promise((resolve) => setTimeout(resolve, DENY_MIRROR_LATE_MS))]))
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

/**
 * Blocks a source until entry.expiresAt: at once in this isolate, then in the key's
 * object (enforcement) and the registry (listing). Resolves true when both stored it.
 */
export async function denySource(env: CountersEnv, entry: DenyEntry, now: number, opts: ClientOptions = {}): Promise<boolean> {
  const caches = opts.caches ?? isolateCaches
  const keyed: DenyEntry = { ...entry, target: keyedTarget(entry.target, opts.ipv6PrefixBits) }
  const key = denyKey(keyed.target)
  caches.deny.put(key, { kind: keyed.target.kind, reason: keyed.reason, expiresAt: keyed.expiresAt }, now)
  const holder = holderOf(keyed.target)
  const kv = env.EDGEWARD_CONFIG
  const mirror = JSON.stringify({ kind: keyed.target.kind, reason: keyed.reason, expires_at: keyed.expiresAt })
  const ttlS = Math.max(KV_MIN_TTL_S, Math.ceil((keyed.expiresAt - now) / 1000))
  const results = await settleWithin<void>(
    [
      () => stubOf(env.COUNTERS, counterName(holder.kind, holder.value)).deny(keyed),
      () => stubOf(env.REGISTRY, REGISTRY_NAME).indexDeny(keyed),
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
  const keyed = keyedTarget(target, opts.ipv6PrefixBits)
  const key = denyKey(keyed)
  caches.deny.clear(key)
  const holder = holderOf(keyed)
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
