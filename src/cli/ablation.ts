// `npm run ablation -- --data rows.ndjson [--trees 100] [--depth 6] [--report docs/ablation.md]`:
// which inputs carry the model, and does it collapse without one? Trains (real XGBoost, through
// `npm run train`, whole sessions held out) on all features, then once with each feature family
// blanked and once with each of the top single features blanked, and compares held-out AUC and
// recall at FPR 0.1 %. An arm whose loss passes the collapse bound is flagged: a model that leans
// on one input that much has probably learned the simulator rather than the attack.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FEATURE_FAMILIES, FEATURES } from '../features/list'
import { ablationArms, ablationTable, type ArmResult, type TrainFigures } from './ablation/compare'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

function fail(message: string): never {
  console.error(`ablation: ${message}`)
  process.exit(2)
}

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' }, trees: { type: 'string', default: '100' }, depth: { type: 'string', default: '6' },
    seed: { type: 'string', default: '7' }, top: { type: 'string', default: '5' }, report: { type: 'string' },
  },
})
if (a.data === undefined) fail('usage: npm run ablation -- --data rows.ndjson [--trees 100] [--depth 6] [--top 5] [--report out.md]')
const data = resolve(a.data)
const work = mkdtempSync(join(tmpdir(), 'edgeward-ablation-'))

function train(name: string, blank: readonly string[]): TrainFigures {
  const args = ['tsx', join(ROOT, 'src/cli/train.ts'), '--data', data, '--out', join(work, name), '--trees', a.trees!, '--depth', a.depth!, '--seed', a.seed!]
  if (blank.length > 0) args.push('--blank', blank.join(','))
  const run = spawnSync('npx', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (run.status !== 0) fail(`training ${name} failed:\n${run.stderr.slice(-2000)}`)
  const last = run.stdout.trim().split('\n').at(-1) ?? ''
  const j = JSON.parse(last) as { auc: number; recall_at_fpr: Record<string, number>; gain: Record<string, number> }
  return { auc: j.auc, recallAt0001: j.recall_at_fpr['0.001'] ?? 0, gain: j.gain }
}

try {
  console.error('ablation: baseline (all features)')
  const baseline = train('baseline', [])
  const families = Object.fromEntries(FEATURE_FAMILIES.map((f) => [f, FEATURES.filter((x) => x.family === f).map((x) => x.name as string)]))
  const arms = ablationArms(baseline.gain, families, Number(a.top))
  const results: ArmResult[] = []
  for (const arm of arms) {
    console.error(`ablation: without ${arm.name} (${arm.blank.length} feature${arm.blank.length === 1 ? '' : 's'})`)
    results.push({ ...arm, figures: train(arm.name.replace(/\W+/g, '_'), arm.blank) })
  }
  const table = ablationTable(baseline, results)
  console.error(table.markdown)
  if (a.report !== undefined) writeFileSync(a.report, `# Ablation — ${a.data}\n\n${table.markdown}\n`)
  console.log(JSON.stringify({ data: a.data, baseline: { auc: baseline.auc, recall_at_fpr_0001: baseline.recallAt0001 }, gain_share: table.gainShare, arms: table.rows, flagged: table.flagged }))
} finally {
  rmSync(work, { recursive: true, force: true })
}
