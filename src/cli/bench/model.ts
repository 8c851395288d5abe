// Model benchmark: the shipped and a 500×depth-8 stress model, fast vs naive evaluator, in Node (per
// call) and inside workerd (batch means, via Miniflare) → a printed table and flat figures. Never writes files.

import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FEATURE_NAMES, FEATURE_VERSION } from '../../features/list'
import type { CompiledModel } from '../../model/compile'
import { explain } from '../../model/explain'
import { parseModel } from '../../model/parse'
import { fillSlots } from '../../model/predict'
import { randomRows } from '../../model/synthetic'
import { benchSubjects, STRESS, type Subject } from './model-subjects'
import { perCall, summarise, type Evaluate, type Summary } from './model-timing'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20000)
const round = (x: number, d = 3) => Number(x.toFixed(d))

/** Realistic rows for the shipped model: the simulator rows of its own held-out test split, as logged
 * (missing values included; test/fixtures/model/parity.json), cycled to n. */
function shippedRows(n: number): Float32Array[] {
  const fixture = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/model/parity.json'), 'utf8')) as { rows: Array<Array<number | null>> }
  const rows = fixture.rows.map((r) => Float32Array.from(r, (v) => (v === null ? Number.NaN : v)))
  return Array.from({ length: n }, (_, i) => rows[i % rows.length]!)
}

/**
 * What no exact evaluator can skip, timed like the others: the row copy and the float32 sum of one
 * leaf per tree in tree order (each add waits for the one before). No traversal at all.
 */
function floorOf(m: CompiledModel): Evaluate {
  return (row) => {
    fillSlots(m, row)
    const node = m.node
    let sum = m.baseMargin
    for (let t = 0; t < m.treeCount; t++) sum = Math.fround(sum + node[t * m.stride + m.internal]!)
    return 1 / (1 + Math.exp(-sum))
  }
}

const ROUNDS = 10
const median = (xs: readonly number[]): number => summarise([...xs]).p50

/**
 * The fast and the naive evaluator timed in alternating rounds on the same rows, so whatever the
 * shared box does meanwhile hits both alike; each round gives a ratio of medians, and the speed-up
 * reported is the median round's (with the spread of rounds printed beside it).
 */
function sideBySide(s: Subject, rows: readonly Float32Array[]): { fast: number[]; naive: number[]; ratios: number[] } {
  const fast: number[] = []
  const naive: number[] = []
  const ratios: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const warm = r === 0 ? SAMPLES : 500 // the first round warms the JIT; later ones the caches only
    const f = perCall(s.fast, rows, warm, SAMPLES / ROUNDS)
    const n = perCall(s.naive, rows, warm / 4, SAMPLES / (2 * ROUNDS))
    fast.push(...f)
    naive.push(...n)
    ratios.push(median(n) / median(f))
  }
  return { fast, naive, ratios }
}

