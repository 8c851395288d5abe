// Telemetry: the valibot schema for one POST /__edgeward/collect body from the browser SDK.
// Takes untrusted JSON, returns a Result with typed telemetry; never throws, never coerces.
import * as v from 'valibot'
import { err, ok, type Result } from '../util/result'

/** Largest collect body accepted, enforced while reading the stream. */
export const TELEMETRY_MAX_BYTES = 16 * 1024

/** Automation / headless markers the SDK may report (codes, never free text). */
export const AUTOMATION_MARKERS = [
  'headless_ua', 'no_chrome_object', 'no_plugins', 'no_languages', 'phantom', 'nightmare',
  'selenium', 'playwright', 'puppeteer', 'webdriver_attr', 'zero_screen', 'synthetic_events',
] as const
export type AutomationMarker = (typeof AUTOMATION_MARKERS)[number]

export const TELEMETRY_PHASES = ['load', 'submit'] as const
export type TelemetryPhase = (typeof TELEMETRY_PHASES)[number]

const DAY_MS = 86_400_000
const MAX_COUNT = 100_000
const MAX_INTERVAL_MS = 600_000

const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_COUNT))
const ms = (max: number) => v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(max))
const shortCode = (max: number) => v.pipe(v.string(), v.maxLength(max), v.regex(/^[A-Za-z0-9_+\-/:.]*$/))

const screenSchema = v.strictObject({
  width: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000)),
  height: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000)),
  colorDepth: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(64)),
  pixelRatio: v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(16)),
})

export const TelemetrySchema = v.strictObject({
  v: v.literal(1),
  phase: v.picklist(TELEMETRY_PHASES),
  credentialFields: v.boolean(),
  keyCount: count,
  keyIntervalMeanMs: v.nullable(ms(MAX_INTERVAL_MS)),
  keyIntervalSdMs: v.nullable(ms(MAX_INTERVAL_MS)),
  pasteCredential: v.boolean(),
  autofill: v.boolean(),
  focusChanges: count,
  visibilityChanges: count,
  pointerMoved: v.boolean(),
  timeOnPageMs: ms(DAY_MS),
  timeToSubmitMs: v.nullable(ms(DAY_MS)),
  webdriver: v.boolean(),
  automationMarkers: v.pipe(v.array(v.picklist(AUTOMATION_MARKERS)), v.maxLength(AUTOMATION_MARKERS.length)),
  incognito: v.nullable(v.boolean()),
  timezone: v.nullable(v.pipe(shortCode(64), v.minLength(1))),
  languages: v.pipe(v.array(v.pipe(shortCode(35), v.minLength(1))), v.maxLength(16)),
  screen: v.nullable(screenSchema),
  hardwareConcurrency: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1024))),
  /** The page view's signed SDK nonce (src/signals/sdkNonce.ts), as injected; absent when the page had none. */
  nonce: v.optional(v.pipe(v.string(), v.maxLength(1024), v.regex(/^[A-Za-z0-9_.-]*$/))),
})

export type Telemetry = v.InferOutput<typeof TelemetrySchema>

export const TELEMETRY_PROBLEMS = ['not_json', 'bad_telemetry', 'inconsistent'] as const
export type TelemetryProblem = (typeof TELEMETRY_PROBLEMS)[number]

/** Cross-field sanity: statistics need enough keys; submit timing only on submit. */
function consistent(t: Telemetry): boolean {
  if (t.keyIntervalMeanMs !== null && t.keyCount < 2) return false
  if (t.keyIntervalSdMs !== null && t.keyCount < 3) return false
  if (t.timeToSubmitMs !== null && t.phase !== 'submit') return false
  return true
}

/** Validates an already-parsed JSON value. */
export function parseTelemetry(input: unknown): Result<Telemetry, TelemetryProblem> {
  const parsed = v.safeParse(TelemetrySchema, input)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const path = issue?.path?.map((p) => String(p.key)).join('.') ?? ''
    return err('bad_telemetry', `${path}: ${issue?.message ?? 'invalid'}`.slice(0, 200))
  }
  return consistent(parsed.output) ? ok(parsed.output) : err('inconsistent')
}

/** Decodes UTF-8 bytes (fatal on bad encoding), parses JSON and validates it. */
export function decodeTelemetry(bytes: Uint8Array): Result<Telemetry, TelemetryProblem> {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes))
  } catch {
    return err('not_json')
  }
  return parseTelemetry(value)
}
