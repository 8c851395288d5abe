// Takes the isolate's ledger (worker/counters/ledger.ts) and an asset's writes held as riders; checks
// that riders count in the key's view at once, make the key hold nothing a flush would send, go with
// the key's next call (a page view's write or a read sealing it), are dropped after RIDER_MAX_AGE_MS
// when no call carried them, and leave the key evictable.
import { describe, expect, it } from 'vitest'
import { bumpOps } from '../../src/counters/batch'
import { JourneyLedger, RIDER_MAX_AGE_MS } from '../../worker/counters/ledger'

const T0 = Date.UTC(2100, 0, 1)
const asset = (at: number) => bumpOps(['requests'], at)
const page = (at: number) => bumpOps(['requests', 'navigations', 'page_views'], at)

describe('riders: writes that make no call of their own', () => {
  it('count in the view at once and leave nothing for a flush to send', () => {
    const ledger = new JourneyLedger()
    const k = ledger.key('ip', '["ip","192.0.2.1"]', null)!
    for (let i = 0; i < 4; i++) ledger.ride(k, asset(T0 + i * 1_000), T0 + i * 1_000)
    expect(ledger.view(k, T0 + 5_000).counts.requests['1m']).toBe(4)
    expect(ledger.holding()).toEqual([])
  })

  it("go with the key's next call, once", () => {
    const ledger = new JourneyLedger()
    const k = ledger.key('ip', '["ip","192.0.2.2"]', null)!
    ledger.ride(k, asset(T0), T0)
    ledger.ride(k, asset(T0 + 20_000), T0 + 20_000)
    ledger.hold(k, page(T0 + 30_000))
    expect(ledger.holding()).toEqual([k])
    const { batches } = ledger.seal(k, T0 + 31_000)
    const sent = batches.flatMap((b) => b.ops).filter((op) => op.op === 'bump' && op.metric === 'requests')
    expect(sent.reduce((n, op) => n + (op.op === 'bump' ? op.n : 0), 0)).toBe(3)
    expect(k.riders).toEqual([])
    // Sent, not yet confirmed: still counted once in the view, not twice.
    expect(ledger.view(k, T0 + 31_000).counts.requests['1m']).toBe(3)
  })

  it(`are dropped after ${RIDER_MAX_AGE_MS / 60_000} minutes when no call carried them`, () => {
    const ledger = new JourneyLedger()
    const k = ledger.key('ip', '["ip","192.0.2.3"]', null)!
    ledger.ride(k, asset(T0), T0)
    ledger.ride(k, asset(T0 + RIDER_MAX_AGE_MS + 10_000), T0 + RIDER_MAX_AGE_MS + 10_000)
    expect(k.riders).toHaveLength(1)
    const { batches } = ledger.seal(k, T0 + RIDER_MAX_AGE_MS + 20_000)
    expect(batches.flatMap((b) => b.ops)).toHaveLength(1)
  })

  it('ask the deny mirror at most once a minute for a key with no fresh snapshot', () => {
    const ledger = new JourneyLedger()
    const k = ledger.key('ip', '["ip","192.0.2.4"]', { key: 'ip:192.0.2.4', kind: 'ip' })!
    expect(ledger.mirrorDue(k, T0)).toBe(true)
    expect(ledger.mirrorDue(k, T0 + 59_000)).toBe(false)
    expect(ledger.mirrorDue(k, T0 + 60_000)).toBe(true)
    const prefix = ledger.key('prefix', '["prefix","192.0.2.0/24"]', null)!
    expect(ledger.mirrorDue(prefix, T0)).toBe(false) // no deny entries live on a prefix key
  })
})
