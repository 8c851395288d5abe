// Takes deny entries through the client, the Counters object and the registry; checks
// enforcement on the next request, the in-isolate cache, fail-closed lookups and exact,
// alarm-driven expiry with a frozen clock (runDurableObjectAlarm).
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { denyKey, makeDenyEntry, type DenyTarget } from '../../src/counters/deny'
import { counterName, REGISTRY_NAME } from '../../src/counters/keys'
import type { JourneyKeys } from '../../src/counters/read'
import { DENY_MIRROR_PREFIX, denySource, liftDeny, observeRequest, type CounterStub, type CountersEnv } from '../../worker/counters/client'
import { IsolateCaches, DENY_VERIFY_MS } from '../../worker/counters/isolate'

const T0 = Date.UTC(2100, 0, 1)
let serial = 0
function keys(user: string | null = null): JourneyKeys {
  const n = serial++
  return { device: `deny-dev-${n}`, ip: `192.0.2.${n % 250}`, ipPrefix: '192.0.2.0/24', user }
}
const get = (now: number) => ({ routeClass: 'login', method: 'POST', now }) as const
function entry(target: DenyTarget, ttlS: number, now = T0) {
  const e = makeDenyEntry(target, ttlS, 'test', now)
  if (!e.ok) throw new Error(e.reason)
  return e.value
}
const counters = (kind: 'device' | 'ip' | 'user', value: string) => env.COUNTERS.get(env.COUNTERS.idFromName(counterName(kind, value)))
const registry = () => env.REGISTRY.get(env.REGISTRY.idFromName(REGISTRY_NAME))

/** Wraps COUNTERS to count observe calls, or to hang them; `mirror` adds the KV deny mirror. */
function watched(mode: 'count' | 'hang', calls = { n: 0 }, mirror = false): CountersEnv {
  return {
    COUNTERS: {
      idFromName: (n) => env.COUNTERS.idFromName(n),
      get: (id) => {
        const real = env.COUNTERS.get(id)
        const stub: CounterStub = {
          observe: (input) => {
            calls.n++
            return mode === 'hang' ? new Promise(() => {}) : real.observe(input)
          },
          record: (i) => real.record(i),
          deny: (e) => real.deny(e),
          undeny: (k) => real.undeny(k),
        }
        return stub
      },
    },
    ZONE_STATS: env.ZONE_STATS,
    REGISTRY: env.REGISTRY,
    ...(mirror ? { EDGEWARD_CONFIG: env.EDGEWARD_CONFIG } : {}),
  }
}

