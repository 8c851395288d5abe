// One shard of the zone's password counts (password spraying): for each password digest that falls
// in it, the usernames it was tried on, refused for and let in, the addresses it came from, and its
// refusals and acceptances, over the last hour. Takes caller-timed calls over RPC; returns counts.
//
// Sharded, not one object per password: nearly every person's password is their own, so an object
// per digest would be a cold, freshly created object on almost every sign-in (a new SQLite file, a
// start-up inside the request's deadline). PASSWORD_SHARDS warm objects hold them all instead.
// Stores only the keyed digest (worker/privacy.ts hashPassword) and 64-bit ids of usernames and
// addresses, and forgets every row an hour after its last write, busy or idle.
import { DurableObject } from 'cloudflare:workers'
import { PASSWORD_KEEP_MS } from '../../src/counters/keys'
import type { PasswordCounts } from '../../src/counters/read'
import { memberId } from '../../src/counters/sketch'
import { checkedNow, migrate, PruneClock, pruningAlarm, scheduleAlarm, type Migration } from './schema'

const TABLES = [
  // One row per (password, username): when it was last tried, refused and let in.
  `CREATE TABLE IF NOT EXISTS tries (pw TEXT NOT NULL, user TEXT NOT NULL, tried_at INTEGER NOT NULL,
    failed_at INTEGER, signed_in_at INTEGER, last_at INTEGER NOT NULL, PRIMARY KEY (pw, user)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS sources (pw TEXT NOT NULL, ip TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (pw, ip)) WITHOUT ROWID`,
  // Refusals and acceptances per minute (a row per password and minute with any).
  `CREATE TABLE IF NOT EXISTS outcomes (pw TEXT NOT NULL, minute INTEGER NOT NULL, failures INTEGER NOT NULL,
    successes INTEGER NOT NULL, PRIMARY KEY (pw, minute)) WITHOUT ROWID`,
] as const
const TIME_INDEXES = ['tries_last', 'sources_at', 'outcomes_minute'] as const

export const PASSWORD_TRIES_MIGRATIONS: readonly Migration[] = [
  [
    TABLES[0],
    'CREATE INDEX IF NOT EXISTS tries_last ON tries (last_at)',
    TABLES[1],
    'CREATE INDEX IF NOT EXISTS sources_at ON sources (at)',
    TABLES[2],
    'CREATE INDEX IF NOT EXISTS outcomes_minute ON outcomes (minute)',
  ],
  // No time indexes: each sign-in rewrote three index rows besides its four table rows (rows written
  // are the bill, docs/performance.md), for a prune once a minute. The prune scans the shard instead:
  // an hour of its passwords, rows read at a thousandth of a row written.
  TIME_INDEXES.map((name) => `DROP INDEX IF EXISTS ${name}`),
]
/** The schema a new shard gets at once: the tables, without indexes made and dropped. */
const PASSWORD_TRIES_SCHEMA: Migration = [...TABLES]

export interface PasswordTry {
  readonly now: number
  /** The password's keyed digest. */
  readonly password: string
  /** The username's key, or null (unreadable). */
  readonly user: string | null
  /** The address's counter key. */
  readonly ip: string
}

export interface PasswordOutcome {
  readonly now: number
  readonly password: string
  readonly user: string | null
  readonly outcome: 'login_failure' | 'login_success'
  /** A success counts its username as let in (signedInUsers) only when the account looks like one person's. */
  readonly person: boolean
}

/** Usernames (and addresses) kept per password per hour; past it a count reads as at least this. */
export const PASSWORD_MAX_MEMBERS = 10_000
const MAX_DIGEST_CHARS = 128
const MINUTE_MS = 60_000
const PRUNE_EVERY_MS = 60_000

