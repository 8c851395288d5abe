// One shard of the zone's session bindings (stolen sessions): for each session cookie an origin set
// on a sign-in, as a keyed hash of its value (worker/privacy.ts hashSession), the device and country
// that signed in, until the binding expires. Read only for a session cookie that arrives without its
// companion cookie (worker/sessions.ts); written after the sign-in's answer.
import { DurableObject } from 'cloudflare:workers'
import type { SessionBinding } from '../../src/signals/sessionCookie'
import { checkedNow, migrate, pruningAlarm, scheduleAlarm, type Migration } from './schema'

export const SESSION_BINDINGS_MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE IF NOT EXISTS bindings (h TEXT PRIMARY KEY, device TEXT, country TEXT, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
    'CREATE INDEX IF NOT EXISTS bindings_expiry ON bindings (expires_at)',
  ],
]

const MAX_HASH_CHARS = 128
const MAX_FIELD_CHARS = 256

export class SessionBindings extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    migrate(ctx.storage, SESSION_BINDINGS_MIGRATIONS)
  }

  /** Binds a session (its keyed hash) to where it signed in, until `expiresAt`; a session signed in again is bound afresh. */
  bind(input: { readonly now: number; readonly session: string; readonly binding: SessionBinding; readonly expiresAt: number }): void {
    const now = checkedNow(input.now)
    const expiresAt = checkedNow(input.expiresAt)
    if (expiresAt <= now) return
    const h = checkedString(input.session, MAX_HASH_CHARS)
    const device = input.binding?.device == null ? null : checkedString(input.binding.device, MAX_FIELD_CHARS)
    const country = input.binding?.country == null ? null : checkedString(input.binding.country, MAX_FIELD_CHARS)
    this.ctx.storage.sql.exec(
      `INSERT INTO bindings (h, device, country, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(h) DO UPDATE SET device = excluded.device, country = excluded.country, expires_at = excluded.expires_at`,
      h, device, country, expiresAt,
    )
    scheduleAlarm(this.ctx.storage, expiresAt, 'if_earlier')
  }

  /** Where a session was bound, or null: never bound here, or expired. */
  lookup(input: { readonly now: number; readonly session: string }): SessionBinding | null {
    const now = checkedNow(input.now)
    const h = checkedString(input.session, MAX_HASH_CHARS)
    const row = this.ctx.storage.sql
      .exec<{ device: string | null; country: string | null }>('SELECT device, country FROM bindings WHERE h = ? AND expires_at > ?', h, now)
      .toArray()[0]
    return row === undefined ? null : { device: row.device, country: row.country }
  }

  /** Runs at the earliest expiry: deletes what expired, then waits for the next one (or empties the object). */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql
    await pruningAlarm(
      this.ctx.storage,
      SESSION_BINDINGS_MIGRATIONS,
      (now) => sql.exec('DELETE FROM bindings WHERE expires_at <= ?', now),
      () => sql.exec<{ t: number | null }>('SELECT min(expires_at) AS t FROM bindings').one().t,
    )
  }
}


function checkedString(v: unknown, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new TypeError('bad session binding field')
  return v
}
