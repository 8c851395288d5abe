// Takes the pure window arithmetic and sketch of src/counters; checks bucket bounds,
// window floors and HyperLogLog accuracy in plain Node (no platform, no clock).
import { describe, expect, it } from 'vitest'
import { EXACT_LIMIT, HLL_M, HLL_STD_ERROR, hllEstimate, hllPoint, memberId } from '../../src/counters/sketch'
import { bucketStart, bucketsFor, SERIES, seriesFloors, SHORT_SERIES, shortSeriesFloor, sumWindows, WINDOW_SPECS, WINDOWS, windowFloor } from '../../src/counters/windows'

const T0 = Date.UTC(2100, 0, 1)

describe('sliding windows', () => {
  it('puts an event in one bucket per series: two — 1 min and 10 min from 10 s buckets, 1 h and 24 h from 5 min ones', () => {
    const b = bucketsFor(T0 + 312_345)
    expect(b).toEqual([
      { res: 10_000, start: T0 + 310_000 },
      { res: 300_000, start: T0 + 300_000 },
    ])
    expect(SERIES).toEqual([10_000, 300_000])
    expect(WINDOW_SPECS['1m'].res).toBe(SHORT_SERIES)
    expect(WINDOW_SPECS['10m'].res).toBe(SHORT_SERIES)
  })

  it.each(WINDOWS)('counts an event in the %s window for at least ms - res and at most ms', (w) => {
    const { ms, res } = WINDOW_SPECS[w]
    for (const offset of [0, 1, res / 2, res - 1]) {
      const t = T0 + offset
      const rows = bucketsFor(t).map((b) => ({ ...b, n: 1 }))
      expect(sumWindows(rows, t + ms - res - 1)[w]).toBe(1)
      expect(sumWindows(rows, t + ms)[w]).toBe(0)
    }
  })

  it('never counts a bucket that starts before the window', () => {
    for (const w of WINDOWS) {
      const now = T0 + 7_777
      expect(windowFloor(now, w)).toBeGreaterThan(now - WINDOW_SPECS[w].ms)
      expect(windowFloor(now, w) % WINDOW_SPECS[w].res).toBe(0)
    }
  })

  it('prunes exactly the buckets no window can count: a series keeps what its longest window reads', () => {
    for (const now of [T0 + 3_600_000 + 5, T0 + 12_345_678]) {
      for (const { res, below } of seriesFloors(now)) {
        const floors = WINDOWS.filter((x) => WINDOW_SPECS[x].res === res).map((w) => windowFloor(now, w))
        expect(floors.length).toBeGreaterThan(0)
        expect(below).toBe(Math.min(...floors))
        // A bucket at the floor is still counted by some window; the one before it by none.
        expect(sumWindows([{ res, start: below, n: 1 }], now)).not.toEqual({ '1m': 0, '10m': 0, '1h': 0, '24h': 0 })
        expect(sumWindows([{ res, start: below - res, n: 1 }], now)).toEqual({ '1m': 0, '10m': 0, '1h': 0, '24h': 0 })
      }
    }
    expect(seriesFloors(T0 + 700_000).find((f) => f.res === SHORT_SERIES)?.below).toBe(windowFloor(T0 + 700_000, '10m'))
    for (const now of [T0, T0 + 700_001, T0 + 12_345_678]) expect(shortSeriesFloor(now)).toBe(seriesFloors(now).find((f) => f.res === SHORT_SERIES)?.below)
    expect(bucketStart(-1, 10)).toBe(-10)
  })
})

describe('distinct sketch', () => {
  it('derives register points from the stored member id', () => {
    const id = memberId('alice')
    expect(id).toMatch(/^[0-9a-f]{16}$/)
    expect(memberId('alice')).toBe(id)
    const p = hllPoint(id)
    expect(p.idx).toBeGreaterThanOrEqual(0)
    expect(p.idx).toBeLessThan(HLL_M)
    expect(p.rho).toBeGreaterThanOrEqual(1)
  })

  it('estimates an empty sketch as zero', () => {
    expect(hllEstimate([])).toBe(0)
  })

  it.each([EXACT_LIMIT + 1, 200, 1_000, 10_000, 100_000])('estimates %i distinct members within 3 standard errors (%)', (n) => {
    for (const seed of ['a', 'b', 'c']) {
      const regs = Array.from({ length: n }, (_, i) => hllPoint(memberId(`${seed}-user-${i}@example.com`)))
      const error = Math.abs(hllEstimate(regs) - n) / n
      expect(error).toBeLessThan(3 * HLL_STD_ERROR)
    }
  })
})