describe('deny list', () => {
  it('blocks an IP on its next request, from another isolate, before anything else', async () => {
    const k = keys()
    expect(await denySource(env, entry({ kind: 'ip', ip: k.ip }, 60), T0, { caches: new IsolateCaches() })).toBe(true)
    const read = await observeRequest(env, k, get(T0 + 1), 2_000, { caches: new IsolateCaches() })
    expect(read.deny).toEqual({ kind: 'ip', reason: 'test', expiresAt: T0 + 60_000 })
  })

  it('answers a cached hit with no call at all', async () => {
    const k = keys()
    const caches = new IsolateCaches()
    await denySource(env, entry({ kind: 'device', device: k.device ?? '' }, 600), T0, { caches })
    const calls = { n: 0 }
    const read = await observeRequest(watched('count', calls), k, get(T0 + 1), 2_000, { caches })
    expect(read).toEqual({ status: 'missing', reason: 'denied', deny: { kind: 'device', reason: 'test', expiresAt: T0 + 600_000 } })
    expect(calls.n).toBe(0)
  })

  it('keeps a cached hit when its re-check cannot answer (fails closed)', async () => {
    const k = keys()
    const caches = new IsolateCaches()
    await denySource(env, entry({ kind: 'ip', ip: k.ip }, 600), T0, { caches })
    const read = await observeRequest(watched('hang'), k, get(T0 + DENY_VERIFY_MS), 25, { caches })
    expect(read.status).toBe('missing')
    expect(read.deny?.kind).toBe('ip')
  })

  it('drops a cached hit once its object says it was lifted', async () => {
    const k = keys()
    const caches = new IsolateCaches()
    const target: DenyTarget = { kind: 'ip', ip: k.ip }
    await denySource(env, entry(target, 600), T0, { caches })
    expect(await liftDeny(env, target, { caches: new IsolateCaches() })).toEqual({ stored: true, found: true })
    const read = await observeRequest(env, k, get(T0 + DENY_VERIFY_MS), 2_000, { caches })
    expect(read).toMatchObject({ status: 'ok', deny: null })
  })

  it('blocks a username only from the denied IP', async () => {
    const k = keys('victim-hash')
    await denySource(env, entry({ kind: 'user_ip', user: 'victim-hash', ip: k.ip }, 60), T0, { caches: new IsolateCaches() })
    const same = await observeRequest(env, k, get(T0 + 1), 2_000, { caches: new IsolateCaches() })
    expect(same.deny?.kind).toBe('user_ip')
    const other = await observeRequest(env, { ...keys('victim-hash'), ip: '192.0.2.251' }, get(T0 + 2), 2_000, { caches: new IsolateCaches() })
    expect(other.deny).toBeNull()
  })

  it('treats a stored entry it cannot read as a hit', async () => {
    const k = keys()
    const stub = counters('ip', k.ip)
    // A real entry (the object makes its deny table with it), then made unreadable in storage.
    await stub.deny({ target: { kind: 'ip', ip: k.ip }, reason: 'x', createdAt: T0, expiresAt: T0 + 60_000 })
    await runInDurableObject(stub, (_obj, state) => {
      state.storage.sql.exec("UPDATE deny SET kind = 'bogus-kind' WHERE key = ?", denyKey({ kind: 'ip', ip: k.ip }))
    })
    const read = await observeRequest(env, k, get(T0 + 1), 2_000, { caches: new IsolateCaches() })
    expect(read.deny).toMatchObject({ kind: 'ip', reason: 'unreadable_entry' })
  })

  describe('while the holding object is down (the KV mirror)', () => {
    // A fresh isolate (no cached hit) and an object that never answers: only the mirror knows.
    const outage = (k: JourneyKeys, now: number) => observeRequest(watched('hang', { n: 0 }, true), k, get(now), 25, { caches: new IsolateCaches(), mirrorBudgetMs: 2_000 })

    it('still blocks a denied source, and says the counters were missing', async () => {
      const k = keys()
      await denySource(env, entry({ kind: 'ip', ip: k.ip }, 600), T0, { caches: new IsolateCaches() })
      const read = await outage(k, T0 + 1)
      expect(read).toMatchObject({ status: 'missing', reason: 'timeout', deny: { kind: 'ip', reason: 'test', expiresAt: T0 + 600_000 } })
      // Without the mirror the same outage cannot know (the case the mirror exists for).
      const blind = await observeRequest(watched('hang'), k, get(T0 + 1), 25, { caches: new IsolateCaches() })
      expect(blind.deny).toBeNull()
    })

    it('honours the exact expiry, not KV\'s coarser TTL', async () => {
      const k = keys()
      await denySource(env, entry({ device: k.device ?? '', kind: 'device' }, 90), T0, { caches: new IsolateCaches() })
      expect((await outage(k, T0 + 89_999)).deny?.kind).toBe('device')
      expect((await outage(k, T0 + 90_000)).deny).toBeNull()
    })

    it('does not bring back a lifted entry', async () => {
      const k = keys()
      const target: DenyTarget = { kind: 'user_ip', user: 'mirror-user', ip: k.ip }
      await denySource(env, entry(target, 600), T0, { caches: new IsolateCaches() })
      expect(await liftDeny(env, target, { caches: new IsolateCaches() })).toEqual({ stored: true, found: true })
      expect(await env.EDGEWARD_CONFIG.get(DENY_MIRROR_PREFIX + denyKey(target))).toBeNull()
      expect((await outage({ ...k, user: 'mirror-user' }, T0 + 1)).deny).toBeNull()
    })

    it('treats a mirrored entry it cannot read as a hit', async () => {
      const k = keys()
      await env.EDGEWARD_CONFIG.put(DENY_MIRROR_PREFIX + denyKey({ kind: 'ip', ip: k.ip }), 'not json', { expirationTtl: 60 })
      expect((await outage(k, T0 + 1)).deny).toMatchObject({ kind: 'ip', reason: 'unreadable_entry' })
    })

    it('keeps precedence: a mirrored device hit outranks the IP hit its object answered with', async () => {
      const k = keys()
      await denySource(env, entry({ kind: 'device', device: k.device ?? '' }, 600), T0, { caches: new IsolateCaches() })
      await denySource(env, entry({ kind: 'ip', ip: k.ip }, 600), T0, { caches: new IsolateCaches() })
      // Only the device's object is down; the IP's answers with its own hit.
      const names = new Map<string, string>()
      const deviceDown: CountersEnv = {
        ...watched('count', { n: 0 }, true),
        COUNTERS: {
          idFromName: (n) => {
            const id = env.COUNTERS.idFromName(n)
            names.set(id.toString(), n)
            return id
          },
          get: (id) => {
            const real = env.COUNTERS.get(id)
            const down = names.get(id.toString()) === counterName('device', k.device ?? '')
            return { ...watched('count').COUNTERS.get(id), observe: (input) => (down ? new Promise(() => {}) : real.observe(input)) }
          },
        },
      }
      const read = await observeRequest(deviceDown, k, get(T0 + 1), 25, { caches: new IsolateCaches(), mirrorBudgetMs: 2_000 })
      expect(read.deny?.kind).toBe('device')
    })

    it('caches a mirror answer that lands after its budget, so the next request is blocked', async () => {
      const k = keys()
      await denySource(env, entry({ kind: 'ip', ip: k.ip }, 600), T0, { caches: new IsolateCaches() })
      // A cold KV read: slower than the mirror's 5 ms budget.
      const slowKv = { ...env.EDGEWARD_CONFIG, get: async (key: string) => (await new Promise((r) => setTimeout(r, 60)), env.EDGEWARD_CONFIG.get(key)) }
      const outage = { ...watched('hang'), EDGEWARD_CONFIG: slowKv as unknown as KVNamespace }
      const caches = new IsolateCaches()
      const deferred: Promise<unknown>[] = []
      const first = await observeRequest(outage, k, get(T0 + 1), 25, { caches, defer: (p) => deferred.push(p) })
      expect(first.deny).toBeNull() // missed the budget: decided on what was cached
      await Promise.all(deferred)
      const calls = { n: 0 }
      const second = await observeRequest(watched('count', calls), k, get(T0 + 2), 2_000, { caches })
      expect(second).toMatchObject({ status: 'missing', reason: 'denied', deny: { kind: 'ip' } })
      expect(calls.n).toBe(0)
    })

    it('reads nothing from KV while the object answers', async () => {
      const k = keys()
      await env.EDGEWARD_CONFIG.put(DENY_MIRROR_PREFIX + denyKey({ kind: 'ip', ip: k.ip }), JSON.stringify({ kind: 'ip', reason: 'stale', expires_at: T0 + 600_000 }), { expirationTtl: 60 })
      const read = await observeRequest(watched('count', { n: 0 }, true), k, get(T0 + 1), 2_000, { caches: new IsolateCaches() })
      expect(read).toMatchObject({ status: 'ok', deny: null }) // the object is the authority when it answers
    })
  })

  it('expires an entry exactly on time, and its alarm deletes it with a frozen clock', async () => {
    const k = keys()
    const target: DenyTarget = { kind: 'device', device: k.device ?? '' }
    const e = entry(target, 90)
    await denySource(env, e, T0, { caches: new IsolateCaches() })
    const stub = counters('device', k.device ?? '')
    const q = { key: denyKey(target), kind: 'device' } as const
    expect((await stub.peek(T0 + 89_999, q)).deny).not.toBeNull()
    expect((await stub.peek(T0 + 90_000, q)).deny).toBeNull()
    // Deleted with the rest: an object left with nothing empties, its schema too (made again on its next call).
    const rows = () =>
      runInDurableObject(stub, (_o, s) => {
        const sql = s.storage.sql
        return sql.exec("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'deny'").one().n === 0 ? 0 : sql.exec('SELECT COUNT(*) AS n FROM deny').one().n
      })
    expect(await rows()).toBe(1)
    expect(await runInDurableObject(stub, (_o, s) => s.storage.getAlarm())).toBe(T0 + 90_000)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await rows()).toBe(0)
    expect((await stub.peek(T0 + 90_001, q)).deny).toBeNull()
    // The registry's index expires with the same alarm discipline.
    expect((await registry().listDeny(T0 + 89_999)).some((x) => denyKey(x.target) === denyKey(target))).toBe(true)
    expect((await registry().listDeny(T0 + 90_000)).some((x) => denyKey(x.target) === denyKey(target))).toBe(false)
  })

  it('deletes expired entries from the registry when its alarm runs', async () => {
    const reg = registry()
    await runDurableObjectAlarm(reg) // clear whatever earlier tests scheduled
    const target: DenyTarget = { kind: 'ip', ip: '203.0.113.250' }
    await reg.indexDeny(entry(target, 1, T0 - 10_000_000)) // expires before every other test entry
    expect(await runInDurableObject(reg, (_o, s) => s.storage.getAlarm())).toBe(T0 - 10_000_000 + 1_000)
    expect(await runDurableObjectAlarm(reg)).toBe(true)
    const left = await runInDurableObject(reg, (_o, s) => s.storage.sql.exec('SELECT COUNT(*) AS n FROM deny_index WHERE key = ?', denyKey(target)).one().n)
    expect(left).toBe(0)
  })
})
