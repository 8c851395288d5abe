// Admin operations behind /__edgeward/admin/*: stats, deny-list views, labels, capped
// body reading and the bearer check. Takes the env, the request and the caller's time;
// returns plain results. Each object call has a deadline; nothing here throws.
import { readCappedBody } from '../body'
import type { DenyEntry } from '../../src/counters/deny'
import type { HistoryImport } from '../../src/counters/adminInput'
import { counterName, REGISTRY_NAME, ZONE_ROOT_NAME, ZONE_SHARDS } from '../../src/counters/keys'
import { canonicalUsername } from '../../src/log/keyedHash'
import { MAX_USERNAME } from '../../src/signals/credentials'
import { err, ok, type Result } from '../../src/util/result'
import { hashUser } from '../privacy'
import type { HistoryEntry } from './Counters'
import { stubOf } from './denyClient'
import { isolateCaches } from './isolate'
import { settleWithin } from './settle'

/** Admin calls are off the request path: a generous deadline, still never a hang. */
export const ADMIN_BUDGET_MS = 5_000

export const registry = (env: Env) => env.REGISTRY.get(env.REGISTRY.idFromName(REGISTRY_NAME))

/** One call within ADMIN_BUDGET_MS; `unavailable` on error, overload or timeout. */
export async function adminCall<T>(call: () => Promise<T>): Promise<Result<T, 'unavailable'>> {
  const [r] = await settleWithin([call], ADMIN_BUDGET_MS)
  return r !== undefined && r.state === 'ok' ? ok(r.value) : err('unavailable')
}

const encoder = new TextEncoder()

/** Constant-time equality of a given string and a secret (by their SHA-256 digests, so lengths leak nothing). */
export async function sameSecret(given: string, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([crypto.subtle.digest('SHA-256', encoder.encode(given)), crypto.subtle.digest('SHA-256', encoder.encode(secret))])
  return crypto.subtle.timingSafeEqual(a, b)
}

/** Constant-time check of `Authorization: Bearer <token>`; false when no token is configured. */
export async function bearerMatches(header: string | undefined, secret: string | undefined): Promise<boolean> {
  if (secret === undefined || secret === '' || header === undefined) return false
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header)
  return (await sameSecret(m?.[1] ?? '', secret)) && m !== null
}

/** The body as text, refusing anything past `max` bytes (declared or streamed). */
export async function readCappedText(req: Request, max: number): Promise<Result<string, 'too_large' | 'unreadable'>> {
  const declared = Number(req.headers.get('content-length') ?? '0')
  if (Number.isFinite(declared) && declared > max) return err('too_large', `body over ${max} bytes`)
  let all: Uint8Array | 'too_large'
  try {
    all = await readCappedBody(req.body, max)
  } catch {
    return err('unreadable', 'body could not be read')
  }
  if (all === 'too_large') return err('too_large', `body over ${max} bytes`)
  try {
    return ok(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(all))
  } catch {
    return err('unreadable', 'body is not UTF-8')
  }
}

/** How an entry is shown: `value` is the IP, the device id, or {user, ip}. */
export function denyView(e: DenyEntry, now: number) {
  const t = e.target
  const value = t.kind === 'device' ? t.device : t.kind === 'ip' ? t.ip : { user: t.user, ip: t.ip }
  return {
    kind: t.kind,
    value,
    reason: e.reason,
    created_at: e.createdAt,
    expires_at: e.expiresAt,
    ttl_s_left: Math.max(0, Math.ceil((e.expiresAt - now) / 1000)),
  }
}

export async function listDeny(env: Env, now: number, limit: number): Promise<Result<DenyEntry[], 'unavailable'>> {
  return adminCall(() => registry(env).listDeny(now, limit))
}

/** Stats: zone figures (root object), deny-list and label counts, this isolate's caches. */
export async function readStats(env: Env, now: number) {
  const root = env.ZONE_STATS.get(env.ZONE_STATS.idFromName(ZONE_ROOT_NAME))
  const [zone, deny, labels, waf] = await Promise.all([
    adminCall(() => root.figures(now)),
    adminCall(() => registry(env).countDeny(now)),
    adminCall(() => registry(env).labelCounts()),
    adminCall(() => registry(env).wafStatus()),
  ])
  const missing = [zone.ok ? null : 'zone', deny.ok ? null : 'denylist', labels.ok ? null : 'labels', waf.ok ? null : 'waf'].filter((m) => m !== null)
  return {
    at: now,
    zone: zone.ok ? zone.value : null,
    denylist: deny.ok ? { active: deny.value } : null,
    labels: labels.ok ? labels.value : null,
    // The Cloudflare IP List sync (docs/operating.md): queued IPs, failures, the last error.
    waf: waf.ok ? waf.value : null,
    isolate: {
      deny_cache: isolateCaches.deny.size,
      zone_pending_events: isolateCaches.zone.pendingEvents,
      zone_shards: ZONE_SHARDS,
    },
    missing,
  }
}


/**
 * Remembers imported sign-ins on each username's key (hashed as a sign-in's username is), one call per
 * account, all within ADMIN_BUDGET_MS. `unavailable` when any account could not be written.
 */
export async function importHistory(
  env: Env,
  entries: readonly HistoryImport[],
  now: number,
): Promise<Result<{ imported: number; skipped: number }, 'unavailable' | 'no_user_hash_key'>> {
  // Without the secret, each isolate hashes usernames with its own random key: nothing imported could be found again.
  if (env.EDGEWARD_USER_HASH_KEY === undefined || env.EDGEWARD_USER_HASH_KEY === '') return err('no_user_hash_key')
  const byUser = new Map<string, HistoryEntry[]>()
  for (const e of entries) {
    const user = await hashUser(canonicalUsername(e.username.slice(0, MAX_USERNAME)), env, [])
    const list = byUser.get(user) ?? []
    list.push({ at: e.at, place: { asn: e.asn, country: e.country, device: e.device } })
    byUser.set(user, list)
  }
  const calls = [...byUser].map(([user, list]) => () => stubOf(env.COUNTERS, counterName('user', user)).importHistory({ now, entries: list }))
  const results = await settleWithin(calls, ADMIN_BUDGET_MS)
  let imported = 0
  for (const r of results) {
    if (r.state !== 'ok') return err('unavailable')
    imported += r.value
  }
  return ok({ imported, skipped: entries.length - imported })
}