export class PasswordTries extends DurableObject<Env> {
  readonly #pruning = new PruneClock(PRUNE_EVERY_MS)

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    migrate(ctx.storage, PASSWORD_TRIES_MIGRATIONS, PASSWORD_TRIES_SCHEMA)
  }

  /** Counts one sign-in with this password, then returns its hour (this try included). */
  observe(input: PasswordTry): PasswordCounts {
    const now = checkedNow(input.now)
    const pw = checkedDigest(input.password)
    const sql = this.ctx.storage.sql
    const user = input.user === null ? null : memberId(checkedString(input.user))
    if (user !== null && this.#room('tries', 'user', pw, user)) {
      sql.exec(
        `INSERT INTO tries (pw, user, tried_at, last_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(pw, user) DO UPDATE SET tried_at = max(tried_at, excluded.tried_at), last_at = max(last_at, excluded.last_at)`,
        pw, user, now, now,
      )
    }
    const ip = memberId(checkedString(input.ip))
    if (this.#room('sources', 'ip', pw, ip)) {
      sql.exec('INSERT INTO sources (pw, ip, at) VALUES (?, ?, ?) ON CONFLICT(pw, ip) DO UPDATE SET at = max(at, excluded.at)', pw, ip, now)
    }
    this.#afterWrite(now)
    return this.#counts(pw, now)
  }

  /**
   * Counts the origin's answer to a sign-in with this password: a refusal marks the username refused;
   * an acceptance takes it back (refused then let in was a typo, not a guess) and, for a person, marks it let in.
   */
  record(input: PasswordOutcome): void {
    const now = checkedNow(input.now)
    const pw = checkedDigest(input.password)
    const sql = this.ctx.storage.sql
    const failed = input.outcome === 'login_failure'
    if (!failed && input.outcome !== 'login_success') throw new TypeError('bad outcome')
    const minute = Math.floor(now / MINUTE_MS)
    sql.exec(
      `INSERT INTO outcomes (pw, minute, failures, successes) VALUES (?, ?, ?, ?)
       ON CONFLICT(pw, minute) DO UPDATE SET failures = failures + excluded.failures, successes = successes + excluded.successes`,
      pw, minute, failed ? 1 : 0, failed ? 0 : 1,
    )
    const user = input.user === null ? null : memberId(checkedString(input.user))
    if (user !== null && this.#room('tries', 'user', pw, user)) {
      const signedIn = !failed && input.person === true ? now : null
      sql.exec(
        `INSERT INTO tries (pw, user, tried_at, failed_at, signed_in_at, last_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(pw, user) DO UPDATE SET
           failed_at = CASE WHEN ? THEN max(coalesce(failed_at, 0), ?) ELSE NULL END,
           signed_in_at = coalesce(max(coalesce(signed_in_at, 0), excluded.signed_in_at), signed_in_at),
           last_at = max(last_at, excluded.last_at)`,
        pw, user, now, failed ? now : null, signedIn, now,
        failed ? 1 : 0, now,
      )
    }
    this.#afterWrite(now)
  }

  /** Reads one password's hour without counting (tests, admin). */
  peek(now: number, password: string): PasswordCounts {
    return this.#counts(checkedDigest(password), checkedNow(now))
  }

  /** Runs at its scheduled time: forgets rows past the hour, empties the object when nothing is left. */
  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql
    await pruningAlarm(this.ctx.storage, PASSWORD_TRIES_MIGRATIONS, (now) => this.#prune(now), () => {
      const newest = sql
        .exec<{ t: number | null }>('SELECT max(t) AS t FROM (SELECT max(last_at) AS t FROM tries UNION ALL SELECT max(at) FROM sources UNION ALL SELECT max(minute) * ? + ? FROM outcomes)', MINUTE_MS, MINUTE_MS - 1)
        .one().t
      return newest === null ? null : newest + PASSWORD_KEEP_MS
    })
  }

  /** Whether `member` may be written for `pw`: it is kept already, or the digest is below PASSWORD_MAX_MEMBERS. */
  #room(table: 'tries' | 'sources', column: 'user' | 'ip', pw: string, member: string): boolean {
    const sql = this.ctx.storage.sql
    if (sql.exec(`SELECT 1 FROM ${table} WHERE pw = ? AND ${column} = ?`, pw, member).toArray().length > 0) return true
    return sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE pw = ?`, pw).one().n < PASSWORD_MAX_MEMBERS
  }

  #counts(pw: string, now: number): PasswordCounts {
    const sql = this.ctx.storage.sql
    const since = now - PASSWORD_KEEP_MS
    const t = sql
      .exec<{ users: number; failed: number; signed: number }>(
        `SELECT count(*) FILTER (WHERE tried_at > ?) AS users, count(*) FILTER (WHERE failed_at > ?) AS failed,
           count(*) FILTER (WHERE signed_in_at > ?) AS signed FROM tries WHERE pw = ? AND last_at > ?`,
        since, since, since, pw, since,
      )
      .one()
    const ips = sql.exec<{ n: number }>('SELECT count(*) AS n FROM sources WHERE pw = ? AND at > ?', pw, since).one().n
    const o = sql
      .exec<{ f: number | null; s: number | null }>('SELECT sum(failures) AS f, sum(successes) AS s FROM outcomes WHERE pw = ? AND minute > ?', pw, Math.floor(since / MINUTE_MS))
      .one()
    return { users: t.users, failedUsers: t.failed, signedInUsers: t.signed, ips, failures: o.f ?? 0, successes: o.s ?? 0 }
  }

  #afterWrite(now: number): void {
    if (this.#pruning.due(now)) this.#prune(now)
    scheduleAlarm(this.ctx.storage, now + PASSWORD_KEEP_MS, 'if_none')
  }

  #prune(now: number): void {
    const sql = this.ctx.storage.sql
    const until = now - PASSWORD_KEEP_MS
    sql.exec('DELETE FROM tries WHERE last_at <= ?', until)
    sql.exec('DELETE FROM sources WHERE at <= ?', until)
    sql.exec('DELETE FROM outcomes WHERE minute < ?', Math.floor(until / MINUTE_MS))
  }
}


function checkedDigest(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_DIGEST_CHARS) throw new TypeError('bad password digest')
  return v
}

function checkedString(v: unknown): string {
  if (typeof v !== 'string' || v.length > 256) throw new TypeError('bad member')
  return v
}
