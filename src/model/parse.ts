// parseModel: untrusted model JSON (text or parsed) + the code's feature list → a compiled, pre-warmed
// model, or the reason it was refused whole. Never throws on bad input; never partially loads.

import { err, ok, type Result } from '../util/result'
import { compileModel, type CompiledModel } from './compile'
import type { ModelExpectation, ModelProblem } from './format'
import { predictMargin } from './predict'
import { validateModelFile } from './validate'

export interface ParseOptions extends ModelExpectation {
  /** Evaluations run at load so the first request meets warm code and typed arrays. Default 64. */
  readonly warm?: number
  /** Refuse text longer than this many characters before parsing it. Default 16 MiB. */
  readonly maxChars?: number
}

const DEFAULT_MAX_CHARS = 16 * 1024 * 1024

export function parseModel(input: unknown, options: ParseOptions): Result<CompiledModel, ModelProblem> {
  let json = input
  if (typeof input === 'string') {
    if (input.length > (options.maxChars ?? DEFAULT_MAX_CHARS)) return err('too_large', `model text: ${input.length} characters`)
    try {
      json = JSON.parse(input) as unknown
    } catch (e) {
      return err('not_json', `model text: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  const file = validateModelFile(json, options)
  if (!file.ok) return file
  const model = compileModel(file.value)
  warmModel(model, options.warm ?? 64)
  return ok(model)
}

/** Run the evaluator on all-missing, all-zero and all-one rows so its code and caches are warm. */
export function warmModel(model: CompiledModel, evaluations: number): void {
  const rows = [new Float32Array(model.featureCount).fill(Number.NaN), new Float32Array(model.featureCount), new Float32Array(model.featureCount).fill(1)]
  for (let i = 0; i < evaluations; i++) predictMargin(model, rows[i % rows.length]!)
}
