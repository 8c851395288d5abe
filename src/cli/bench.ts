// bench: runs each benchmark module under src/cli/bench/ in turn (each prints its own table) and ends
// with one line of JSON: every module's figures merged. Add a module by adding one line to BENCHES.
// Usage: npm run bench   (BENCH_ONLY=model to run one module)

export interface BenchModule {
  run(): Promise<Record<string, number>>
}

const BENCHES: ReadonlyArray<readonly [string, () => Promise<BenchModule>]> = [
  ['model', () => import('./bench/model')],
  ['signals', () => import('./bench/signals')],
  ['worker', () => import('./bench/worker')],
  ['tokens', () => import('./bench/tokens')],
  ['costs', () => import('./bench/costs')],
  ['objects', () => import('./bench/objects')],
  ['storage', () => import('./bench/storage')],
  ['memory', () => import('./bench/memory')],
  ['console', () => import('./bench/console')],
]

const only = process.env.BENCH_ONLY?.split(',')
const figures: Record<string, number> = {}
let failed = false
for (const [name, load] of BENCHES) {
  if (only && !only.includes(name)) continue
  try {
    Object.assign(figures, await (await load()).run())
  } catch (e) {
    failed = true
    console.error(`bench: ${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
  }
}
console.log(JSON.stringify(figures))
if (failed) process.exitCode = 1
