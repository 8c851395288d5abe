// Takes the Counters Durable Object inside workerd; checks exact counts under concurrency,
// sliding windows and distinct counting with a frozen clock. Must not read the wall clock.
import { runInDurableObject } from 'cloudflare:test'
import { env as rawEnv } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { counterName } from '../../src/counters/keys'
import { HLL_STD_ERROR } from '../../src/counters/sketch'

const env = rawEnv as Env
/** A frozen clock far in the future, so no alarm fires on its own during a test. */
const T0 = Date.UTC(2100, 0, 1)
let serial = 0
const stubFor = (kind: 'device' | 'ip' | 'user' = 'device') => env.COUNTERS.get(env.COUNTERS.idFromName(counterName(kind, `t-${serial++}`)))
const request = (now: number) => ({ now, bumps: ['requests'] as const, distinct: null, deny: null })

describe('Counters', () => {
  it('counts 500 concurrent observations from one device exactly', async () => {
    const stub = stubFor()
    await Promise.all(Array.from({ length: 500 }, () => stub.observe(request(T0))))
    const snap = await stub.peek(T0)
    expect(snap.counts.requests['1m']).toBe(500)
    expect(snap.counts.requests['24h']).toBe(500)
  })

  it('slides every window with the clock', async () => {
    const stub = stubFor()
    await stub.observe(request(T0))
    const at = async (ms: number) => (await stub.peek(T0 + ms)).counts.requests
    expect(await at(0)).toEqual({ '1m': 1, '10m': 1, '1h': 1, '24h': 1 })
    expect(await at(49_999)).toMatchObject({ '1m': 1 })
    expect(await at(60_000)).toMatchObject({ '1m': 0, '10m': 1 })
    expect(await at(600_000)).toMatchObject({ '1m': 0, '10m': 0, '1h': 1 })
    expect(await at(3_600_000)).toMatchObject({ '1h': 0, '24h': 1 })
    expect(await at(86_400_000)).toEqual({ '1m': 0, '10m': 0, '1h': 0, '24h': 0 })
  })

  it('reports a key as fresh only on its first observation in 24 hours', async () => {
    const stub = stubFor('ip')
    expect((await stub.observe(request(T0))).fresh).toBe(true)
    expect((await stub.observe(request(T0 + 1000))).fresh).toBe(false)
    expect((await stub.observe(request(T0 + 2 * 86_400_000))).fresh).toBe(true)
  })

  it('counts distinct usernames exactly up to 64', async () => {
    const stub = stubFor()
    for (let i = 0; i < 64; i++) {
      for (let k = 0; k < 2; k++) {
        await stub.observe({ now: T0 + i, bumps: ['requests', 'login_attempts'], distinct: { set: 'users', member: `u${i}` }, deny: null })
      }
    }
    const snap = await stub.peek(T0 + 100)
    expect(snap.distinct.users['10m']).toBe(64)
    expect(snap.counts.login_attempts['10m']).toBe(128)
  })

  it(`estimates distinct usernames past 64 within ${(3 * HLL_STD_ERROR * 100).toFixed(1)} % (3 standard errors)`, async () => {
    const stub = stubFor()
    const n = 2000
    await runInDurableObject(stub, (obj) => {
      for (let i = 0; i < n; i++) obj.observe({ now: T0 + i, bumps: [], distinct: { set: 'users', member: `user-${i}` }, deny: null })
    })
    const snap = await stub.peek(T0 + n)
    expect(Math.abs(snap.distinct.users['10m'] - n) / n).toBeLessThan(3 * HLL_STD_ERROR)
    expect(snap.distinct.users['1m']).toBe(snap.distinct.users['10m'])
  })
})
