// Training rows from simulator runs: `npx tsx src/cli/simulate/prepare.ts --in a.ndjson --in b.ndjson
// --out train.ndjson [--blank f1,f2] [--knockout 0.1] [--counter-outage 0.05] [--cf-missing 0.1] [--seed 7]`. Concatenates labelled rows, blanks
// features the simulator cannot produce truthfully, and knocks out (sets missing) features that can be
// missing in production at a given rate, so the model learns where a missing value should go.
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { FEATURES, NO_CF } from '../../features/list'
import { random } from './random'

/**
 * Blanked by default, with the reason:
 * - device_age_s: every simulated person is on a device minutes old (a run cannot age a cookie by
 *   weeks), so "new device" would be learned backwards;
 * - zone_login_failure_ratio_10m: stops updating a few seconds into a run (see docs/simulation.md);
 * - client_tcp_rtt_ms: its per-network distributions are the simulator's own guesses;
 * - body_bytes: simulated people sign in with the demo's fixed-length credentials while attack tools
 *   send combo lists, so the model learned a password's length (a pure simulator artefact).
 */
export const DEFAULT_BLANK = ['device_age_s', 'zone_login_failure_ratio_10m', 'client_tcp_rtt_ms', 'body_bytes'] as const

/**
 * Knocked out at random: every input but the two request facts always known (route, method). Most
 * can be missing in production (no SDK, counters late, no cf field); the rest are knocked out too so
 * one absent input never swings a score on its own (a hand-made or partly filled row stays sane).
 */
export const KNOCKOUT = FEATURES.map((f) => f.name).filter((n) => n !== 'route_class' && n !== 'method_is_post')

/**
 * Dropped together on a share of rows: the counters all go missing at once when Durable Objects fail
 * or miss the deadline, and the model must then fall back on the rest — never read the outage as an
 * attack (fail open). Independent knockouts alone never show it that pattern.
 */
export const COUNTER_FEATURES = FEATURES.filter((f) => f.family === 'journey').map((f) => f.name)

/**
 * Dropped together on a share of rows: what `request.cf` gives (network, TLS, HTTP version) is
 * missing on some plans and under `wrangler dev` without the test header. The simulator always
 * sends it, so without this the model never learns to stay neutral when it is absent.
 */
export const CF_FEATURES = FEATURES.filter((f) => f.missing === NO_CF).map((f) => f.name)

export interface PrepareOptions {
  readonly blank: readonly string[]
  readonly knockout: number
  /** Share of rows whose counters are all dropped (a simulated counters outage). */
  readonly counterOutage?: number
  /** Share of rows whose request.cf inputs are all dropped (a plan or local run without them). */
  readonly cfMissing?: number
  readonly seed: number
}

/** One row → its training form (features blanked / knocked out); other fields kept. Pure given rng. */
export function prepareRow(row: Record<string, unknown>, o: PrepareOptions, next: () => number): Record<string, unknown> | null {
  const f = row.features
  if (typeof f !== 'object' || f === null || (row.label !== 0 && row.label !== 1)) return null
  const features: Record<string, number> = { ...(f as Record<string, number>) }
  for (const name of o.blank) delete features[name]
  if (o.knockout > 0) for (const name of KNOCKOUT) if (name in features && next() < o.knockout) delete features[name]
  if ((o.counterOutage ?? 0) > 0 && next() < o.counterOutage!) for (const name of COUNTER_FEATURES) delete features[name]
  if ((o.cfMissing ?? 0) > 0 && next() < o.cfMissing!) for (const name of CF_FEATURES) delete features[name]
  return { features, label: row.label, family: row.family, session: row.session, run: row.run, ref: row.ref }
}

function main(): void {
  const { values: a } = parseArgs({
    options: {
      in: { type: 'string', multiple: true }, out: { type: 'string' }, blank: { type: 'string' },
      knockout: { type: 'string', default: '0.1' }, 'counter-outage': { type: 'string', default: '0.05' }, 'cf-missing': { type: 'string', default: '0.1' }, seed: { type: 'string', default: '7' },
    },
  })
  if (a.in === undefined || a.out === undefined) {
    console.error('usage: prepare --in rows.ndjson [--in more.ndjson] --out train.ndjson [--blank a,b] [--knockout 0.1] [--counter-outage 0.05] [--cf-missing 0.1] [--seed 7]')
    process.exit(2)
  }
  const o: PrepareOptions = {
    blank: a.blank === undefined ? [...DEFAULT_BLANK] : a.blank.split(',').filter((x) => x !== ''),
    knockout: Number(a.knockout),
    counterOutage: Number(a['counter-outage']),
    cfMissing: Number(a['cf-missing']),
    seed: Number(a.seed),
  }
  const rng = random(o.seed, 'prepare')
  const out: string[] = []
  let skipped = 0
  for (const file of a.in) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue
      // The run (one simulator seed) travels with the row: training splits by session within it, or by run.
      const row = prepareRow({ run: basename(file), ...(JSON.parse(line) as Record<string, unknown>) }, o, rng.next)
      if (row === null) skipped++
      else out.push(JSON.stringify(row))
    }
  }
  writeFileSync(a.out, out.join('\n') + '\n')
  console.error(`prepare: ${out.length} rows (${skipped} skipped) from ${a.in.length} files → ${a.out}; blanked ${o.blank.join(', ') || 'nothing'}; knockout ${o.knockout}; counter outage ${o.counterOutage}; cf missing ${o.cfMissing}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main()
