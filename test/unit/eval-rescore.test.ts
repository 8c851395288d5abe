// Offline rescoring: a row's risk becomes the given model's score on its logged features (missing
// ones as NaN), everything else stays as logged; a bad model or a row without features is refused.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { modelScoreOnly, rescore } from '../../src/cli/eval/rescore'
import { FEATURE_NAMES, FEATURE_VERSION } from '../../src/features/list'
import { parseModel } from '../../src/model/parse'
import { predict } from '../../src/model/predict'

const text = readFileSync(join(import.meta.dirname, '../../models/default/model.json'), 'utf8')
const model = parseModel(text, { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION })

describe('rescore', () => {
  it('replaces risk with the model score of the logged features and keeps the rest', () => {
    if (!model.ok) throw new Error(model.reason)
    const features = { route_class: 0, method_is_post: 1, header_count: 6, asn_hosting: 1, cookie_missing: 1 }
    const r = rescore([{ ref: 'a', risk: 0.123, action: 'block', label: 1, features }], text)
    const row = new Float32Array(FEATURE_NAMES.length).fill(Number.NaN)
    FEATURE_NAMES.forEach((n, i) => {
      if (n in features) row[i] = features[n as keyof typeof features]
    })
    expect(r.ok && r.value[0]).toEqual({ ref: 'a', risk: predict(model.value, row), action: 'block', label: 1, features })
  })

  it('refuses a bad model and a row without features', () => {
    expect(rescore([{ features: {} }], '{}').ok).toBe(false)
    const r = rescore([{ risk: 0.5 }], text)
    expect(!r.ok && r.reason).toBe('no_features')
  })

  it('judges the model alone on its logged model_risk, leaving out rows the model did not score', () => {
    // risk 0.9 is model 0.6 + a rule weight; the model-only figure must see 0.6.
    const { rows, unscored } = modelScoreOnly([
      { ref: 'a', risk: 0.9, model_risk: 0.6, label: 1 },
      { ref: 'b', risk: 0, model_risk: null, label: 0 },
      { ref: 'c', risk: 0.2, label: 0 },
    ])
    expect(rows).toEqual([{ ref: 'a', risk: 0.6, model_risk: 0.6, label: 1 }])
    expect(unscored).toBe(2)
  })
})
