// Cost model: per route class, Durable Object calls (each billed, whether the answer waits for it or
// it runs in waitUntil) and KV reads per request, and the latency the object round trips add to the
// answer when each call takes a realistic trip (near objects 2–5 ms; a username's
// counters, which live where the username was first seen, 50–150 ms). Counted by bench/costMeter.ts
// inside the same workerd harness as the CPU bench; every object answers at once except for the trip.
import type { ClassCosts } from './worker-harness'
import { harnessJob, round, startBenchWorkerd } from './workerd'

export async function run(): Promise<Record<string, number>> {
  const costs = await harnessJob<Record<string, ClassCosts>>(await startBenchWorkerd('worker-harness.ts', 'benchWorker'), 'costs')

  console.log('\nCost per request by route class: Durable Object calls (billed, waited for or in waitUntil), KV reads,')
  console.log('and the latency the answer gains when each object call takes a round trip (near 2–5 ms, a username far 50–150 ms)')
  console.log(`${'route class'.padEnd(20)} ${'DO calls'.padStart(9)} ${'in req'.padStart(7)} ${'KV'.padStart(6)} ${'+p50 ms'.padStart(8)} ${'+p95 ms'.padStart(8)}  objects called`)
  const out: Record<string, number> = {}
  for (const [cls, c] of Object.entries(costs)) {
    const objects = Object.entries(c.by_object).map(([name, n]) => `${name} ${round(n, 2)}`).join(', ')
    console.log(`${cls.padEnd(20)} ${c.do_calls.toFixed(2).padStart(9)} ${c.do_calls_in_request.toFixed(2).padStart(7)} ${c.kv_reads.toFixed(2).padStart(6)} ${c.added_latency_p50_ms.toFixed(1).padStart(8)} ${c.added_latency_p95_ms.toFixed(1).padStart(8)}  ${objects || '—'}`)
    out[`do_calls_per_request_${cls}`] = round(c.do_calls, 2)
    out[`do_calls_in_request_per_request_${cls}`] = round(c.do_calls_in_request, 2)
    out[`kv_reads_per_request_${cls}`] = round(c.kv_reads, 3)
    out[`added_latency_p50_ms_${cls}`] = round(c.added_latency_p50_ms, 1)
    out[`added_latency_p95_ms_${cls}`] = round(c.added_latency_p95_ms, 1)
    if (c.added_latency_p50_ms_near !== undefined) {
      console.log(`${''.padEnd(20)} with the username's object near too (the account's owner): +${c.added_latency_p50_ms_near.toFixed(1)} ms p50, +${(c.added_latency_p95_ms_near ?? 0).toFixed(1)} ms p95`)
      out[`added_latency_p50_ms_${cls}_owner`] = round(c.added_latency_p50_ms_near, 1)
      out[`added_latency_p95_ms_${cls}_owner`] = round(c.added_latency_p95_ms_near ?? 0, 1)
    }
    const missing = Object.entries(c.missing_with_trips)
    if (missing.length > 0) console.log(`${''.padEnd(20)} with the round trips, lines missing a read: ${missing.map(([m, share]) => `${m} ${Math.round(share * 100)} %`).join(', ')}`)
    out[`missing_share_with_trips_${cls}`] = round(Math.max(0, ...missing.map(([, share]) => share)), 2)
  }
  return out
}
