// Worker CPU benchmark: bundles the real Worker with bench/worker-harness.ts, runs it in a local workerd
// (Miniflare, no network) and prints µs per request by route class (batch means) → flat figures.
// The bindings answer instantly and the origin is a stub, so the time is the Worker's own.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROUTE_CLASSES, type ClassFigures } from './worker-harness'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const round = (x: number, d = 1) => Number(x.toFixed(d))

const DESCRIBE: Record<(typeof ROUTE_CLASSES)[number], string> = {
  static: 'GET /static/*, known device',
  page: 'GET HTML page, known device, SDK injected',
  api: 'GET /api/*, known device',
  login: 'POST /login form, known device, 401 counted',
  login_new_client: 'POST /login JSON, no cookie, new user',
  checkout_challenge: 'POST /checkout → rule → challenge page',
  blocked: 'deny-listed IP → 403 block page',
  page_cold_cookie: 'GET HTML page, cookie never seen (ES256 verify)',
  collect: 'POST /__edgeward/collect → new token',
  mix: 'mix: 4 page, 3 static, 2 api, 1 login, 1 collect, 1 blocked',
  baseline: 'the page request through a Worker that only forwards (harness cost)',
}

export async function run(): Promise<Record<string, number>> {
  const { build } = await import('esbuild')
  const { Miniflare } = await import('miniflare')
  const entry = [
    `import worker from ${JSON.stringify(join(ROOT, 'worker/index.ts'))}`,
    `import { benchWorker } from ${JSON.stringify(join(ROOT, 'src/cli/bench/worker-harness.ts'))}`,
    'export default benchWorker(worker)',
  ].join('\n')
  const bundle = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-worker-entry.ts' },
    bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*', 'node:*'], write: false, target: 'es2022', logLevel: 'error',
  })
  const mf = new Miniflare({ modules: true, script: bundle.outputFiles[0]!.text, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] })
  let figures: Record<string, ClassFigures>
  try {
    const res = await mf.dispatchFetch('http://bench.local/', {
      method: 'POST',
      body: JSON.stringify({ batches: Number(process.env.BENCH_BATCHES ?? 25), targetMs: Number(process.env.BENCH_TARGET_MS ?? 20) }),
    })
    if (!res.ok) throw new Error(`workerd answered ${res.status}: ${await res.text()}`)
    figures = (await res.json()) as Record<string, ClassFigures>
  } finally {
    await mf.dispose()
  }

  console.log('\nWorker CPU per request inside workerd, µs (means of ~20 ms batches; instant fake bindings, stub origin)')
  console.log(`${'route class'.padEnd(20)} ${'status'.padStart(6)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}  what`)
  for (const cls of ROUTE_CLASSES) {
    const f = figures[cls]
    if (f === undefined) continue
    console.log(`${cls.padEnd(20)} ${String(f.status).padStart(6)} ${f.p50.toFixed(1).padStart(8)} ${f.p99.toFixed(1).padStart(8)}  ${DESCRIBE[cls]}`)
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
      continue
    }
    out[`worker_cpu_${cls}_p50_us`] = round(f.p50)
    out[`worker_cpu_${cls}_p99_us`] = round(f.p99)
  }
  if (model) out.worker_model_only_p50_us = round(model.p50, 3)
  if (explain) out.worker_model_explain_p50_us = round(explain.p50, 3)
  return out
}
