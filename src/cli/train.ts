// train: labelled NDJSON (or --synthetic N) → a real XGBoost model (models/train.py), converted, checked
// for parity, written as <out>/model.json + MODEL_CARD.md + parity fixture. Fails loudly; never ships a mismatch.
// Usage: npm run train -- (--data rows.ndjson | --synthetic 40000 --seed 7) --out models/<name> [--trees 200 --depth 6]

import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FEATURE_NAMES, FEATURE_VERSION } from '../features/list'
import { renderModelCard } from '../model/card'
import { convertXGBoost } from '../model/convert'
import { parseLabelledRows, type Dataset } from '../model/dataset'
import type { ModelFile } from '../model/format'
import { scoreMetrics } from '../model/metrics'
import { parseModel } from '../model/parse'
import { predict, predictMargin } from '../model/predict'
import { prng } from '../model/prng'
import { serializeModel } from '../model/serialize'
import { splitGroups, takeRows } from '../model/split'
import { synthesizeRows } from './synth-data'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const PYTHON = process.env.EDGEWARD_PYTHON ?? '/usr/bin/python3'
const FPRS = [0.001, 0.0002]
const PARITY_TOLERANCE = 1e-6

function fail(message: string): never {
  console.error(`train: ${message}`)
  process.exit(1)
}

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' }, synthetic: { type: 'string' }, seed: { type: 'string', default: '7' },
    out: { type: 'string' }, parity: { type: 'string' }, name: { type: 'string' },
    trees: { type: 'string', default: '200' }, depth: { type: 'string', default: '6' }, eta: { type: 'string', default: '0.1' },
    'test-fraction': { type: 'string', default: '0.25' }, 'keep-work': { type: 'boolean', default: false },
    split: { type: 'string', default: 'session' },
    // Ablation: train as if these features were never logged (comma-separated names).
    blank: { type: 'string' },
  },
})
if (!a.out || (!a.data && !a.synthetic)) fail('usage: npm run train -- (--data <rows.ndjson> | --synthetic N [--seed S]) --out <dir>')
const seed = Number(a.seed)
const trees = Number(a.trees)
const depth = Number(a.depth)
if (!(trees >= 1 && trees <= 500)) fail('--trees must be 1…500')
if (!(depth >= 1 && depth <= 6)) fail('--depth must be 1…6')
const out = resolve(a.out)
const name = a.name ?? basename(out)

// 1. Rows → dense matrix in the code's feature order.
const text = a.data ? readFileSync(a.data, 'utf8') : synthesizeRows(Number(a.synthetic), seed).map((r) => JSON.stringify(r)).join('\n')
const parsed = parseLabelledRows(text, FEATURE_NAMES)
if (!parsed.ok) fail(`${a.data ?? 'synthetic rows'}: ${parsed.detail}`)
const data: Dataset = parsed.value
const width = FEATURE_NAMES.length
const blanked = (a.blank ?? '').split(',').filter((n) => n !== '')
for (const name of blanked) {
  const col = FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number])
  if (col === -1) fail(`--blank: unknown feature ${name}`)
  for (let r = 0; r < data.rows; r++) data.x[r * width + col] = Number.NaN
}
// Held-out rows never share a session (or, with --split run, a simulator seed) with training rows.
const SPLITS = ['session', 'run'] as const
const splitBy = SPLITS.find((s) => s === a.split) ?? fail(`--split must be one of ${SPLITS.join(', ')}`)
const split = splitGroups(splitBy === 'run' ? data.run : data.session, Number(a['test-fraction']), seed)
if (split.test.length === 0 || split.train.length === 0) fail(`--split ${splitBy}: ${split.groups} group(s) cannot be split into train and test`)
const xTest = takeRows(data.x, width, split.test)
const yTest = Uint8Array.from(split.test, (i) => data.y[i]!)

// Parity rows: held-out rows as they are, the same rows with 40% of values knocked out, and the extremes.
const rnd = prng(seed + 1)
const parityRows: Float32Array[] = []
for (let i = 0; i < Math.min(150, split.test.length); i++) parityRows.push(xTest.slice(i * width, (i + 1) * width))
for (let i = 0; i < Math.min(150, split.test.length); i++) parityRows.push(xTest.slice(i * width, (i + 1) * width).map((v) => (rnd() < 0.4 ? Number.NaN : v)))
parityRows.push(new Float32Array(width).fill(Number.NaN), new Float32Array(width), new Float32Array(width).fill(1e6))

// 2. Real XGBoost, in Python, on float32 matrices.
const work = mkdtempSync(join(tmpdir(), 'edgeward-train-'))
const params = { trees, max_depth: depth, eta: Number(a.eta), subsample: 0.8, colsample_bytree: 0.8, min_child_weight: 2, base_score: 0.5, seed }
writeFileSync(join(work, 'job.json'), JSON.stringify({ features: FEATURE_NAMES, ...params }))
const bytes = (x: Float32Array | Uint8Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength)
writeFileSync(join(work, 'train.f32'), bytes(takeRows(data.x, width, split.train)))
writeFileSync(join(work, 'train.labels'), bytes(Uint8Array.from(split.train, (i) => data.y[i]!)))
writeFileSync(join(work, 'test.f32'), bytes(xTest))
writeFileSync(join(work, 'test.labels'), bytes(yTest))
const parityMatrix = new Float32Array(parityRows.length * width)
parityRows.forEach((r, i) => parityMatrix.set(r, i * width))
writeFileSync(join(work, 'parity.f32'), bytes(parityMatrix))
console.error(`train: ${split.train.length} training rows, ${split.test.length} test rows (${split.testGroups} of ${split.groups} ${splitBy}s held out), ${trees} trees of depth ≤ ${depth}`)
const py = spawnSync(PYTHON, [join(ROOT, 'models/train.py'), work], { stdio: ['ignore', 'inherit', 'inherit'] })
if (py.status !== 0) fail(`${PYTHON} models/train.py exited ${py.status ?? py.signal} (is python3-xgboost installed?)`)
const xgbJson: unknown = JSON.parse(readFileSync(join(work, 'xgb.json'), 'utf8'))
const preds = JSON.parse(readFileSync(join(work, 'predictions.json'), 'utf8')) as {
  xgboost_version: string; test_probabilities: number[]; parity_probabilities: number[]; parity_margins: number[]
  parity_contributions: number[][]; gain: Record<string, number>
}

