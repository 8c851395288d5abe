// Telemetry fingerprint: takes one validated collect body, returns a short hash of its coarse
// shape (key-timing buckets, time-to-submit bucket, behaviour counts, screen, hardware), or null
// when the body is too plain to tell people apart. Pure (hashing only); no clock, no I/O.
//
// Why: a bot that replays telemetry recorded once in a real browser sends the same numbers from
// every device it mints. Counting distinct devices per fingerprint (worker/routes/collect.ts)
// turns "looks perfectly human" into "looks like the same human from N devices".
import { shortHash } from './binding'
import type { Telemetry } from './telemetry'

/** Bucket widths: wide enough that a replay with small noise stays in one bucket. */
export const KEY_MEAN_BUCKET_MS = 10
export const KEY_SD_BUCKET_MS = 10
export const TIME_TO_SUBMIT_BUCKET_MS = 250
/** Fewer printable keys than this carry too little rhythm to fingerprint. */
export const MIN_KEYS = 4

const bucket = (x: number | null, width: number): number | null => (x === null ? null : Math.floor(x / width))

/**
 * The fields that make up the fingerprint, or null when the telemetry is not a credential submit
 * with typed keys (a load report or an autofilled form looks the same for whole offices).
 * Timezone and languages are left out on purpose: they are what a replaying bot edits to match
 * each address's country, and leaving them out keeps its copies on one fingerprint.
 */
export function fingerprintFields(t: Telemetry): readonly (string | number | boolean | null)[] | null {
  if (t.phase !== 'submit' || t.timeToSubmitMs === null || t.keyCount < MIN_KEYS) return null
  const s = t.screen
  return [
    'tf1',
    t.keyCount,
    bucket(t.keyIntervalMeanMs, KEY_MEAN_BUCKET_MS),
    bucket(t.keyIntervalSdMs, KEY_SD_BUCKET_MS),
    bucket(t.timeToSubmitMs, TIME_TO_SUBMIT_BUCKET_MS),
    t.pasteCredential,
    t.autofill,
    t.pointerMoved,
    t.focusChanges,
    t.visibilityChanges,
    s === null ? null : `${s.width}x${s.height}x${s.colorDepth}@${Math.round(s.pixelRatio * 100)}`,
    t.hardwareConcurrency,
  ]
}

/** 96-bit hash (16 base64url characters) of the fingerprint fields, or null. */
export async function telemetryFingerprint(t: Telemetry): Promise<string | null> {
  const fields = fingerprintFields(t)
  return fields === null ? null : shortHash('edgeward-telemetry', JSON.stringify(fields))
}
