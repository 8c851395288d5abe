// The password shards inside workerd with real SQLite storage: what one password's hour counts, that
// passwords sharing a shard count apart, that every row is gone an hour later (busy or idle), that a
// spray's rows stop at the cap, and that the shard holds no password, only its keyed digest.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { PASSWORD_KEEP_MS, PASSWORD_SHARDS, passwordShardName } from '../../src/counters/keys'
import { PASSWORD_MAX_MEMBERS, PASSWORD_TRIES_MIGRATIONS, type PasswordTries } from '../../worker/counters/PasswordTries'
import { migrate } from '../../worker/counters/schema'
import { rowsWritten } from '../support/rowsWritten'

// In the future, as the other object tests: an alarm set for a time the wall clock has passed fires at once, mid-test.
const T0 = Date.UTC(2100, 0, 1)
let serial = 0
const shard = (): DurableObjectStub<PasswordTries> => env.PASSWORD_TRIES.get(env.PASSWORD_TRIES.idFromName(`test-shard-${serial++}`))
const rows = (stub: DurableObjectStub<PasswordTries>) =>
  runInDurableObject(stub, (_obj, state) => ['tries', 'sources', 'outcomes'].map((t) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`).one().n))

describe('password shards', () => {
  it('counts one password\'s usernames, refusals, acceptances and addresses; a refusal then acceptance was a typo', async () => {
    const s = shard()
    const pw = 'a'.repeat(32)
    await s.observe({ now: T0, password: pw, user: 'u1', ip: '198.51.100.1' })
    await s.record({ now: T0 + 1, password: pw, user: 'u1', outcome: 'login_failure', person: true })
    await s.observe({ now: T0 + 2, password: pw, user: 'u2', ip: '198.51.100.2' })
    await s.record({ now: T0 + 3, password: pw, user: 'u2', outcome: 'login_failure', person: true })
    await s.observe({ now: T0 + 4, password: pw, user: 'u3', ip: '198.51.100.2' })
    await s.record({ now: T0 + 5, password: pw, user: 'u3', outcome: 'login_success', person: true })
    // u1 is let in after all: out of the refused, into the let in.
    await s.record({ now: T0 + 6, password: pw, user: 'u1', outcome: 'login_success', person: true })
    // An account let in from many addresses is not one person's: counted as a success, not as let in.
    await s.observe({ now: T0 + 7, password: pw, user: 'u4', ip: '198.51.100.3' })
    await s.record({ now: T0 + 8, password: pw, user: 'u4', outcome: 'login_success', person: false })
    // An unreadable sign-in adds its address and its refusal, no username.
    const last = await s.observe({ now: T0 + 9, password: pw, user: null, ip: '198.51.100.4' })
    await s.record({ now: T0 + 10, password: pw, user: null, outcome: 'login_failure', person: false })
    expect(last).toEqual({ users: 4, failedUsers: 1, signedInUsers: 2, ips: 4, failures: 2, successes: 3 })
    expect(await s.peek(T0 + 11, pw)).toEqual({ users: 4, failedUsers: 1, signedInUsers: 2, ips: 4, failures: 3, successes: 3 })
  })

  it('counts two passwords in one shard apart', async () => {
    const s = shard()
    await s.observe({ now: T0, password: 'b'.repeat(32), user: 'u1', ip: '198.51.100.1' })
    await s.record({ now: T0, password: 'b'.repeat(32), user: 'u1', outcome: 'login_failure', person: true })
    const other = await s.observe({ now: T0 + 1, password: 'c'.repeat(32), user: 'u2', ip: '198.51.100.1' })
    expect(other).toEqual({ users: 1, failedUsers: 0, signedInUsers: 0, ips: 1, failures: 0, successes: 0 })
  })

  it('forgets every row an hour after its last write: busy, the next use finds only itself; idle, its alarm empties it', async () => {
    const s = shard()
    const pw = 'd'.repeat(32)
    await s.observe({ now: T0, password: pw, user: 'u1', ip: '198.51.100.1' })
    await s.record({ now: T0, password: pw, user: 'u1', outcome: 'login_failure', person: true })
    const later = await s.observe({ now: T0 + PASSWORD_KEEP_MS + 60_001, password: pw, user: 'u2', ip: '198.51.100.2' })
    expect(later).toEqual({ users: 1, failedUsers: 0, signedInUsers: 0, ips: 1, failures: 0, successes: 0 })
    expect(await rows(s)).toEqual([1, 1, 0])
    for (let i = 0; i < 3 && (await runDurableObjectAlarm(s)); i++);
    expect(await rows(s)).toEqual([0, 0, 0])
  })

  it('stops a password\'s usernames at the cap (a spray is far past any rule) and keeps counting the ones it holds', async () => {
    const s = shard()
    const pw = 'e'.repeat(32)
    await runInDurableObject(s, (_obj, state) => {
      for (let i = 0; i < PASSWORD_MAX_MEMBERS; i++) {
        state.storage.sql.exec('INSERT INTO tries (pw, user, tried_at, last_at) VALUES (?, ?, ?, ?)', pw, `m${i}`, T0, T0)
      }
    })
    const full = await s.observe({ now: T0 + 1, password: pw, user: 'one-more', ip: '198.51.100.1' })
    expect(full.users).toBe(PASSWORD_MAX_MEMBERS)
    expect((await rows(s))[0]).toBe(PASSWORD_MAX_MEMBERS)
  }, 30_000)

  it('refuses what is not a digest, a time or a known outcome', async () => {
    // On the instance: a refused RPC call would surface as an unhandled rejection in the pool.
    const thrown = await runInDurableObject(shard(), (obj: PasswordTries) =>
      [
        () => obj.observe({ now: Number.NaN, password: 'f'.repeat(32), user: null, ip: '198.51.100.1' }),
        () => obj.observe({ now: T0, password: '', user: null, ip: '198.51.100.1' }),
        () => obj.record({ now: T0, password: 'f'.repeat(32), user: null, outcome: 'signup_success' as never, person: false }),
      ].map((f) => {
        try {
          f()
          return 'accepted'
        } catch (e) {
          return (e as Error).message
        }
      }),
    )
    expect(thrown).toEqual([expect.stringMatching(/finite/), expect.stringMatching(/digest/), expect.stringMatching(/outcome/)])
  })

  it('names a shard by the digest\'s first byte, one of PASSWORD_SHARDS, and refuses a non-hex digest', () => {
    const names = new Set(Array.from({ length: 256 }, (_, b) => passwordShardName(`${b.toString(16).padStart(2, '0')}${'0'.repeat(30)}`)))
    expect(names.size).toBe(PASSWORD_SHARDS)
    expect(passwordShardName('ff00')).toBe(JSON.stringify(['password', 'shard', 255 % PASSWORD_SHARDS]))
    expect(() => passwordShardName('zz')).toThrow(/hex/)
  })

  describe('storage', () => {
    const schemaOf = (sql: SqlStorage) =>
      sql.exec<{ type: string; name: string; sql: string | null }>("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name").toArray()

    it("writes a sign-in's four table rows and no index row (its try, its address, its outcome, its refusal)", async () => {
      const s = shard()
      const pw = 'f'.repeat(32)
      await s.observe({ now: T0, password: pw, user: 'u0', ip: '198.51.100.1' }) // the first write also schedules the alarm
      const written = await rowsWritten(s, (obj) => {
        obj.observe({ now: T0 + 1_000, password: pw, user: 'u1', ip: '198.51.100.2' })
        obj.record({ now: T0 + 1_001, password: pw, user: 'u1', outcome: 'login_failure', person: true })
      })
      expect(written).toBe(4)
    })

    it('drops the time indexes of a shard made before, keeping its rows and counts; a new shard has the same schema', async () => {
      const pw = 'g'.repeat(32)
      const older = shard()
      const migrated = await runInDurableObject(older, async (_obj, state) => {
        await state.storage.deleteAll()
        migrate(state.storage, PASSWORD_TRIES_MIGRATIONS.slice(0, 1)) // a shard of the first version, with its indexes
        state.storage.sql.exec('INSERT INTO tries (pw, user, tried_at, failed_at, last_at) VALUES (?, ?, ?, ?, ?)', pw, 'x1', T0, T0, T0)
        state.storage.sql.exec('INSERT INTO sources (pw, ip, at) VALUES (?, ?, ?)', pw, 'y1', T0)
        state.storage.sql.exec('INSERT INTO outcomes (pw, minute, failures, successes) VALUES (?, ?, 1, 0)', pw, Math.floor(T0 / 60_000))
        const before = schemaOf(state.storage.sql).filter((r) => r.type === 'index').map((r) => r.name)
        const versions = migrate(state.storage, PASSWORD_TRIES_MIGRATIONS)
        return { before, versions, schema: schemaOf(state.storage.sql) }
      })
      expect(migrated.before).toEqual(['outcomes_minute', 'sources_at', 'tries_last'])
      expect(migrated.versions).toBe(PASSWORD_TRIES_MIGRATIONS.length)
      expect(migrated.schema.filter((r) => r.type === 'index')).toEqual([])
      expect(await older.peek(T0 + 1, pw)).toEqual({ users: 1, failedUsers: 1, signedInUsers: 0, ips: 1, failures: 1, successes: 0 })
      const fresh = shard()
      await fresh.peek(T0, pw)
      expect(await runInDurableObject(fresh, (_obj, state) => schemaOf(state.storage.sql))).toEqual(migrated.schema)
    })

    it('still forgets every row an hour after its last write, by scanning the shard', async () => {
      const s = shard()
      const pw = 'h'.repeat(32)
      await s.observe({ now: T0, password: pw, user: 'u1', ip: '198.51.100.1' })
      await s.record({ now: T0 + 1, password: pw, user: 'u1', outcome: 'login_failure', person: true })
      await s.observe({ now: T0 + PASSWORD_KEEP_MS + 120_000, password: 'i'.repeat(32), user: 'u2', ip: '198.51.100.9' })
      expect(await rows(s)).toEqual([1, 1, 0])
    })
  })
})

