// validateModelFile: untrusted JSON (already parsed) + the expected feature list → a typed ModelFile,
// or the first problem with its path. Checks everything compile relies on; never throws, never compiles.

import { err, ok, type Err, type Result } from '../util/result'
import { validateTrees } from './validateTrees'
import {
  MODEL_LIMITS,
  MODEL_OBJECTIVES,
  MODEL_SCHEMA_VERSION,
  type ModelExpectation,
  type ModelFile,
  type ModelProblem,
} from './format'

type Problem = Err<ModelProblem>
const VERSION_PATTERN = /^[A-Za-z0-9._:+-]+$/

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

export function validateModelFile(json: unknown, expect: ModelExpectation): Result<ModelFile, ModelProblem> {
  if (!isRecord(json)) return err('bad_shape', 'model: not an object')
  if (json.schema_version !== MODEL_SCHEMA_VERSION) {
    return err('bad_schema_version', `schema_version: expected ${MODEL_SCHEMA_VERSION}, got ${String(json.schema_version)}`)
  }
  if (!(MODEL_OBJECTIVES as readonly unknown[]).includes(json.objective)) {
    return err('bad_objective', `objective: ${String(json.objective)} is not one of ${MODEL_OBJECTIVES.join(', ')}`)
  }
  const version = json.model_version
  if (typeof version !== 'string' || version.length === 0 || version.length > MODEL_LIMITS.maxVersionLength || !VERSION_PATTERN.test(version)) {
    return err('bad_shape', 'model_version: a non-empty string of [A-Za-z0-9._:+-], at most 128 characters')
  }
  const base = json.base_score
  if (typeof base !== 'number' || !Number.isFinite(base)) return err('not_finite', 'base_score: not a finite number')
  const base32 = Math.fround(base)
  if (!(base32 > 0 && base32 < 1)) return err('bad_shape', 'base_score: must lie strictly between 0 and 1 (as float32)')

  const features = checkFeatures(json.features, expect)
  if (features) return features

  const depth = json.max_depth
  if (!Number.isInteger(depth) || (depth as number) < 0 || (depth as number) > MODEL_LIMITS.maxDepth) {
    return err('bad_shape', `max_depth: an integer 0…${MODEL_LIMITS.maxDepth}`)
  }
  const trees = validateTrees(json.trees, depth as number, expect.features.length)
  if (trees) return trees

  const meta = checkMetadata(json.metadata)
  if (meta) return meta
  return ok(json as unknown as ModelFile)
}

function checkFeatures(v: unknown, expect: ModelExpectation): Problem | undefined {
  if (!isRecord(v)) return err('bad_shape', 'features: not an object')
  if (typeof v.version !== 'string') return err('bad_shape', 'features.version: not a string')
  const names = v.names
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    return err('bad_shape', 'features.names: not an array of strings')
  }
  if (names.length > MODEL_LIMITS.maxFeatures) return err('too_large', `features.names: more than ${MODEL_LIMITS.maxFeatures} features`)
  if (v.version !== expect.featureVersion) {
    return err('feature_mismatch', `features.version: model has ${v.version}, code has ${expect.featureVersion}`)
  }
  if (names.length !== expect.features.length) {
    return err('feature_mismatch', `features.names: model has ${names.length} features, code has ${expect.features.length}`)
  }
  const at = names.findIndex((n, i) => n !== expect.features[i])
  if (at >= 0) {
    return err('feature_mismatch', `features.names[${at}]: model has ${String(names[at])}, code has ${String(expect.features[at])}`)
  }
  return undefined
}

function checkMetadata(v: unknown): Problem | undefined {
  if (!isRecord(v)) return err('bad_shape', 'metadata: not an object')
  for (const key of ['trained_at', 'training_data', 'source', 'notes'] as const) {
    if (v[key] !== undefined && typeof v[key] !== 'string') return err('bad_shape', `metadata.${key}: not a string`)
  }
  for (const key of ['params', 'metrics'] as const) {
    if (v[key] !== undefined && !isRecord(v[key])) return err('bad_shape', `metadata.${key}: not an object`)
  }
  return undefined
}
