// Offline rescoring: takes labelled rows (with their logged `features`) and a model file, returns
// the rows with `risk` replaced by that model's score — a candidate judged on logged traffic
// before it goes to KV. Only the score changes: what rules and the policy did stays as logged.
import { FEATURE_NAMES, FEATURE_VERSION, vectorFromLogged } from '../../features/list'
import { parseModel } from '../../model/parse'
import { predict } from '../../model/predict'
import { err, ok, type Result } from '../../util/result'

export function rescore(lines: readonly Record<string, unknown>[], modelText: string): Result<Record<string, unknown>[], 'bad_model' | 'no_features'> {
  const m = parseModel(modelText, { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION })
  if (!m.ok) return err('bad_model', `${m.reason}: ${m.detail ?? ''}`)
  const row = new Float32Array(FEATURE_NAMES.length)
  const out: Record<string, unknown>[] = []
  for (const [i, line] of lines.entries()) {
    const f = line.features
    if (typeof f !== 'object' || f === null) return err('no_features', `row ${i + 1} has no features to score`)
    out.push({ ...line, risk: predict(m.value, vectorFromLogged(f as Record<string, unknown>, row)) })
  }
  return ok(out)
}

/**
 * The model's own score as the score to judge: each row's `risk` (model + rule weights) replaced by
 * its logged `model_risk`. Rows the model did not score (no model, fail-open) are left out and counted.
 */
export function modelScoreOnly(lines: readonly Record<string, unknown>[]): { rows: Record<string, unknown>[]; unscored: number } {
  const rows: Record<string, unknown>[] = []
  let unscored = 0
  for (const line of lines) {
    if (typeof line.model_risk === 'number' && Number.isFinite(line.model_risk)) rows.push({ ...line, risk: line.model_risk })
    else unscored++
  }
  return { rows, unscored }
}
