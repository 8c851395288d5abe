// How loaded the local server was, as the simulated clients saw it: the server's time per request
// and the time spent first in the simulator's own queue (its cap on requests in flight). A queue of
// seconds means the run offered more than the local server answers, so every family paced by its
// answers — a scraper fetching page after page — made fewer requests than it would at the edge, and
// every per-minute count is lower than the traffic planned. The run says so instead of hiding it. Pure.
import type { RequestRecord } from './truth'

export interface Pacing {
  readonly server_ms_p50: number | null
  readonly server_ms_p95: number | null
  readonly queued_ms_p50: number | null
  readonly queued_ms_p95: number | null
  /** Share of requests that waited more than a second in the simulator's queue before being sent. */
  readonly queued_over_1s_share: number | null
  /** The median request waited longer in the queue than the server took: the run measured a backlog. */
  readonly saturated: boolean
}

/** The q-quantile (0…1) of xs by nearest rank, or null when empty. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export function pacing(requests: readonly RequestRecord[]): Pacing {
  const answered = requests.filter((r) => r.status !== 0)
  const server = answered.map((r) => r.ms)
  const queued = requests.flatMap((r) => (r.queuedMs === undefined ? [] : [r.queuedMs]))
  const qp50 = quantile(queued, 0.5)
  const sp50 = quantile(server, 0.5)
  return {
    server_ms_p50: sp50,
    server_ms_p95: quantile(server, 0.95),
    queued_ms_p50: qp50,
    queued_ms_p95: quantile(queued, 0.95),
    queued_over_1s_share: queued.length === 0 ? null : Math.round((queued.filter((q) => q > 1000).length / queued.length) * 1e4) / 1e4,
    saturated: qp50 !== null && sp50 !== null && qp50 > Math.max(sp50, 100),
  }
}
