// convertXGBoost: an XGBoost JSON model (Booster.save_model("m.json"), parsed) + the code's feature
// list → our flattened ModelFile, validated. Pure: no I/O, no clock (the caller passes version and metadata).

import { err, ok, type Result } from '../util/result'
import { convertTree, type FlatArrays } from './convertTree'
import { shortestFloat32 } from './float32'
import { MODEL_SCHEMA_VERSION, type ModelExpectation, type ModelFile, type ModelMetadata, type ModelProblem } from './format'
import { validateModelFile } from './validate'

export const CONVERT_PROBLEMS = ['not_xgboost', 'unsupported', 'feature_mismatch', 'bad_tree', 'bad_base_score'] as const
export type ConvertProblem = (typeof CONVERT_PROBLEMS)[number] | ModelProblem

export interface ConvertOptions extends ModelExpectation {
  readonly modelVersion: string
  readonly metadata?: ModelMetadata
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * base_score as XGBoost writes it: "5E-1" (≤ 1.7), "[5E-1]" (≥ 2.0, one value per target) or a
 * plain number. Returns the float32 probability, or undefined when it is none of these.
 */
export function parseBaseScore(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.fround(v) : undefined
  if (typeof v !== 'string') return undefined
  let s = v.trim()
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1).trim()
  if (s === '' || s.includes(',')) return undefined
  const n = Number(s)
  return Number.isFinite(n) ? Math.fround(n) : undefined
}

export function convertXGBoost(json: unknown, options: ConvertOptions): Result<ModelFile, ConvertProblem> {
  const learner = isRecord(json) ? json.learner : undefined
  if (!isRecord(learner)) return err('not_xgboost', 'no learner object: not an XGBoost JSON model')
  const booster = learner.gradient_booster
  if (!isRecord(booster) || booster.name !== 'gbtree') {
    return err('unsupported', `booster ${isRecord(booster) ? String(booster.name) : '?'}: only gbtree is supported`)
  }
  const objective = isRecord(learner.objective) ? learner.objective.name : undefined
  if (objective !== 'binary:logistic') return err('unsupported', `objective ${String(objective)}: only binary:logistic is supported`)
  const param = isRecord(learner.learner_model_param) ? learner.learner_model_param : {}
  const base = parseBaseScore(param.base_score)
  if (base === undefined || !(base > 0 && base < 1)) return err('bad_base_score', `base_score ${JSON.stringify(param.base_score)}: not a probability`)
  if (param.num_target !== undefined && String(param.num_target) !== '1') return err('unsupported', 'multi-target models are not supported')

  const featureMap = mapFeatures(learner.feature_names, Number(param.num_feature), options.features)
  if (!featureMap.ok) return featureMap
  const model = isRecord(booster.model) ? booster.model : undefined
  const trees = model?.trees
  if (!Array.isArray(trees) || trees.length === 0) return err('not_xgboost', 'gradient_booster.model.trees: no trees')
  const info = model?.tree_info
  if (Array.isArray(info) && info.some((g) => g !== 0)) return err('unsupported', 'tree_info: more than one output group')

  const flat: FlatArrays = { left: [], right: [], feature: [], threshold: [], default_left: [], value: [], cover: [] }
  const offsets = [0]
  let deepest = 0
  for (let t = 0; t < trees.length; t++) {
    const depth = convertTree(trees[t], t, featureMap.value, flat)
    if (!depth.ok) return depth
    deepest = Math.max(deepest, depth.value)
    offsets.push(flat.left.length)
  }
  const xgbVersion = isRecord(json) && Array.isArray(json.version) ? json.version.join('.') : 'unknown'
  const file: ModelFile = {
    schema_version: MODEL_SCHEMA_VERSION,
    model_version: options.modelVersion,
    objective: 'binary:logistic',
    base_score: shortestFloat32(base),
    features: { version: options.featureVersion, names: [...options.features] },
    max_depth: deepest,
    trees: { count: trees.length, offsets, ...flat },
    metadata: { source: `xgboost ${xgbVersion}`, ...options.metadata },
  }
  const valid = validateModelFile(file, options)
  return valid.ok ? ok(file) : valid
}

/**
 * XGBoost split_indices are column numbers of the training matrix. With feature_names saved, map
 * each by name to the code's list (a subset in any order is fine); without, the columns must be
 * the code's list itself.
 */
function mapFeatures(names: unknown, numFeature: number, expected: readonly string[]): Result<number[], ConvertProblem> {
  if (Array.isArray(names) && names.length > 0) {
    const map: number[] = []
    for (const name of names) {
      const i = expected.indexOf(String(name))
      if (i < 0) return err('feature_mismatch', `feature_names: ${String(name)} is not in the code's feature list`)
      map.push(i)
    }
    return ok(map)
  }
  if (numFeature !== expected.length) {
    return err('feature_mismatch', `num_feature ${numFeature} without feature_names: expected exactly ${expected.length} columns`)
  }
  return ok(expected.map((_, i) => i))
}