// 3. Convert, then score the test set with the edge evaluator and hold it to XGBoost's numbers.
const trainedAt = new Date().toISOString()
const version = `${name}-${trainedAt.slice(0, 10).replaceAll('-', '')}-s${seed}`
const description = a.data
  ? `${relative(ROOT, resolve(a.data))} (${data.rows} labelled rows)`
  : `synthetic: src/cli/synth-data.ts, ${data.rows} rows, seed ${seed}`
const converted = convertXGBoost(xgbJson, {
  features: FEATURE_NAMES, featureVersion: FEATURE_VERSION, modelVersion: version,
  metadata: { trained_at: trainedAt, training_data: description, params },
})
if (!converted.ok) fail(`conversion: ${converted.reason}: ${converted.detail ?? ''}`)
const compiled = parseModel(converted.value, { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION })
if (!compiled.ok) fail(`converted model refused: ${compiled.reason}: ${compiled.detail ?? ''}`)
const model = compiled.value
const scores = new Float64Array(split.test.length)
let parityMaxDiff = 0
for (let i = 0; i < split.test.length; i++) {
  scores[i] = predict(model, xTest.subarray(i * width, (i + 1) * width))
  parityMaxDiff = Math.max(parityMaxDiff, Math.abs(scores[i]! - preds.test_probabilities[i]!))
}
parityRows.forEach((r, i) => (parityMaxDiff = Math.max(parityMaxDiff, Math.abs(predict(model, r) - preds.parity_probabilities[i]!))))
if (!(parityMaxDiff <= PARITY_TOLERANCE)) fail(`parity: edge evaluator differs from XGBoost by ${parityMaxDiff} (> ${PARITY_TOLERANCE})`)
const metrics = scoreMetrics(scores, yTest, FPRS)
const file: ModelFile = {
  ...converted.value,
  metadata: {
    ...converted.value.metadata,
    metrics: {
      auc: metrics.auc, test_rows: metrics.rows, test_positives: metrics.positives,
      recall_at_fpr: Object.fromEntries(metrics.atFpr.map((m) => [String(m.fpr), { recall: m.recall, threshold: m.threshold }])),
    },
    notes: a.data ? undefined : 'Trained on synthetic data; to be retrained on attack-simulator data.',
  },
}

// 4. Write the model, its card and the parity fixture.
const families: Record<string, { rows: number; label: number }> = {}
data.family.forEach((f, i) => ((families[f] ??= { rows: 0, label: data.y[i]! }).rows += 1))
const command = `npm run train -- ${a.data ? `--data ${relative(ROOT, resolve(a.data))}` : `--synthetic ${a.synthetic} --seed ${seed}`} --out ${relative(ROOT, out)} --trees ${trees} --depth ${depth} --eta ${a.eta} --split ${splitBy}${a.parity ? ` --parity ${relative(ROOT, resolve(a.parity))}` : ''}`
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'model.json'), serializeModel(file))
writeFileSync(join(out, 'MODEL_CARD.md'), renderModelCard({
  file, metrics, params, gain: preds.gain, parityMaxDiff, command,
  data: { description, synthetic: !a.data, trainRows: split.train.length, testRows: split.test.length, families, split: { by: splitBy, testGroups: split.testGroups, groups: split.groups } },
}))
const parityPath = resolve(a.parity ?? join(out, 'parity.json'))
mkdirSync(dirname(parityPath), { recursive: true })
writeFileSync(parityPath, JSON.stringify({
  model: relative(dirname(parityPath), join(out, 'model.json')),
  model_version: version,
  xgboost_version: preds.xgboost_version,
  note: 'Rows (null = missing) and what real XGBoost predicted for them; regenerate with the model (npm run train).',
  probabilities: preds.parity_probabilities,
  margins: preds.parity_margins,
  contributions: preds.parity_contributions.slice(0, 40),
  rows: parityRows.map((r) => Array.from(r, (v) => (Number.isNaN(v) ? null : v))),
}) + '\n')
if (!a['keep-work']) rmSync(work, { recursive: true, force: true })
else console.error(`train: work folder kept at ${work}`)
const margin0 = predictMargin(model, parityRows[0]!)
console.log(JSON.stringify({
  model: relative(ROOT, join(out, 'model.json')), version, trees: file.trees.count, nodes: file.trees.left.length, auc: metrics.auc,
  recall_at_fpr: Object.fromEntries(metrics.atFpr.map((m) => [m.fpr, m.recall])), parity_max_diff: parityMaxDiff, margin_row0: margin0,
  gain: preds.gain, blanked,
}))
