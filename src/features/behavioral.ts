// Behavioral features: takes the device-cookie state and `now` (epoch ms), writes the sdk_*
// slots of a FeatureVector from the cookie's SDK telemetry — NaN when there is none usable.
import type { DeviceCookieState } from '../signals/deviceClaims'
import { usableTelemetry } from '../signals/usableTelemetry'
import type { DeviceViewOption } from './environmental'
import { FEATURE_INDEX as I, type FeatureVector } from './list'

const SDK_SLOTS = [
  I.sdk_key_count, I.sdk_key_interval_mean_ms, I.sdk_key_interval_sd_ms, I.sdk_paste_credential,
  I.sdk_autofill, I.sdk_focus_changes, I.sdk_visibility_changes, I.sdk_pointer_moved,
  I.sdk_time_to_submit_ms, I.sdk_webdriver, I.sdk_automation_markers, I.sdk_incognito,
] as const

const b = (x: boolean): number => (x ? 1 : 0)
const nn = (x: number | null): number => (x === null ? Number.NaN : x)

export function fillBehavioral(vec: FeatureVector, cookie: DeviceCookieState, now: number, view: DeviceViewOption = {}): FeatureVector {
  // As no device: no SDK telemetry, however human it looks (it may be a replay).
  const t = view.asNoDevice === true ? null : usableTelemetry(cookie, now)
  if (t === null) {
    for (const i of SDK_SLOTS) vec[i] = Number.NaN
    return vec
  }
  vec[I.sdk_key_count] = t.keyCount
  vec[I.sdk_key_interval_mean_ms] = t.keyCount >= 2 ? nn(t.keyIntervalMeanMs) : Number.NaN
  vec[I.sdk_key_interval_sd_ms] = t.keyCount >= 3 ? nn(t.keyIntervalSdMs) : Number.NaN
  vec[I.sdk_paste_credential] = b(t.pasteCredential)
  vec[I.sdk_autofill] = b(t.autofill)
  vec[I.sdk_focus_changes] = t.focusChanges
  vec[I.sdk_visibility_changes] = t.visibilityChanges
  vec[I.sdk_pointer_moved] = b(t.pointerMoved)
  vec[I.sdk_time_to_submit_ms] = t.phase === 'submit' ? nn(t.timeToSubmitMs) : Number.NaN
  vec[I.sdk_webdriver] = b(t.webdriver)
  vec[I.sdk_automation_markers] = t.automationMarkers.length
  vec[I.sdk_incognito] = t.incognito === null ? Number.NaN : b(t.incognito)
  return vec
}
