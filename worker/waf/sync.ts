// Deny entries on IPs, pushed to a Cloudflare account IP List by the registry (the object every
// deny entry and lift already passes through). Takes the registry's SqlStorage, deny entries, keys
// and the caller's time; queues one row per IP (the latest wish wins) and sends the due rows in
// batches from the registry's alarm. Reconciles by IP against the list as it is: an add of an IP
// already listed and a lift of one already gone are no-ops, and only items whose comment names
// edgeward are ever deleted. Never on the request path; a failure backs off, is kept in the
// status, and never touches a decision (fail open: enforcement stays in the Counters objects).
import ipaddr from 'ipaddr.js'
import { parseIp } from '../../src/config/cidr'
import type { DenyEntry, DenyTarget } from '../../src/counters/deny'
import { deleteMeta, getMeta, setMeta } from '../counters/schema'
import { addItems, deleteItems, listItems, WafApiError } from './api'
import type { WafSettings } from './settings'

export const WAF_TABLES = [
  `CREATE TABLE IF NOT EXISTS waf_queue (ip TEXT PRIMARY KEY, op TEXT NOT NULL, reason TEXT NOT NULL,
    expires_at INTEGER NOT NULL, due_at INTEGER NOT NULL, ver INTEGER NOT NULL) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS waf_queue_due ON waf_queue (due_at)',
] as const

/** Adds wait this long for company, so a burst of denials is one write. */
export const WAF_BATCH_MS = 2_000
/** Rows sent per alarm; items per API write. */
export const WAF_ROWS_PER_SYNC = 1_000
export const WAF_ITEMS_PER_WRITE = 500
/** Queued IPs at most; past it new adds are dropped (and counted), lifts are always queued. */
export const MAX_WAF_QUEUE = 10_000
export const WAF_BACKOFF_BASE_MS = 5_000
export const WAF_BACKOFF_MAX_MS = 3_600_000
/**
 * A sync can outlast its alarm (10 s per call, a whole list read of up to 50 pages, bulk operations
 * polled): rows still queued when an alarm starts get a retry this long after it — a Durable Object
 * alarm's wall-clock limit — in case the run is cut short.
 */
export const WAF_SYNC_GUARD_MS = 15 * 60_000
/** Every item edgeward writes starts with this; lifts delete no other item. */
export const WAF_COMMENT_PREFIX = 'edgeward'
const MAX_COMMENT = 200

/**
 * What goes on the list for a deny target: an IPv4 address, or an IPv6 network of /12…/64 (what the
 * list accepts; an IP entry on IPv6 is keyed by its /64 by default), each in canonical text. Devices
 * and username+IP entries never do (they do not block the address), nor IPv6 keys finer than /64, nor
 * text that is not an address: a key is the raw text when the client's IP did not parse, and one item
 * the API refuses fails the whole write it is in, again at every retry until its entry expires.
 */
export function wafIpOf(target: DenyTarget): string | null {
  if (target.kind !== 'ip') return null
  const ip = target.ip
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const addr = parseIp(ip)
    // `999.1.1.1` is no address; `01.2.3.4` is one only to parsers that read octal.
    return addr !== undefined && addr.kind() === 'ipv4' && addr.toString() === ip ? ip : null
  }
  const m = /^([0-9a-f:]+)\/(\d{1,2})$/i.exec(ip)
  if (m === null || !ip.includes(':') || Number(m[2]) < 12 || Number(m[2]) > 64) return null
  try {
    // The network itself, as the list shows it: no host bits set, compressed, lower case.
    const net = `${ipaddr.IPv6.networkAddressFromCIDR(ip).toString()}/${m[2]}`
    return ipaddr.IPv6.isValid(m[1]!) && net === ip.toLowerCase() ? net : null
  } catch {
    return null
  }
}

/** The IP of a deny key (`["ip","…"]`), or null for any other key. */
function wafIpOfKey(key: string): string | null {
  try {
    const t: unknown = JSON.parse(key)
    return Array.isArray(t) && t[0] === 'ip' && typeof t[1] === 'string' ? wafIpOf({ kind: 'ip', ip: t[1] }) : null
  } catch {
    return null
  }
}

export const wafComment = (reason: string, expiresAt: number): string =>
  `${WAF_COMMENT_PREFIX} until ${new Date(expiresAt).toISOString()}${reason === '' ? '' : `: ${reason}`}`.slice(0, MAX_COMMENT)

function nextVer(sql: SqlStorage): number {
  const v = Number(getMeta(sql, 'waf_ver') ?? 0) + 1
  setMeta(sql, 'waf_ver', v)
  return v
}

/** Queues an add (a later lift or add of the same IP replaces it). False when nothing was queued. */
export function queueWafAdd(sql: SqlStorage, entry: DenyEntry): boolean {
  const ip = wafIpOf(entry.target)
  if (ip === null) return false
  const queued = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM waf_queue').one().n
  const has = sql.exec('SELECT 1 FROM waf_queue WHERE ip = ?', ip).toArray().length > 0
  if (!has && queued >= MAX_WAF_QUEUE) {
    setMeta(sql, 'waf_dropped', Number(getMeta(sql, 'waf_dropped') ?? 0) + 1)
    return false
  }
  upsert(sql, ip, 'add', entry.reason, entry.expiresAt, entry.createdAt + WAF_BATCH_MS)
  return true
}

/** Queues a lift of the IP behind a deny key, due at once. False for keys that are not an IP's. */
export function queueWafLift(sql: SqlStorage, key: string, now: number): boolean {
  const ip = wafIpOfKey(key)
  if (ip === null) return false
  upsert(sql, ip, 'lift', '', now, now)
  return true
}

function upsert(sql: SqlStorage, ip: string, op: 'add' | 'lift', reason: string, expiresAt: number, dueAt: number): void {
  sql.exec(
    `INSERT INTO waf_queue (ip, op, reason, expires_at, due_at, ver) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(ip) DO UPDATE SET op = excluded.op, reason = excluded.reason, expires_at = excluded.expires_at,
       due_at = MIN(waf_queue.due_at, excluded.due_at), ver = excluded.ver`,
    ip, op, reason, expiresAt, dueAt, nextVer(sql),
  )
}

/** When the queue next wants the alarm, or null when it is empty. */
export function nextWafDue(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>('SELECT MIN(due_at) AS t FROM waf_queue').toArray()[0]?.t ?? null
}

type Row = { ip: string; op: string; reason: string; expires_at: number; due_at: number; ver: number }

export interface WafSyncResult {
  readonly added: number
  readonly lifted: number
  /** Adds of IPs already listed and lifts of IPs not (or not edgeward's) on the list: nothing sent. */
  readonly unchanged: number
  readonly error: string | null
}

/**
 * Sends the rows due at `now`: reads the list once, appends the IPs it lacks, deletes edgeward's
 * items for lifted IPs; a row is removed only if it was not queued again meanwhile. On a failure the
 * rows not done wait `WAF_BACKOFF_BASE_MS × 2^failures` (capped; at least Retry-After). Never throws.
 */
export async function syncWaf(sql: SqlStorage, s: WafSettings, now: number): Promise<WafSyncResult> {
  const rows = sql.exec<Row>('SELECT ip, op, reason, expires_at, due_at, ver FROM waf_queue WHERE due_at <= ? ORDER BY due_at LIMIT ?', now, WAF_ROWS_PER_SYNC).toArray()
  if (rows.length === 0) return { added: 0, lifted: 0, unchanged: 0, error: null }
  const done = (r: Row): void => void sql.exec('DELETE FROM waf_queue WHERE ip = ? AND ver = ?', r.ip, r.ver)
  let added = 0
  let lifted = 0
  let unchanged = 0
  let pending = rows
  try {
    const listed = new Map((await listItems(s)).map((i) => [i.ip.toLowerCase(), i]))
    // An add whose entry expired while it waited (an outage) is a lift.
    const adds = rows.filter((r) => r.op === 'add' && r.expires_at > now)
    const lifts = rows.filter((r) => !(r.op === 'add' && r.expires_at > now))
    const toAdd = adds.filter((r) => !listed.has(r.ip))
    const toLift = lifts.filter((r) => listed.get(r.ip)?.comment.startsWith(WAF_COMMENT_PREFIX) === true)
    for (const r of [...adds.filter((r) => listed.has(r.ip)), ...lifts.filter((r) => !toLift.includes(r))]) {
      done(r)
      unchanged++
    }
    pending = [...toLift, ...toAdd]
    for (let i = 0; i < toLift.length; i += WAF_ITEMS_PER_WRITE) {
      const chunk = toLift.slice(i, i + WAF_ITEMS_PER_WRITE)
      await deleteItems(s, chunk.map((r) => listed.get(r.ip)!.id))
      for (const r of chunk) done(r)
      lifted += chunk.length
      pending = pending.filter((r) => !chunk.includes(r))
    }
    for (let i = 0; i < toAdd.length; i += WAF_ITEMS_PER_WRITE) {
      const chunk = toAdd.slice(i, i + WAF_ITEMS_PER_WRITE)
      await addItems(s, chunk.map((r) => ({ ip: r.ip, comment: wafComment(r.reason, r.expires_at) })))
      for (const r of chunk) done(r)
      added += chunk.length
      pending = pending.filter((r) => !chunk.includes(r))
    }
  } catch (error) {
    const code = error instanceof WafApiError ? error.code : 'error'
    const failures = Number(getMeta(sql, 'waf_failures') ?? 0) + 1
    const backoff = Math.min(WAF_BACKOFF_MAX_MS, WAF_BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 20))
    const retryAt = now + Math.min(WAF_BACKOFF_MAX_MS, Math.max(backoff, error instanceof WafApiError ? (error.retryAfterMs ?? 0) : 0))
    for (const r of pending) sql.exec('UPDATE waf_queue SET due_at = MAX(due_at, ?) WHERE ip = ? AND ver = ?', retryAt, r.ip, r.ver)
    setMeta(sql, 'waf_failures', failures)
    setMeta(sql, 'waf_last_error', code)
    setMeta(sql, 'waf_last_error_at', now)
    bump(sql, added, lifted)
    // Visible without the admin API too: one line per failed sync, no token, no list content.
    console.error(JSON.stringify({ event: 'waf_sync_error', error: code, failures, pending: pending.length, retry_at: retryAt }))
    return { added, lifted, unchanged, error: code }
  }
  deleteMeta(sql, 'waf_failures')
  setMeta(sql, 'waf_last_ok_at', now)
  bump(sql, added, lifted)
  return { added, lifted, unchanged, error: null }
}

function bump(sql: SqlStorage, added: number, lifted: number): void {
  if (added > 0) setMeta(sql, 'waf_added', Number(getMeta(sql, 'waf_added') ?? 0) + added)
  if (lifted > 0) setMeta(sql, 'waf_lifted', Number(getMeta(sql, 'waf_lifted') ?? 0) + lifted)
}

/** What the admin API shows (`GET stats` → `waf`). */
export interface WafStatus {
  readonly configured: boolean
  readonly queued: number
  readonly next_attempt_at: number | null
  readonly failures: number
  readonly last_ok_at: number | null
  readonly last_error: string | null
  readonly last_error_at: number | null
  readonly added: number
  readonly lifted: number
  readonly dropped: number
}

export function wafStatus(sql: SqlStorage, configured: boolean): WafStatus {
  const num = (k: string): number | null => {
    const v = getMeta(sql, k)
    return typeof v === 'number' ? v : null
  }
  const err = getMeta(sql, 'waf_last_error')
  return {
    configured,
    queued: sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM waf_queue').one().n,
    next_attempt_at: nextWafDue(sql),
    failures: num('waf_failures') ?? 0,
    last_ok_at: num('waf_last_ok_at'),
    last_error: typeof err === 'string' ? err : null,
    last_error_at: num('waf_last_error_at'),
    added: num('waf_added') ?? 0,
    lifted: num('waf_lifted') ?? 0,
    dropped: num('waf_dropped') ?? 0,
  }
}
