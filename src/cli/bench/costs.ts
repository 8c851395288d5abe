// Cost model: per route class, Durable Object calls and KV reads per request — those the client waits
// for and those made after its answer (waitUntil: billed, not waited for) — and the latency the
// object round trips add when each call takes a realistic trip (near objects 2–5 ms; a username's
// counters, which live where the username was first seen, 50–150 ms). Counted by bench/costMeter.ts
// inside the same workerd harness as the CPU bench; every object answers at once except for the trip.
import type { ClassCosts } from './worker-harness'
import { round, startBenchWorkerd } from './workerd'

export async function run(): Promise<Record<string, number>> {
  const workerd = await startBenchWorkerd('worker-harness.ts', 'benchWorker')
  let costs: Record<string, ClassCosts>
  try {
    await workerd.call({ only: 'setup', batches: 1, targetMs: 1 })
    costs = (await workerd.call({ only: 'costs', batches: 1, targetMs: 1 })) as Record<string, ClassCosts>
  } finally {
    await workerd.dispose()
  }

  console.log('\nCost per request by route class: Durable Object calls the answer waits for / made after it (waitUntil),')
  console.log('KV reads, and the latency added when each object call takes a round trip (near 2–5 ms, a username far 50–150 ms)')
  console.log(`${'route class'.padEnd(20)} ${'DO waited'.padStart(10)} ${'DO after'.padStart(9)} ${'KV'.padStart(6)} ${'+p50 ms'.padStart(8)} ${'+p95 ms'.padStart(8)}  objects waited for`)
  const out: Record<string, number> = {}
  for (const [cls, c] of Object.entries(costs)) {
    const objects = Object.entries(c.by_binding).filter(([, b]) => b.waited > 0).map(([name, b]) => `${name} ${round(b.waited, 2)}`).join(', ')
    console.log(`${cls.padEnd(20)} ${c.do_calls_waited.toFixed(2).padStart(10)} ${c.do_calls_after.toFixed(2).padStart(9)} ${c.kv_reads.toFixed(2).padStart(6)} ${c.added_latency_p50_ms.toFixed(1).padStart(8)} ${c.added_latency_p95_ms.toFixed(1).padStart(8)}  ${objects || '—'}`)
    out[`do_calls_per_request_${cls}`] = round(c.do_calls_waited + c.do_calls_after, 2)
    out[`do_calls_waited_per_request_${cls}`] = round(c.do_calls_waited, 2)
    out[`kv_reads_per_request_${cls}`] = round(c.kv_reads, 3)
    out[`added_latency_p50_ms_${cls}`] = round(c.added_latency_p50_ms, 1)
    out[`added_latency_p95_ms_${cls}`] = round(c.added_latency_p95_ms, 1)
    const missing = Object.entries(c.missing_with_trips)
    if (missing.length > 0) console.log(`${''.padEnd(20)} with the round trips, lines missing a read: ${missing.map(([m, share]) => `${m} ${Math.round(share * 100)} %`).join(', ')}`)
    out[`missing_share_with_trips_${cls}`] = round(Math.max(0, ...missing.map(([, share]) => share)), 2)
  }
  return out
}
