// Runs inside workerd (bench/objects.ts): the real Counters class, SQLite-backed, called over RPC as the
// Worker calls it — a page view's inline read of an address (of one never seen: its object is made), a
// sign-in's read of a username (and of a key with a day of history), a flush's batch to a device, an outcome. Each job fills its keys with an hour of history first (unmeasured),
// then makes `calls` calls in a row and answers how long they took. No network; the caller's clock.
import type { CounterBatch, CounterOp } from '../../counters/batch'
import type { AccountPlace } from '../../counters/history'
import type { DistinctAdd, Metric } from '../../counters/metrics'

export const OBJECT_CASES = ['observe_page', 'observe_new_key', 'observe_sign_in', 'observe_day_key', 'apply_flush', 'record_outcome'] as const
export type ObjectCase = (typeof OBJECT_CASES)[number]

export interface ObjectJob {
  readonly case: ObjectCase
  /** Calls to time (after the fill). */
  readonly calls: number
  /** A fresh key per job: jobs never share an object. */
  readonly key: string
}

/** The Counters methods called here (worker/counters/Counters.ts; this file is type-checked without the Workers types). */
interface CountersStub {
  observe(input: { now: number; bumps: Metric[]; distinct: DistinctAdd[]; deny: Deny; place?: AccountPlace; probe?: DistinctAdd }): Promise<unknown>
  apply(input: { now: number; batches: CounterBatch[]; deny: Deny }): Promise<unknown>
  record(input: { now: number; metric: Metric; distinct: DistinctAdd }): Promise<unknown>
  /** The bench's metered class only (bench/objects.ts): SQLite rows read and written since the last ask. */
  meterRows(): Promise<{ read: number; written: number }>
}
type Deny = { readonly key: string; readonly kind: 'ip' | 'user_ip' }
interface BenchEnv {
  readonly COUNTERS: { idFromName(name: string): unknown; get(id: unknown): CountersStub }
}

const T0 = Date.UTC(2100, 0, 1)
const HOUR = 3_600_000
/** A busy address's last hour: a page view every 10 s from one of 30 devices. */
const FILL = 360
const DAY = 24 * HOUR
/** …and, for observe_day_key, the 23 hours before it: a page view every 5 min. */
const DAY_FILL = 276

const device = (i: number) => `dev-${i % 30}`

export function objectsBench(): { fetch(request: Request, env: BenchEnv): Promise<Response> } {
  let batchSeq = 0
  return {
    async fetch(request, env) {
      const job = (await request.json()) as ObjectJob
      const stub = env.COUNTERS.get(env.COUNTERS.idFromName(job.key))
      // An hour of history on the key, as its requests would have left it (not for a key never seen); for
      // observe_day_key a day: a page view every 5 min for 23 hours before that hour (every bucket of the 24 h window).
      const view = (at: number, i: number) => stub.observe({ now: at, bumps: ['requests', 'navigations', 'page_views'], distinct: [{ set: 'devices', member: device(i) }], deny: { key: JSON.stringify(['ip', job.key]), kind: 'ip' } })
      if (job.case === 'observe_day_key') for (let i = 0; i < DAY_FILL; i++) await view(T0 - DAY + i * 300_000, i)
      for (let i = 0; i < (job.case === 'observe_new_key' ? 1 : FILL); i++) await view(T0 - HOUR + i * 10_000, i)
      const call = makeCall(job, stub, () => `bench:${++batchSeq}`, (k) => env.COUNTERS.get(env.COUNTERS.idFromName(`${job.key}:${k}`)))
      await stub.meterRows() // the fill's rows are not the calls'
      const start = performance.now()
      for (let k = 0; k < job.calls; k++) await call(T0 + k * 100, k)
      const ms = performance.now() - start
      return Response.json({ ms, rows: await stub.meterRows() })
    },
  }
}

function makeCall(job: ObjectJob, stub: CountersStub, batchId: () => string, newKey: (k: number) => CountersStub): (now: number, k: number) => Promise<unknown> {
  const deny: Deny = { key: JSON.stringify(['ip', job.key]), kind: 'ip' }
  switch (job.case) {
    case 'observe_page':
      return (now, k) => stub.observe({ now, bumps: ['requests', 'navigations', 'page_views'], distinct: [{ set: 'devices', member: device(k) }], deny })
    case 'observe_new_key': // a page view of a device or address never seen: its object is made (schema and all) by this call
      return (now, k) => newKey(k).observe({ now, bumps: ['requests', 'navigations', 'page_views'], distinct: [{ set: 'devices', member: device(k) }], deny })
    case 'observe_sign_in':
    case 'observe_day_key': // the same read of a key with a day of history: its 24 h window sums every bucket of the day
      return (now, k) =>
        stub.observe({
          now, bumps: ['requests', 'login_attempts'], distinct: [{ set: 'ips', member: `198.51.100.${k % 50}` }], deny: { key: JSON.stringify(['user_ip', job.key, '198.51.100.1']), kind: 'user_ip' },
          place: { country: 'DE', asn: 3320, device: 'dev-1' }, probe: { set: 'failed_ips', member: '198.51.100.1' },
        })
    case 'apply_flush':
      return (now, k) => {
        const ops: CounterOp[] = [
          { op: 'bump', metric: 'requests', at: now, n: 3 }, { op: 'bump', metric: 'navigations', at: now, n: 2 }, { op: 'bump', metric: 'page_views', at: now, n: 2 },
          { op: 'add', set: 'devices', member: device(k), at: now },
        ]
        const batch: CounterBatch = { id: batchId(), ops }
        return stub.apply({ now, batches: [batch], deny })
      }
    case 'record_outcome':
      return (now, k) => stub.record({ now, metric: 'login_failures', distinct: { set: 'failed_users', member: `user-${k % 40}` } })
  }
}
