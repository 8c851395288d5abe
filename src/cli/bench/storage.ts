// What a request costs in money, by route class: the cost count's requests (bench/costs.ts) through the
// real Worker against the real SQLite-backed Counters and PasswordTries objects in local workerd (the
// other bindings stay the bench's fakes), counting object calls and the rows SQLite wrote and read for
// them (bench/meteredObjects.ts). Storage in SQLite-backed objects is billed by rows written — a
// thousand times a row read — so a request's rows can cost more than its calls.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { meteredClasses } from './meteredObjects'
import type { ClassStorage } from './worker-harness'
import { harnessJob, round, startInWorkerd } from './workerd'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/**
 * Cloudflare's list prices past the Workers Paid plan's included amounts, USD per million (the Workers and
 * Durable Objects pricing pages, 2026): a Worker request, a Durable Object request (each RPC call), a
 * SQLite row written, a row read. Not counted: Worker CPU time ($0.02 per million CPU ms: about
 * $0.01 per million requests at this Worker's ~0.6 ms), object duration, stored bytes, alarms.
 */
export const PRICE_PER_MILLION = { workerRequest: 0.3, objectRequest: 0.15, rowWritten: 1.0, rowRead: 0.001 } as const

/** USD per million requests of a class: its Worker request, its object calls, its rows. */
export function dollarsPerMillion(c: Pick<ClassStorage, 'do_calls' | 'rows_written' | 'rows_read'>): number {
  const p = PRICE_PER_MILLION
  return p.workerRequest + c.do_calls * p.objectRequest + c.rows_written * p.rowWritten + c.rows_read * p.rowRead
}

export async function run(): Promise<Record<string, number>> {
  const entry = [
    meteredClasses([
      { name: 'Counters', path: join(ROOT, 'worker/counters/Counters.ts') },
      { name: 'PasswordTries', path: join(ROOT, 'worker/counters/PasswordTries.ts') },
    ]),
    `import worker from ${JSON.stringify(join(ROOT, 'worker/index.ts'))}`,
    `import { benchWorker } from ${JSON.stringify(join(ROOT, 'src/cli/bench/worker-harness.ts'))}`,
    'export default benchWorker(worker)',
  ].join('\n')
  const workerd = await startInWorkerd(entry, 'bench-storage-entry.ts', ['nodejs_compat'], {
    worker: { durableObjects: { COUNTERS: { className: 'Counters', useSQLite: true }, PASSWORD_TRIES: { className: 'PasswordTries', useSQLite: true } } },
  })
  const classes = await harnessJob<Record<string, ClassStorage>>(workerd, 'storage')

  console.log('\nWhat a request costs, real SQLite-backed counters (per request; USD per million requests at list prices:')
  console.log(`a Worker request $${PRICE_PER_MILLION.workerRequest}, an object call $${PRICE_PER_MILLION.objectRequest}, a row written $${PRICE_PER_MILLION.rowWritten}, a row read $${PRICE_PER_MILLION.rowRead})`)
  console.log(`${'route class'.padEnd(20)} ${'DO calls'.padStart(9)} ${'rows written'.padStart(13)} ${'rows read'.padStart(10)} ${'$ / million'.padStart(12)}  rows written by object`)
  const out: Record<string, number> = {}
  for (const [cls, c] of Object.entries(classes)) {
    const usd = dollarsPerMillion(c)
    const byClass = Object.entries(c.rows_written_by_class).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n.toFixed(1)}`).join(', ')
    console.log(`${cls.padEnd(20)} ${c.do_calls.toFixed(2).padStart(9)} ${c.rows_written.toFixed(1).padStart(13)} ${c.rows_read.toFixed(0).padStart(10)} ${usd.toFixed(2).padStart(12)}  ${byClass || '—'}`)
    out[`rows_written_per_request_${cls}`] = round(c.rows_written, 2)
    out[`rows_read_per_request_${cls}`] = round(c.rows_read, 1)
    out[`usd_per_million_requests_${cls}`] = round(usd, 2)
  }
  return out
}
