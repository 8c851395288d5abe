// The used-challenge set: a SQLite Durable Object (one of NONCE_SHARDS, by challenge id) that
// records each challenge id the first time it is redeemed, until the challenge expires.
// Takes caller-timed calls over RPC; returns whether this was the first use. Never reads a clock.
import { DurableObject } from 'cloudflare:workers'
import { alarmDone, alarmTime, migrate, scheduleAlarm, type Migration } from '../counters/schema'

export const NONCE_MIGRATIONS: readonly Migration[] = [
  ['CREATE TABLE IF NOT EXISTS used (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID', 'CREATE INDEX IF NOT EXISTS used_expiry ON used (expires_at)'],
]

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

  /** Ids held right now (tests and the storage doc). */
  size(): number {
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM used').one().n
  }

  /** Drops every id expired at the alarm's scheduled time, then waits for the next sweep. */
  override alarm(): void {
    const sql = this.ctx.storage.sql
    const now = alarmTime(sql)
    if (now === null) return
    sql.exec('DELETE FROM used WHERE expires_at <= ?', now)
    alarmDone(sql)
    const next = sql.exec<{ t: number | null }>('SELECT MIN(expires_at) AS t FROM used').toArray()[0]?.t ?? null
    if (next !== null) scheduleAlarm(this.ctx.storage, Math.max(next, now) + PRUNE_EVERY_MS, 'if_none')
  }
}
