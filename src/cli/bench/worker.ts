// Worker CPU benchmark: bundles the real Worker with bench/worker-harness.ts, runs it in a local workerd
// (Miniflare, no network) and prints µs per request by route class — wall-clock batch means inside the
// isolate, and the workerd process's own CPU time per request (Linux) — → flat figures.
// The bindings answer instantly and the origin is a stub, so the time is the Worker's own.
import { readdirSync, readFileSync } from 'node:fs'
import { ROUTE_CLASSES, type BenchClass, type ClassAnswer, type ClassFigures } from './worker-harness'
import { round, startBenchWorkerd, workerdPids } from './workerd'

const DESCRIBE: Record<(typeof ROUTE_CLASSES)[number], string> = {
  static: 'GET /static/*, known device',
  page: 'GET HTML page, known device, SDK injected',
  api: 'GET /api/*, known device',
  login: 'POST /login form, known device, 401 counted',
  login_new_client: 'POST /login JSON, no cookie, new user',
  checkout_challenge: 'POST /checkout → rule → challenge page',
  blocked: 'deny-listed IP → 403 block page',
  page_cold_cookie: 'GET HTML page, cookie never seen (HS256 verify)',
  collect: 'POST /__edgeward/collect → new token',
  page_load: "one browser's page load: the page, 8 assets, 1 API call",
  mix: 'mix: 4 page, 3 static, 2 api, 1 login, 1 collect, 1 blocked',
  baseline: 'the page request through a Worker that only forwards (harness cost)',
}

/** CPU time (ns) of every thread of the given processes, from /proc/<pid>/task/<tid>/schedstat. */
export function cpuNs(pids: readonly number[]): number | null {
  if (pids.length === 0) return null
  let total = 0
  for (const pid of pids) {
    for (const tid of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
  }
  return total
}

export async function run(): Promise<Record<string, number>> {
  const workerd = await startBenchWorkerd('worker-harness.ts', 'benchWorker')
  const figures: Record<string, ClassFigures> = {}
  const cpu: Partial<Record<BenchClass, number>> = {}
  const job = { batches: Number(process.env.BENCH_BATCHES ?? 25), targetMs: Number(process.env.BENCH_TARGET_MS ?? 20) }
  const call = (only: string): Promise<unknown> => workerd.call({ ...job, only })
  try {
    await call('setup')
    const pids = workerdPids()
    // BENCH_CLASSES=mix,baseline runs only those (a quicker before/after pair on a busy box).
    const only = process.env.BENCH_CLASSES?.split(',')
    for (const cls of ROUTE_CLASSES) {
      if (only !== undefined && !only.includes(cls)) continue
      const before = cpuNs(pids)
      const answer = (await call(cls)) as ClassAnswer
      const after = cpuNs(pids)
      figures[cls] = answer.figures
      if (before !== null && after !== null) cpu[cls] = (after - before) / 1000 / answer.runs
    }
    if (only === undefined || only.includes('model')) Object.assign(figures, (await call('model')) as Record<string, ClassFigures>)
  } finally {
    await workerd.dispose()
  }

  console.log('\nWorker time per request inside workerd, µs: p50/p99 of ~20 ms batch means (wall clock in the isolate),')
  console.log('and the workerd process CPU time per request (all threads, /proc); instant fake bindings, stub origin')
  console.log(`${'route class'.padEnd(20)} ${'status'.padStart(6)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'cpu'.padStart(8)}  what`)
  for (const cls of ROUTE_CLASSES) {
    const f = figures[cls]
    if (f === undefined) continue
    const c = cpu[cls]
    console.log(`${cls.padEnd(20)} ${String(f.status).padStart(6)} ${f.p50.toFixed(1).padStart(8)} ${f.p99.toFixed(1).padStart(8)} ${(c === undefined ? 'n/a' : c.toFixed(1)).padStart(8)}  ${DESCRIBE[cls]}`)
  }
  const model = figures.model
  const explain = figures.model_explain
  if (model) console.log(`${'model alone'.padEnd(20)} ${''.padStart(6)} ${model.p50.toFixed(2).padStart(8)} ${model.p99.toFixed(2).padStart(8)}  predict() on one feature row`)
  if (explain) console.log(`${'model + reasons'.padEnd(20)} ${''.padStart(6)} ${explain.p50.toFixed(2).padStart(8)} ${explain.p99.toFixed(2).padStart(8)}  explain(k=3)`)

  const mix = figures.mix
  if (mix === undefined) throw new Error('bench/worker: no mix figures')
  const out: Record<string, number> = { worker_cpu_p50_us: round(mix.p50), worker_cpu_p99_us: round(mix.p99) }
  for (const cls of ROUTE_CLASSES) {
    const f = figures[cls]
    if (f === undefined || cls === 'mix') continue
    if (cls === 'baseline') {
      out.worker_harness_baseline_p50_us = round(f.p50)
      // Beside worker_cpu_p50_us, from the same run: what a Worker that only forwards costs here.
      out.passthrough_cpu_p50_us = round(f.p50)
      if (cpu.baseline !== undefined) out.worker_harness_baseline_cpu_us = round(cpu.baseline)
      continue
    }
    out[`worker_cpu_${cls}_p50_us`] = round(f.p50)
    out[`worker_cpu_${cls}_p99_us`] = round(f.p99)
    const c = cpu[cls]
    if (c !== undefined) out[`worker_cpu_${cls}_process_us`] = round(c)
  }
  if (cpu.mix !== undefined) out.worker_cpu_process_mean_us = round(cpu.mix)
  if (model) out.worker_model_only_p50_us = round(model.p50, 3)
  if (explain) out.worker_model_explain_p50_us = round(explain.p50, 3)
  return out
}