export async function run(): Promise<Record<string, number>> {
  const shippedJson: unknown = JSON.parse(readFileSync(join(ROOT, 'models/default/model.json'), 'utf8'))
  const rows = shippedRows(1024)
  const stressRows = randomRows(1024, FEATURE_NAMES.length, 0.1, 77)
  const subjects = benchSubjects(shippedJson)
  const node: Record<string, Summary> = {}
  const ratios: Record<string, number[]> = {}
  for (const s of subjects) {
    const timed = sideBySide(s, s.name === 'model' ? rows : stressRows)
    node[`${s.name}_fast`] = summarise(timed.fast)
    node[`${s.name}_naive`] = summarise(timed.naive)
    ratios[s.name] = timed.ratios
  }
  const shipped = parseModel(shippedJson, { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION })
  if (!shipped.ok) throw new Error('bench: shipped model refused')
  node.model_explain = summarise(perCall((row) => explain(shipped.value, row, 3).length, rows, SAMPLES / 2, SAMPLES))
  node.model_floor = summarise(perCall(floorOf(shipped.value), rows, SAMPLES / 2, SAMPLES))

  let workerd: Record<string, { p50: number; p99: number; batch: number }> | undefined
  try {
    workerd = await runInWorkerd(rows, stressRows)
  } catch (e) {
    console.error(`bench/model: workerd run failed: ${e instanceof Error ? e.message : String(e)}`)
  }

  const line = (name: string, s: { p50: number; p99: number } | undefined) => (s ? `${name.padEnd(30)} ${s.p50.toFixed(3).padStart(9)} ${s.p99.toFixed(3).padStart(9)}` : `${name.padEnd(30)}       n/a`)
  console.log(`\nmodel evaluation, µs per row (Node: each call timed; workerd: means of ~20 ms batches)`)
  for (const s of subjects) console.log(`  ${s.name}: ${s.label}`)
  console.log(`${'evaluator'.padEnd(30)} ${'p50'.padStart(9)} ${'p99'.padStart(9)}`)
  for (const s of subjects) {
    console.log(line(`node ${s.name} padded`, node[`${s.name}_fast`]))
    console.log(line(`node ${s.name} naive`, node[`${s.name}_naive`]))
    if (s.name === 'ref') continue
    console.log(line(`workerd ${s.name} padded`, workerd?.[`${s.name}_fast`]))
    console.log(line(`workerd ${s.name} naive`, workerd?.[`${s.name}_naive`]))
  }
  console.log(line('node model explain(k=3)', node.model_explain))
  console.log(line('node model floor (copy + sum)', node.model_floor))
  const spread = (xs: readonly number[]) => `${median(xs).toFixed(2)}× (rounds ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}×)`
  console.log(`speed-up over naive, ${ROUNDS} alternating rounds: model ${spread(ratios.model!)}, stress ${spread(ratios.stress!)}, ref ${spread(ratios.ref!)}`)

  const f = (k: string) => node[k]!
  const figures: Record<string, number> = {
    model_p50_us: round(f('model_fast').p50),
    model_p99_us: round(f('model_fast').p99),
    naive_p50_us: round(f('model_naive').p50),
    naive_p99_us: round(f('model_naive').p99),
    speedup_vs_naive: round(median(ratios.model!), 2),
    speedup_vs_naive_rounds_min: round(Math.min(...ratios.model!), 2),
    speedup_vs_naive_rounds_max: round(Math.max(...ratios.model!), 2),
    explain_p50_us: round(f('model_explain').p50),
    explain_p99_us: round(f('model_explain').p99),
    model_floor_p50_us: round(f('model_floor').p50),
    stress_p50_us: round(f('stress_fast').p50),
    stress_p99_us: round(f('stress_fast').p99),
    stress_naive_p50_us: round(f('stress_naive').p50),
    stress_speedup_vs_naive: round(median(ratios.stress!), 2),
    stress_trees: STRESS.trees,
    stress_depth: STRESS.depth,
    ref300x6_p50_us: round(f('ref_fast').p50),
    ref300x6_naive_p50_us: round(f('ref_naive').p50),
    ref300x6_speedup_vs_naive: round(median(ratios.ref!), 2),
  }
  if (workerd?.model_fast && workerd.model_naive && workerd.stress_fast && workerd.stress_naive) {
    figures.workerd_model_p50_us = round(workerd.model_fast.p50)
    figures.workerd_model_p99_us = round(workerd.model_fast.p99)
    figures.workerd_naive_p50_us = round(workerd.model_naive.p50)
    figures.workerd_speedup_vs_naive = round(workerd.model_naive.p50 / workerd.model_fast.p50, 2)
    figures.workerd_stress_p50_us = round(workerd.stress_fast.p50)
    figures.workerd_stress_p99_us = round(workerd.stress_fast.p99)
  }
  return figures
}

/** Runs bench/model-worker.ts in a local workerd (Miniflare); no network. */
async function runInWorkerd(rows: Float32Array[], stressRows: Float32Array[]) {
  const { startInWorkerd } = await import('./workerd')
  const w = await startInWorkerd(`export { default } from ${JSON.stringify(join(ROOT, 'src/cli/bench/model-worker.ts'))}`, 'bench-model-entry.ts')
  try {
    const plain = (rs: Float32Array[]) => rs.map((r) => Array.from(r, (v) => (Number.isNaN(v) ? null : v)))
    const job = { rows: plain(rows), stressRows: plain(stressRows), batches: Number(process.env.BENCH_BATCHES ?? 25), targetMs: 20 }
    return (await w.call(job)) as Record<string, { p50: number; p99: number; batch: number }>
  } finally {
    await w.dispose()
  }
}
