// The cost meter behind `npm run bench`'s per-class object calls and added latency: it counts every
// method call on a metered stub by binding and object kind, delays by the model only
// while on, and the model sends a username's counters far and every other object near.
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_ROUND_TRIPS, asRequest, meter, metered, resetMeter, roundTripModel } from '../../src/cli/bench/costMeter'

afterEach(() => {
  meter.on = false
  meter.latency = null
})

describe('bench cost meter', () => {
  it('counts calls per binding and object kind, and passes answers through', async () => {
    const stub = metered('COUNTERS', '["user","h"]', { observe: async (x: number) => x * 2, label: 'kept' })
    resetMeter()
    expect(await stub.observe(21)).toBe(42)
    await stub.observe(1)
    await stub.observe(1)
    expect(meter.calls.get('COUNTERS user')).toBe(3)
    expect(stub.label).toBe('kept')
  })

  it('counts nothing while off', async () => {
    const stub = metered('ZONE_STATS', 'not json', { add: async () => null })
    resetMeter()
    meter.on = false
    await stub.add()
    expect(meter.calls.size).toBe(0)
    meter.on = true
    await stub.add()
    expect(meter.calls.get('ZONE_STATS ?')).toBe(1)
  })

  it('sends a username far and everything else near, the same draws for the same seed', () => {
    const model = roundTripModel(DEFAULT_ROUND_TRIPS, 3)
    const far = Array.from({ length: 200 }, () => model('COUNTERS', '["user","x"]'))
    const near = Array.from({ length: 200 }, () => model('COUNTERS', '["device","x"]')).concat(Array.from({ length: 50 }, () => model('PASSWORD_TRIES', '["password","shard",1]')))
    expect(Math.min(...far)).toBeGreaterThanOrEqual(50)
    expect(Math.max(...far)).toBeLessThanOrEqual(150)
    expect(Math.min(...near)).toBeGreaterThanOrEqual(2)
    expect(Math.max(...near)).toBeLessThanOrEqual(5)
    const again = roundTripModel(DEFAULT_ROUND_TRIPS, 3)
    expect(Array.from({ length: 5 }, () => again('COUNTERS', '["user","x"]'))).toEqual(far.slice(0, 5))
  })

  it('a metered call waits its round trip while the model is set', async () => {
    const stub = metered('COUNTERS', '["user","x"]', { observe: async () => 1 })
    resetMeter(() => 30)
    const t0 = performance.now()
    await stub.observe()
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25)
  })

  it('counts as in a request only the calls it makes before its answer, not its later flush', async () => {
    const stub = metered('COUNTERS', '["ip","x"]', { observe: async () => 1, apply: async () => 1 })
    resetMeter()
    let flushOfFirst: Promise<unknown> = Promise.resolve()
    await asRequest(async () => {
      await stub.observe()
      // armed by this request, firing after its answer (during the next request below)
      flushOfFirst = new Promise((resolve) => setTimeout(() => resolve(stub.apply()), 20))
    })
    await asRequest(async () => {
      await stub.observe()
      await flushOfFirst
    })
    await stub.apply() // outside any request
    expect(meter.calls.get('COUNTERS ip')).toBe(4)
    expect(meter.inRequest).toBe(2)
  })
})
