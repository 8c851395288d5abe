// model:convert: an XGBoost JSON model file (Booster.save_model("m.json")) → our flattened model file,
// checked against the code's feature list. A thin shell over src/model/convert.ts; writes nothing on failure.
// Usage: npm run model:convert -- <xgboost.json> <out.json> [--version <model_version>] [--training-data <text>]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { FEATURE_NAMES, FEATURE_VERSION } from '../features/list'
import { convertXGBoost } from '../model/convert'
import { parseModel } from '../model/parse'
import { serializeModel } from '../model/serialize'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { version: { type: 'string' }, 'training-data': { type: 'string' } },
})
const [input, output] = positionals
if (!input || !output) {
  console.error('usage: npm run model:convert -- <xgboost.json> <out.json> [--version <model_version>] [--training-data <text>]')
  process.exit(2)
}

let json: unknown
try {
  json = JSON.parse(readFileSync(input, 'utf8'))
} catch (e) {
  console.error(`model:convert: ${input}: ${e instanceof Error ? e.message : String(e)} (UBJSON models are not supported: save as .json)`)
  process.exit(1)
}
const now = new Date().toISOString()
const version = values.version ?? `${basename(input).replace(/\.json$/i, '').replace(/[^A-Za-z0-9._:+-]/g, '_')}-${now.slice(0, 10).replaceAll('-', '')}`
const expect = { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION }
const metadata = { trained_at: now, ...(values['training-data'] ? { training_data: values['training-data'] } : {}), notes: `converted from ${basename(input)} by npm run model:convert` }
const file = convertXGBoost(json, { ...expect, modelVersion: version, metadata })
if (!file.ok) {
  console.error(`model:convert: refused: ${file.reason}: ${file.detail ?? ''}`)
  process.exit(1)
}
const text = serializeModel(file.value)
const check = parseModel(text, expect)
if (!check.ok) {
  console.error(`model:convert: the written file would be refused: ${check.reason}: ${check.detail ?? ''}`)
  process.exit(1)
}
mkdirSync(dirname(output), { recursive: true })
writeFileSync(output, text)
console.log(JSON.stringify({ out: output, model_version: version, trees: file.value.trees.count, nodes: file.value.trees.left.length, max_depth: file.value.max_depth }))
