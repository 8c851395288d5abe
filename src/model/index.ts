// The model stage's public surface: load (parse, default, swap), score (predict), explain (reasons).
// Re-exports only; the Worker imports from here and nothing else in src/model.

export type { CompiledModel } from './compile'
export type { ModelExpectation, ModelFile, ModelProblem } from './format'
export { MODEL_PROBLEMS, MODEL_SCHEMA_VERSION } from './format'
export { parseModel, type ParseOptions } from './parse'
export { defaultModel, CODE_FEATURES } from './default'
export { swapModel, type SwapOutcome } from './swap'
export { predict, predictMargin } from './predict'
export { explain, REASON_ORDERS, type Reason, type ReasonOrder } from './explain'
export { contributions } from './contributions'
