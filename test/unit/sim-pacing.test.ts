import { describe, expect, it } from 'vitest'
import { pacing, quantile } from '../../src/cli/simulate/pacing'
import type { RequestRecord } from '../../src/cli/simulate/truth'

const req = (ms: number, queuedMs: number | undefined, status = 200): RequestRecord => ({
  session: 's', family: 'human_http', ip: '127.0.0.1', method: 'GET', path: '/', startedAt: 0, ms, status, mitigated: null, ref: null,
  ...(queuedMs === undefined ? {} : { queuedMs }),
})

describe('simulator pacing', () => {
  it('quantile is the nearest rank, null when empty', () => {
    expect(quantile([], 0.5)).toBeNull()
    expect(quantile([3, 1, 2], 0.5)).toBe(2)
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4)
    expect(quantile([5], 0)).toBe(5)
  })

  it('a run whose requests wait in the queue longer than the server takes is saturated', () => {
    const p = pacing([req(200, 5000), req(250, 4000), req(300, 6000)])
    expect(p.saturated).toBe(true)
    expect(p.queued_ms_p50).toBe(5000)
    expect(p.server_ms_p50).toBe(250)
    expect(p.queued_over_1s_share).toBe(1)
  })

  it('an idle run is not: short queues, or a queue shorter than the server time', () => {
    expect(pacing([req(20, 0), req(30, 1), req(25, 0)]).saturated).toBe(false)
    expect(pacing([req(800, 300), req(900, 200)]).saturated).toBe(false)
  })

  it('unanswered requests count in the queue, not in the server time; records without a queue time are left out', () => {
    const p = pacing([req(60_000, 10, 0), req(40, undefined), req(50, 20)])
    expect(p.server_ms_p95).toBe(50)
    expect(p.queued_ms_p95).toBe(20)
    expect(pacing([]).saturated).toBe(false)
  })
})
