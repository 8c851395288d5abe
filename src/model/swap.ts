// swapModel: the active compiled model (or none) + a candidate model (JSON text or parsed, e.g. the
// KV value `model:<version>`) → the model to use next and why. Pure; a bad candidate never replaces a good model.

import type { CompiledModel } from './compile'
import type { ModelExpectation, ModelProblem } from './format'
import { parseModel } from './parse'

export type SwapOutcome =
  | { readonly swapped: true; readonly model: CompiledModel; readonly previous: string | null }
  | { readonly swapped: false; readonly model: CompiledModel | null; readonly reason: 'same_version' | 'no_candidate' }
  | { readonly swapped: false; readonly model: CompiledModel | null; readonly reason: ModelProblem; readonly detail?: string }

/**
 * Same version as the active model → kept without recompiling (KV is read often, models change rarely).
 * Refused candidate → the active model stays and the reason goes to the log ("keep the last good one,
 * log loudly"). With no active model, `model` is null and the caller decides without one.
 */
export function swapModel(active: CompiledModel | null, candidate: unknown, expect: ModelExpectation): SwapOutcome {
  if (candidate === null || candidate === undefined || candidate === '') return { swapped: false, model: active, reason: 'no_candidate' }
  if (active && candidateVersion(candidate) === active.version) return { swapped: false, model: active, reason: 'same_version' }
  const parsed = parseModel(candidate, expect)
  if (!parsed.ok) {
    return parsed.detail === undefined
      ? { swapped: false, model: active, reason: parsed.reason }
      : { swapped: false, model: active, reason: parsed.reason, detail: parsed.detail }
  }
  return { swapped: true, model: parsed.value, previous: active?.version ?? null }
}

/** model_version without a full parse: a regex on the text's head, or the field of a parsed object. */
function candidateVersion(candidate: unknown): string | undefined {
  if (typeof candidate === 'string') {
    const m = /"model_version"\s*:\s*"([^"\\]{1,128})"/.exec(candidate.slice(0, 4096))
    return m?.[1]
  }
  if (typeof candidate === 'object' && candidate !== null && 'model_version' in candidate) {
    const v = (candidate as { model_version: unknown }).model_version
    return typeof v === 'string' ? v : undefined
  }
  return undefined
}
