// The used-challenge set and the clearance use records: a SQLite Durable Object (one of
// NONCE_SHARDS, by challenge id — a clearance keeps its challenge's id) that records each
// challenge id the first time it is redeemed, and each clearance's uses, the failed-login count
// at its first use and whether failures revoked it, until it expires. Caller-timed RPC; no clock.
import { DurableObject } from 'cloudflare:workers'
import { revokedByFailures, type ClearanceUse } from '../../src/policy/clearance'
import { alarmDone, alarmTime, migrate, scheduleAlarm, type Migration } from '../counters/schema'

export const NONCE_MIGRATIONS: readonly Migration[] = [
  ['CREATE TABLE IF NOT EXISTS used (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID', 'CREATE INDEX IF NOT EXISTS used_expiry ON used (expires_at)'],
  [
    'CREATE TABLE IF NOT EXISTS clearance_uses (id TEXT PRIMARY KEY, uses INTEGER NOT NULL, failures_at_first INTEGER, revoked INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID',
    'CREATE INDEX IF NOT EXISTS clearance_uses_expiry ON clearance_uses (expires_at)',
  ],
  // No-JavaScript clearances granted per network (one row each, kept for the cap's window).
  [
    'CREATE TABLE IF NOT EXISTS wait_grants (id TEXT PRIMARY KEY, net TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID',
    'CREATE INDEX IF NOT EXISTS wait_grants_net ON wait_grants (net, expires_at)',
  ],
]

/** What redeeming a wait token did: granted (first use, under the network's cap), replayed, or limited. */
export type WaitRedemption = 'granted' | 'replayed' | 'limited'

interface UseRow extends Record<string, SqlStorageValue> {
  uses: number
  failures_at_first: number | null
  revoked: number
}

/** Expired ids are pruned in sweeps at most this often (an expired challenge is refused anyway). */
export const PRUNE_EVERY_MS = 60_000

export class NonceStore extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    migrate(ctx.storage, NONCE_MIGRATIONS)
  }

  /** True the first time `id` is redeemed; false for every later try (kept until it expires). */
  consume(id: string, expiresAt: number): boolean {
    const written = this.ctx.storage.sql.exec('INSERT INTO used (id, expires_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING', id, expiresAt).rowsWritten
    if (written > 0) scheduleAlarm(this.ctx.storage, expiresAt + PRUNE_EVERY_MS, 'if_none')
    return written > 0
  }

  /**
   * Counts one use of clearance `id` and returns its record. `failures`: the client's failed logins
   * now (null: unknown); the first known count is the baseline, and a rise of
   * CLEARANCE_REVOKE_FAILURES over it revokes the clearance for good. One statement: exact under
   * concurrency (a Durable Object runs one call at a time).
   */
  useClearance(id: string, expiresAt: number, failures: number | null): ClearanceUse {
    const sql = this.ctx.storage.sql
    const row = sql
      .exec<UseRow>(
        `INSERT INTO clearance_uses (id, uses, failures_at_first, revoked, expires_at) VALUES (?, 1, ?, 0, ?)
         ON CONFLICT(id) DO UPDATE SET uses = uses + 1, failures_at_first = COALESCE(failures_at_first, excluded.failures_at_first)
         RETURNING uses, failures_at_first, revoked`,
        id, failures, expiresAt,
      )
      .one()
    const failuresSince = failures === null || row.failures_at_first === null ? null : Math.max(0, failures - row.failures_at_first)
    let revoked = row.revoked === 1
    if (!revoked && revokedByFailures(failuresSince)) {
      sql.exec('UPDATE clearance_uses SET revoked = 1 WHERE id = ?', id)
      revoked = true
    }
    if (row.uses === 1) scheduleAlarm(this.ctx.storage, expiresAt + PRUNE_EVERY_MS, 'if_none')
    return { uses: row.uses, failuresSince, revoked }
  }

  /**
   * Redeems wait token `id` for network `net` (its clearanceNetHash): `replayed` if it was redeemed
   * before; `limited` (not consumed) when `net` already has `max` grants younger than `windowMs`;
   * else records both and answers `granted`. One call at a time: exact under concurrency. Sharded
   * by the network, so a network's grants are counted in one object.
   */
  redeemWait(id: string, expiresAt: number, net: string, now: number, max: number, windowMs: number): WaitRedemption {
    const sql = this.ctx.storage.sql
    if (sql.exec('SELECT 1 FROM used WHERE id = ?', id).toArray().length > 0) return 'replayed'
    const held = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM wait_grants WHERE net = ? AND expires_at > ?', net, now).one().n
    if (held >= max) return 'limited'
    sql.exec('INSERT INTO used (id, expires_at) VALUES (?, ?)', id, expiresAt)
    sql.exec('INSERT INTO wait_grants (id, net, expires_at) VALUES (?, ?, ?)', id, net, now + windowMs)
    scheduleAlarm(this.ctx.storage, Math.min(expiresAt, now + windowMs) + PRUNE_EVERY_MS, 'if_none')
    return 'granted'
  }

  /** A clearance's record without counting a use (the challenge page asks before saying "already verified"). */
  peekClearance(id: string): { uses: number; revoked: boolean } {
    const row = this.ctx.storage.sql.exec<UseRow>('SELECT uses, failures_at_first, revoked FROM clearance_uses WHERE id = ?', id).toArray()[0]
    return { uses: row?.uses ?? 0, revoked: row?.revoked === 1 }
  }

  /** Ids held right now (tests and the storage doc). */
  size(): number {
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM used').one().n
  }

  /** Clearance records held right now (tests and the storage doc). */
  clearanceRecords(): number {
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM clearance_uses').one().n
  }

  /** Drops every id expired at the alarm's scheduled time, then waits for the next sweep. */
  override alarm(): void {
    const sql = this.ctx.storage.sql
    const now = alarmTime(sql)
    if (now === null) return
    sql.exec('DELETE FROM used WHERE expires_at <= ?', now)
    sql.exec('DELETE FROM clearance_uses WHERE expires_at <= ?', now)
    sql.exec('DELETE FROM wait_grants WHERE expires_at <= ?', now)
    alarmDone(sql)
    const next =
      sql
        .exec<{ t: number | null }>(
          'SELECT MIN(t) AS t FROM (SELECT MIN(expires_at) AS t FROM used UNION ALL SELECT MIN(expires_at) FROM clearance_uses UNION ALL SELECT MIN(expires_at) FROM wait_grants)',
        )
        .toArray()[0]?.t ?? null
    if (next !== null) scheduleAlarm(this.ctx.storage, Math.max(next, now) + PRUNE_EVERY_MS, 'if_none')
  }
}
