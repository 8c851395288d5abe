import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FEATURE_INDEX, FEATURE_NAMES, FEATURE_VERSION, type FeatureName } from '../../src/features/list'
import { contributions } from '../../src/model/contributions'
import { parseModel } from '../../src/model/parse'
import { predict, predictMargin } from '../../src/model/predict'

const CODE = { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION }
const read = (p: string) => readFileSync(join(import.meta.dirname, '..', p), 'utf8')
const fixture = JSON.parse(read('fixtures/model/parity.json')) as {
  model_version: string; probabilities: number[]; margins: number[]; contributions: number[][]; rows: Array<Array<number | null>>
}
const toRow = (r: Array<number | null>) => Float32Array.from(r, (v) => (v === null ? Number.NaN : v))
const loaded = parseModel(read('../models/default/model.json'), CODE)
if (!loaded.ok) throw new Error(`default model refused: ${loaded.reason} ${loaded.detail}`)
const model = loaded.value

describe('parity with real XGBoost on the committed fixture', () => {
  it('was generated from the shipped default model', () => {
    expect(fixture.model_version).toBe(model.version)
  })

  it('covers rows with missing values, an all-missing row and full rows', () => {
    const missing = fixture.rows.map((r) => r.filter((v) => v === null).length)
    expect(missing.filter((m) => m > 0).length).toBeGreaterThan(100)
    expect(missing).toContain(FEATURE_NAMES.length)
    expect(missing).toContain(0)
  })

  it('matches every XGBoost probability within 1e-6', () => {
    let worst = 0
    fixture.rows.forEach((r, i) => (worst = Math.max(worst, Math.abs(predict(model, toRow(r)) - fixture.probabilities[i]!))))
    expect(worst).toBeLessThanOrEqual(1e-6)
  })

  it('matches every XGBoost margin within 1e-5', () => {
    let worst = 0
    fixture.rows.forEach((r, i) => (worst = Math.max(worst, Math.abs(predictMargin(model, toRow(r)) - fixture.margins[i]!))))
    expect(worst).toBeLessThanOrEqual(1e-5)
  })

  it("attributes each row like XGBoost's approximate (Saabas) contributions", () => {
    // XGBoost normalises node means by the node's own cover, we by the children's (a true mean); they
    // agree to float rounding. The last XGBoost column is its bias.
    fixture.contributions.forEach((xgb, i) => {
      const ours = contributions(model, toRow(fixture.rows[i]!))
      for (let f = 0; f < FEATURE_NAMES.length; f++) expect(ours[f]).toBeCloseTo(xgb[f]!, 3)
      expect(model.bias).toBeCloseTo(xgb[FEATURE_NAMES.length]!, 3)
    })
  })

  it('scores a blatant credential-stuffing row as a bot and a typical human as legitimate', () => {
    const row = (values: Partial<Record<FeatureName, number>>) => {
      const r = new Float32Array(FEATURE_NAMES.length).fill(Number.NaN)
      for (const [k, v] of Object.entries(values)) r[FEATURE_INDEX[k as FeatureName]] = v
      return r
    }
    const bot = row({ route_class: 0, method_is_post: 1, cookie_missing: 1, header_count: 5, asn_hosting: 1, device_login_attempts_10m: 40, device_failed_logins_10m: 38, device_distinct_users_10m: 40, ip_distinct_users_10m: 60 })
    const human = row({ route_class: 0, method_is_post: 1, cookie_missing: 0, device_age_s: 3e6, header_count: 16, ua_claims_browser: 1, sdk_key_count: 22, sdk_key_interval_mean_ms: 180, sdk_key_interval_sd_ms: 90, sdk_pointer_moved: 1, sdk_time_to_submit_ms: 9000, sdk_webdriver: 0, device_requests_1m: 3, device_login_attempts_10m: 1, device_failed_logins_10m: 0, device_distinct_users_10m: 1, ip_distinct_users_10m: 1, user_failed_logins_1h: 0, user_distinct_ips_1h: 1, zone_login_failure_ratio_10m: 0.1 })
    expect(predict(model, bot)).toBeGreaterThan(0.9)
    expect(predict(model, human)).toBeLessThan(0.1)
  })
})
