// `npm run eval -- <labelled.ndjson> [--target-fpr 0.0002] [--report out.svg] [--png out.png] [--model m.json]`:
// ROC and AUC over the `risk` field, recall at FPR 1 % / 0.1 % / 0.02 %, the threshold for a target
// FPR, action × label confusion, per-family rates; tables to stderr, one JSON line to stdout.
// --model rescores the logged features with a candidate model instead of the logged risk; --score
// model_risk judges the logged model score alone (before rule weights) instead of the decision's risk.
import { readFileSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { actionsByFamily, confusionByAction, ruleCounts } from './eval/confusion'
import { svgToPng } from './eval/png'
import { modelScoreOnly, rescore } from './eval/rescore'
import { familyRecall, rocSummary } from './eval/roc'
import { parseEvalRows } from './eval/rows'
import { renderReport } from './eval/svg'

const STANDARD_FPRS = [0.01, 0.001, 0.0002]

function fail(message: string): never {
  console.error(`eval: ${message}`)
  process.exit(2)
}

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'target-fpr': { type: 'string', default: '0.0002' }, report: { type: 'string' }, png: { type: 'string' }, model: { type: 'string' }, score: { type: 'string', default: 'risk' } },
})
const file = positionals[0]
if (file === undefined) fail('usage: npm run eval -- <labelled.ndjson> [--target-fpr 0.0002] [--report out.svg] [--png out.png]')
const target = Number(a['target-fpr'])
if (!(target > 0 && target < 1)) fail('--target-fpr must be in (0, 1)')
let text = readFileSync(file, 'utf8')
if (a.model !== undefined) {
  const lines = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
  const r = rescore(lines, readFileSync(a.model, 'utf8'))
  if (!r.ok) fail(`--model ${a.model}: ${r.detail ?? r.reason}`)
  text = r.value.map((l) => JSON.stringify(l)).join('\n')
}
if (a.score !== 'risk' && a.score !== 'model_risk') fail('--score must be risk (model + rules) or model_risk (the model alone)')
if (a.score === 'model_risk' && a.model !== undefined) fail('--score model_risk judges the logged model score; --model already rescores with the model alone')
if (a.score === 'model_risk') {
  const picked = modelScoreOnly(text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>))
  if (picked.unscored > 0) console.error(`eval: --score model_risk: ${picked.unscored} rows without a model score left out`)
  text = picked.rows.map((l) => JSON.stringify(l)).join('\n')
}
const parsed = parseEvalRows(text)
if (!parsed.ok) fail(`${file}: ${parsed.detail ?? parsed.reason}`)
const rows = parsed.value

const fprs = [...new Set([...STANDARD_FPRS, target])].sort((x, y) => y - x)
const roc = rocSummary(rows, fprs)
if (roc.positives === 0 || roc.negatives === 0) fail('need both labels (0 and 1) to evaluate')
const atTarget = roc.atFpr.find((m) => m.fpr === target)!
const families = familyRecall(rows, atTarget.threshold)
const confusion = confusionByAction(rows)

const pct = (x: number, d = 2): string => `${(x * 100).toFixed(d)}%`
const lines = [
  `eval: ${file}: ${roc.rows} rows, ${roc.negatives} human, ${roc.positives} attack · AUC ${roc.auc.toFixed(5)}`,
  '', '| FPR | threshold (risk ≥) | recall | human rows flagged |', '| ---: | ---: | ---: | ---: |',
  ...roc.atFpr.map((m) => `| ${pct(m.fpr)} | ${m.threshold.toFixed(3)} | ${pct(m.recall, 1)} | ${m.falsePositives} |`),
  '', `Per family at the target threshold (FPR ${pct(target)}, risk ≥ ${atTarget.threshold.toFixed(3)}):`,
  '| family | label | requests | flagged | sessions | sessions flagged |', '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...families.map((f) => `| ${f.family} | ${f.label} | ${f.requests} | ${pct(f.request_rate, 1)} | ${f.sessions} | ${pct(f.session_rate, 1)} |`),
  '', 'What the live policy did (action × label):', '| action | human | attack |', '| --- | ---: | ---: |',
  ...confusion.map((c) => `| ${c.action} | ${c.human} | ${c.attack} |`),
]
console.error(lines.join('\n'))

if (a.report !== undefined) {
  const svg = renderReport({ title: `edgeward evaluation — ${basename(file)}${a.model === undefined ? (a.score === 'model_risk' ? ' — the model alone' : '') : ` rescored by ${basename(a.model)}`}`, roc, rows, targetFpr: target, threshold: atTarget.threshold, recallAtTarget: atTarget.recall, families })
  writeFileSync(a.report, svg)
  console.error(`eval: report → ${a.report}`)
  if (a.png !== undefined) {
    await svgToPng(svg, a.png)
    console.error(`eval: rendered → ${a.png}`)
  }
}

console.log(JSON.stringify({
  file, model: a.model ?? null, score: a.model === undefined ? a.score : 'model', rows: roc.rows, humans: roc.negatives, attacks: roc.positives, auc: roc.auc,
  recall_at_fpr: Object.fromEntries(roc.atFpr.map((m) => [String(m.fpr), { recall: m.recall, threshold: m.threshold, false_positives: m.falsePositives }])),
  target_fpr: target, threshold: atTarget.threshold, recall_at_target: atTarget.recall,
  families, confusion, actions_by_family: actionsByFamily(rows), rules: ruleCounts(rows),
}))
