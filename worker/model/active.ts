// The model in force for this isolate: the bundled default, or `model:<name>` from KV
// when the config names one. Cached like the config; a refused model never replaces
// the good one (logged once); KV slow or down → keep what we have (fail open).
import type { CompiledConfig } from '../../src/config/compileConfig'
import { CODE_FEATURES, defaultModel, type CompiledModel } from '../../src/model'
import { swapModel } from '../../src/model/swap'
import { withDeadline } from '../deadline'

const CACHE_MS = 10_000
const KV_BUDGET_MS = 50
export const BUNDLED_MODEL_NAME = 'default'

export interface ModelState {
  readonly model: CompiledModel | null
  /** Why the model in force is not the one the config asks for, if it is not. */
  readonly problem: 'model_rejected' | 'model_unavailable' | 'model_missing' | null
}

let current: { name: string; model: CompiledModel | null; fetchedAt: number; problem: ModelState['problem'] } | null = null
/** Refused models already logged (name:reason), so each is logged once; bounded. */
const reported = new Set<string>()
export const REPORTED_MODELS_CAP = 64

/** Entries in the logged-once set (tests assert it stays within REPORTED_MODELS_CAP). */
export const reportedModelsSize = (): number => reported.size

export function resetModelCacheForTests(): void {
  current = null
  reported.clear()
}

function bundled(): ModelState {
  const d = defaultModel()
  return d.ok ? { model: d.value, problem: null } : { model: null, problem: 'model_missing' }
}

export async function activeModel(kv: KVNamespace, config: CompiledConfig, now: number): Promise<ModelState> {
  const name = config.source.model.active
  if (name === BUNDLED_MODEL_NAME) return bundled()
  if (current !== null && current.name === name && now - current.fetchedAt < CACHE_MS) return { model: current.model, problem: current.problem }

  const fallback = current?.model ?? bundled().model
  const read = await withDeadline(kv.get(`model:${name}`), KV_BUDGET_MS)
  if (!read.ok) {
    current = { name, model: fallback, fetchedAt: now - CACHE_MS + 1000, problem: 'model_unavailable' }
    return { model: fallback, problem: 'model_unavailable' }
  }
  const outcome = swapModel(current?.model ?? null, read.value, CODE_FEATURES)
  if (outcome.swapped || (outcome.reason === 'same_version' && outcome.model !== null)) {
    current = { name, model: outcome.model, fetchedAt: now, problem: null }
    return { model: outcome.model, problem: null }
  }
  const problem = outcome.reason === 'no_candidate' ? 'model_unavailable' : 'model_rejected'
  const key = `${name}:${outcome.reason}`
  if (problem === 'model_rejected' && !reported.has(key)) {
    if (reported.size >= REPORTED_MODELS_CAP) reported.clear()
    reported.add(key)
    console.error(JSON.stringify({ event: 'model_rejected', model: name, reason: outcome.reason, detail: 'detail' in outcome ? outcome.detail : undefined }))
  }
  current = { name, model: fallback, fetchedAt: now, problem }
  return { model: fallback, problem }
}

/** The version the health endpoint and reserved-path log lines report. */
export async function activeModelVersion(kv: KVNamespace, config: CompiledConfig, now: number): Promise<string> {
  return (await activeModel(kv, config, now)).model?.version ?? 'none'
}
