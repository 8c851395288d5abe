// Deny entries held by the object of the key they block (device, IP, or the username for
// username+IP). Takes SqlStorage, entries and the caller's time; returns hits. Fails closed.
import { hitFromRow, type DenyEntry, type DenyHit, type DenyKind, denyKey } from '../../src/counters/deny'

export const DENY_TABLES = [
  `CREATE TABLE IF NOT EXISTS deny (key TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
  'CREATE INDEX IF NOT EXISTS deny_expiry ON deny (expires_at)',
] as const

/** Per object; past it the entries that expire soonest make room (username+IP lists only). */
export const MAX_DENY_PER_OBJECT = 1_000

export function putDeny(sql: SqlStorage, entry: DenyEntry): void {
  sql.exec(
    `INSERT INTO deny (key, kind, reason, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, reason = excluded.reason,
       created_at = excluded.created_at, expires_at = excluded.expires_at`,
    denyKey(entry.target),
    entry.target.kind,
    entry.reason,
    entry.createdAt,
    entry.expiresAt,
  )
  sql.exec(
    'DELETE FROM deny WHERE key IN (SELECT key FROM deny ORDER BY expires_at DESC LIMIT -1 OFFSET ?)',
    MAX_DENY_PER_OBJECT,
  )
}

export function removeDeny(sql: SqlStorage, key: string): boolean {
  return sql.exec('DELETE FROM deny WHERE key = ?', key).rowsWritten > 0
}

/** The live entry for `key` at `now`, exact to the millisecond whether or not the alarm ran. */
export function lookupDeny(sql: SqlStorage, key: string, kind: DenyKind, now: number): DenyHit | null {
  const row = sql.exec<{ kind: string; reason: string; expires_at: number }>('SELECT kind, reason, expires_at FROM deny WHERE key = ?', key).toArray()[0]
  return row === undefined ? null : hitFromRow(row, kind, now)
}

export function pruneDeny(sql: SqlStorage, now: number): void {
  sql.exec('DELETE FROM deny WHERE expires_at <= ?', now)
}

export function nextDenyExpiry(sql: SqlStorage): number | null {
  const row = sql.exec<{ t: number | null }>('SELECT MIN(expires_at) AS t FROM deny').toArray()[0]
  return row?.t ?? null
}
