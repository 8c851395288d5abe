// Telemetry summary: the compact form of SDK telemetry carried in the device cookie.
// Takes validated Telemetry (or a decoded claim), returns the compact claim or the summary; no I/O.
import * as v from 'valibot'
import { AUTOMATION_MARKERS, TELEMETRY_PHASES, type AutomationMarker, type Telemetry, type TelemetryPhase } from './telemetry'

/** What the pipeline reads from a valid cookie. */
export interface TelemetrySummary {
  readonly phase: TelemetryPhase
  readonly keyCount: number
  readonly keyIntervalMeanMs: number | null
  readonly keyIntervalSdMs: number | null
  readonly pasteCredential: boolean
  readonly autofill: boolean
  readonly focusChanges: number
  readonly visibilityChanges: number
  readonly pointerMoved: boolean
  readonly timeToSubmitMs: number | null
  readonly webdriver: boolean
  readonly automationMarkers: readonly AutomationMarker[]
  readonly incognito: boolean | null
  readonly timezone: string | null
}

const int = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(max))
const num = (max: number) => v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(max))

/** The `t` claim: short keys, same bounds as the collect schema. */
export const CompactTelemetrySchema = v.strictObject({
  p: v.picklist(TELEMETRY_PHASES),
  k: int(100_000),
  m: v.nullable(num(600_000)),
  s: v.nullable(num(600_000)),
  ps: v.boolean(),
  af: v.boolean(),
  f: int(100_000),
  vc: int(100_000),
  pm: v.boolean(),
  ts: v.nullable(num(86_400_000)),
  wd: v.boolean(),
  am: v.pipe(v.array(v.picklist(AUTOMATION_MARKERS)), v.maxLength(AUTOMATION_MARKERS.length)),
  ic: v.nullable(v.boolean()),
  tz: v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.regex(/^[A-Za-z0-9_+\-/:.]*$/))),
})
export type CompactTelemetry = v.InferOutput<typeof CompactTelemetrySchema>

const round1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10)

export function compactTelemetry(t: Telemetry): CompactTelemetry {
  return {
    p: t.phase,
    k: t.keyCount,
    m: round1(t.keyIntervalMeanMs),
    s: round1(t.keyIntervalSdMs),
    ps: t.pasteCredential,
    af: t.autofill,
    f: t.focusChanges,
    vc: t.visibilityChanges,
    pm: t.pointerMoved,
    ts: t.timeToSubmitMs === null ? null : Math.round(t.timeToSubmitMs),
    wd: t.webdriver,
    am: [...new Set(t.automationMarkers)],
    ic: t.incognito,
    tz: t.timezone,
  }
}

export function expandTelemetry(c: CompactTelemetry): TelemetrySummary {
  return {
    phase: c.p,
    keyCount: c.k,
    keyIntervalMeanMs: c.m,
    keyIntervalSdMs: c.s,
    pasteCredential: c.ps,
    autofill: c.af,
    focusChanges: c.f,
    visibilityChanges: c.vc,
    pointerMoved: c.pm,
    timeToSubmitMs: c.ts,
    webdriver: c.wd,
    automationMarkers: c.am,
    incognito: c.ic,
    timezone: c.tz,
  }
}
