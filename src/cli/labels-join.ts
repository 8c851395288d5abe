// `npx tsx src/cli/labels-join.ts --labels labels.ndjson --logs server.log --out rows.ndjson`: joins the
// customer's fraud labels (GET /__edgeward/admin/labels) with decision log lines into the labelled
// NDJSON `npm run train -- --data` reads. Options: --ip-window S (900), --unlabelled legitimate|drop.
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { joinLabels, parseStoredLabels } from './eval/labelsJoin'
import { parseLogLines } from './simulate/logLines'

function fail(message: string): never {
  console.error(`labels-join: ${message}`)
  process.exit(2)
}

const { values: a } = parseArgs({
  options: {
    labels: { type: 'string' }, logs: { type: 'string' }, out: { type: 'string' },
    'ip-window': { type: 'string', default: '900' }, unlabelled: { type: 'string', default: 'legitimate' },
  },
})
if (a.labels === undefined || a.logs === undefined || a.out === undefined) fail('usage: labels-join --labels labels.ndjson --logs server.log --out rows.ndjson [--ip-window 900] [--unlabelled legitimate|drop]')
const ipWindowS = Number(a['ip-window'])
if (!(ipWindowS >= 0 && ipWindowS <= 86_400)) fail('--ip-window must be 0…86400 seconds')
if (a.unlabelled !== 'legitimate' && a.unlabelled !== 'drop') fail('--unlabelled must be legitimate or drop')

const { labels, skipped } = parseStoredLabels(readFileSync(a.labels, 'utf8'))
const lines = parseLogLines(readFileSync(a.logs, 'utf8'))
const rows = joinLabels(lines, labels, { ipWindowS, unlabelled: a.unlabelled })
writeFileSync(a.out, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : ''))

const count = (pred: (r: (typeof rows)[number]) => boolean): number => rows.filter(pred).length
const bySource = Object.fromEntries(['ref', 'device', 'user', 'ip_window', 'unlabelled'].map((s) => [s, count((r) => r.label_source === s)]))
console.error(`labels-join: ${labels.length} labels (${skipped} lines skipped), ${lines.length} log lines → ${rows.length} rows (${count((r) => r.label === 1)} fraud) → ${a.out}`)
console.log(JSON.stringify({ labels: labels.length, skipped, log_lines: lines.length, rows: rows.length, fraud: count((r) => r.label === 1), by_source: bySource, out: a.out }))
