// defaultModel: nothing → the bundled models/default model, validated against the code's feature
// list and compiled once per isolate (memoised, including a refusal). Never throws; never re-parses.

import { FEATURE_NAMES, FEATURE_VERSION } from '../features/list'
import type { Result } from '../util/result'
import bundled from '../../models/default/model.json'
import type { CompiledModel } from './compile'
import type { ModelProblem } from './format'
import { parseModel } from './parse'

/** The expectation every model in this build must meet: the code's feature list and version. */
export const CODE_FEATURES = { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION } as const

let cached: Result<CompiledModel, ModelProblem> | undefined

/**
 * A refusal here means the bundled model was trained on another feature list (a build error that
 * the tests catch); the Worker decides without the model and logs the reason.
 */
export function defaultModel(): Result<CompiledModel, ModelProblem> {
  cached ??= parseModel(bundled as unknown, CODE_FEATURES)
  return cached
}
