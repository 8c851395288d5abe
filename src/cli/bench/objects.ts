// Counters objects' own cost per call: the real SQLite-backed class in a local workerd (Miniflare),
// called over RPC from a Worker in the same process, as the request path calls it (bench/objects-harness.ts).
// Prints CPU (the workerd process's, all threads), wall time and SQLite rows written and read per call by kind
// of call (bench/meteredObjects.ts). A billed object
// request is also its duration: this is what one costs in the object, apart from the network.
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { meteredClasses } from './meteredObjects'
import { OBJECT_CASES } from './objects-harness'
import { cpuNs } from './worker'
import { round, startInWorkerd, workerdPids } from './workerd'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const CALLS = Number(process.env.BENCH_OBJECT_CALLS ?? 1500)

export async function run(): Promise<Record<string, number>> {
  const entry = [
    meteredClasses([{ name: 'Counters', path: join(ROOT, 'worker/counters/Counters.ts') }]),
    `import { objectsBench } from ${JSON.stringify(join(ROOT, 'src/cli/bench/objects-harness.ts'))}`,
    'export default objectsBench()',
  ].join('\n')
  const workerd = await startInWorkerd(entry, 'bench-objects-entry.ts', ['nodejs_compat'], {
    worker: { durableObjects: { COUNTERS: { className: 'Counters', useSQLite: true } } },
  })
  const out: Record<string, number> = {}
  let serial = 0
  try {
    await workerd.call({ case: 'observe_page', calls: 200, key: `warm-${serial++}` }) // the JIT and SQLite's statement cache
    console.log('\nCounters object, per call (real SQLite-backed object over RPC in local workerd; an hour of history on the key)')
    console.log(`${'call'.padEnd(18)} ${'CPU µs'.padStart(8)} ${'wall µs'.padStart(8)} ${'rows written'.padStart(13)} ${'rows read'.padStart(10)}`)
    for (const c of OBJECT_CASES) {
      const pids = workerdPids()
      // The fill's own cost is measured apart (a job of 0 calls) and taken off.
      const a = cpuNs(pids)
      await workerd.call({ case: c, calls: 0, key: `${c}-${serial++}` })
      const b = cpuNs(pids)
      const answer = (await workerd.call({ case: c, calls: CALLS, key: `${c}-${serial++}` })) as { ms: number; rows: { read: number; written: number } }
      const d = cpuNs(pids)
      const cpu = a === null || b === null || d === null ? Number.NaN : (d - b - (b - a)) / 1000 / CALLS
      const wall = (answer.ms * 1000) / CALLS
      const written = answer.rows.written / CALLS
      const read = answer.rows.read / CALLS
      console.log(`${c.padEnd(18)} ${cpu.toFixed(1).padStart(8)} ${wall.toFixed(1).padStart(8)} ${written.toFixed(1).padStart(13)} ${read.toFixed(1).padStart(10)}`)
      out[`object_rows_written_${c}`] = round(written, 1)
      out[`object_rows_read_${c}`] = round(read, 1)
      out[`object_cpu_us_${c}`] = round(cpu, 1)
      out[`object_wall_us_${c}`] = round(wall, 1)
    }
  } finally {
    await workerd.dispose()
  }
  return out
}
