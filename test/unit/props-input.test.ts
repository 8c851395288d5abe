// Property tests of the untrusted-body parsers in plain Node: login bodies (extractUsername) and
// SDK telemetry (decodeTelemetry). Random and mutated input in; no throw, and every rejection says why.
import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { extractUsername } from '../../src/signals/credentials'
import { AUTOMATION_MARKERS, decodeTelemetry, parseTelemetry, TELEMETRY_PHASES, TELEMETRY_PROBLEMS, type Telemetry } from '../../src/signals/telemetry'
import { compactTelemetry, CompactTelemetrySchema } from '../../src/signals/telemetrySummary'

const FIELDS = ['username', 'email', 'user', 'login'] as const
const encoder = new TextEncoder()
const text = fc.string({ unit: 'binary', maxLength: 300 })
const contentType = fc.oneof(
  fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'APPLICATION/JSON; charset=utf-8', 'application/vnd.api+json', 'multipart/form-data; boundary=x', 'text/plain', '', ';;;', 'application/x-www-form-urlencoded;'),
  fc.string({ maxLength: 60 }),
)
const form = (pairs: ReadonlyArray<readonly [string, string]>): Uint8Array => encoder.encode(new URLSearchParams(pairs.map(([k, val]) => [k, val])).toString())
const json = (o: unknown): Uint8Array => encoder.encode(JSON.stringify(o))

describe('extractUsername', () => {
  it('never throws on arbitrary bytes and content types, and returns null or a capped non-blank value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), text.map((t) => encoder.encode(t))), fc.option(contentType, { nil: null }), (body, type) => {
        const out = extractUsername(body, type, FIELDS)
        if (out !== null) {
          expect(out.trim()).not.toBe('')
          expect(out.length).toBeLessThanOrEqual(256)
        }
      }),
      { numRuns: 3000 },
    )
  })

  it.each([
    ['form', 'application/x-www-form-urlencoded', (u: string, p: string) => form([['password', p], ['username', u]])],
    ['JSON', 'application/json', (u: string, p: string) => json({ password: p, username: u })],
  ] as const)('returns the username of a %s body, never the password', (_kind, type, make) => {
    fc.assert(
      fc.property(text, text, (username, password) => {
        const out = extractUsername(make(username, password), type, FIELDS)
        if (username.trim() === '') expect(out).toBeNull()
        else expect(out).toBe(username.slice(0, 256))
      }),
      { numRuns: 1000 },
    )
  })

  it('never returns the value of a field it was not told to read', () => {
    const otherField = fc.stringMatching(/^[a-z_]{1,12}$/).filter((f) => !(FIELDS as readonly string[]).includes(f))
    fc.assert(
      fc.property(fc.array(fc.tuple(otherField, text), { maxLength: 6 }), fc.boolean(), (pairs, asJson) => {
        const body = asJson ? json(Object.fromEntries(pairs)) : form(pairs)
        expect(extractUsername(body, asJson ? 'application/json' : 'application/x-www-form-urlencoded', FIELDS)).toBeNull()
      }),
      { numRuns: 1000 },
    )
  })

  it('finds the username in a truncated body prefix without throwing (the peek is capped)', () => {
    fc.assert(
      fc.property(text, text, fc.nat({ max: 700 }), fc.boolean(), (username, password, cut, asJson) => {
        const full = asJson ? json({ username, password }) : form([['username', username], ['password', password]])
        const out = extractUsername(full.subarray(0, cut), asJson ? 'application/json' : 'application/x-www-form-urlencoded', FIELDS)
        expect(out === null || out.length <= 256).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })
})

/** Telemetry the SDK could send: every field in range, cross-field rules respected. */
const validTelemetry: fc.Arbitrary<Telemetry> = fc
  .record({
    phase: fc.constantFrom(...TELEMETRY_PHASES),
    credentialFields: fc.boolean(),
    keyCount: fc.integer({ min: 0, max: 100_000 }),
    keyIntervalMeanMs: fc.option(fc.double({ min: 0, max: 600_000, noNaN: true }), { nil: null }),
    keyIntervalSdMs: fc.option(fc.double({ min: 0, max: 600_000, noNaN: true }), { nil: null }),
    pasteCredential: fc.boolean(),
    autofill: fc.boolean(),
    focusChanges: fc.integer({ min: 0, max: 100_000 }),
    visibilityChanges: fc.integer({ min: 0, max: 100_000 }),
    pointerMoved: fc.boolean(),
    timeOnPageMs: fc.double({ min: 0, max: 86_400_000, noNaN: true }),
    timeToSubmitMs: fc.option(fc.double({ min: 0, max: 86_400_000, noNaN: true }), { nil: null }),
    webdriver: fc.boolean(),
    automationMarkers: fc.uniqueArray(fc.constantFrom(...AUTOMATION_MARKERS), { maxLength: AUTOMATION_MARKERS.length }),
    incognito: fc.option(fc.boolean(), { nil: null }),
    timezone: fc.option(fc.stringMatching(/^[A-Za-z0-9_+\-/:.]{1,64}$/), { nil: null }),
    languages: fc.array(fc.stringMatching(/^[A-Za-z0-9-]{1,35}$/), { maxLength: 16 }),
    screen: fc.option(
      fc.record({
        width: fc.integer({ min: 0, max: 100_000 }),
        height: fc.integer({ min: 0, max: 100_000 }),
        colorDepth: fc.integer({ min: 0, max: 64 }),
        pixelRatio: fc.double({ min: 0, max: 16, noNaN: true }),
      }),
      { nil: null },
    ),
    hardwareConcurrency: fc.option(fc.integer({ min: 0, max: 1024 }), { nil: null }),
  })
  .map((t) => ({
    v: 1 as const,
    ...t,
    keyCount: t.keyIntervalSdMs !== null ? Math.max(3, t.keyCount) : t.keyIntervalMeanMs !== null ? Math.max(2, t.keyCount) : t.keyCount,
    timeToSubmitMs: t.phase === 'submit' ? t.timeToSubmitMs : null,
  }))

const TELEMETRY_KEYS = ['v', 'phase', 'credentialFields', 'keyCount', 'keyIntervalMeanMs', 'keyIntervalSdMs', 'pasteCredential', 'autofill', 'focusChanges', 'visibilityChanges', 'pointerMoved', 'timeOnPageMs', 'timeToSubmitMs', 'webdriver', 'automationMarkers', 'incognito', 'timezone', 'languages', 'screen', 'hardwareConcurrency']
type Change = (t: Record<string, unknown>) => Record<string, unknown>

/** One structural change that makes telemetry invalid. */
const breakage: fc.Arbitrary<Change> = fc.oneof(
  fc.constantFrom(...TELEMETRY_KEYS).map((k): Change => (t) => Object.fromEntries(Object.entries(t).filter(([key]) => key !== k))),
  fc.stringMatching(/^[a-zA-Z_]{1,12}$/).filter((k) => !TELEMETRY_KEYS.includes(k)).map((k): Change => (t) => ({ ...t, [k]: 1 })),
  fc.tuple(fc.constantFrom('keyCount', 'focusChanges', 'visibilityChanges', 'timeOnPageMs', 'hardwareConcurrency'), fc.constantFrom(-1, 1e13, Number.NaN, Number.POSITIVE_INFINITY, '1', [], {}, true)).map(([k, bad]): Change => (t) => ({ ...t, [k]: bad })),
  fc.constantFrom('webdriver', 'autofill', 'pointerMoved', 'credentialFields').map((k): Change => (t) => ({ ...t, [k]: 'true' })),
  fc.constantFrom<Change>(
    (t) => ({ ...t, automationMarkers: ['free text'] }),
    (t) => ({ ...t, timezone: '<script>' }),
    (t) => ({ ...t, timezone: '' }),
    (t) => ({ ...t, languages: ['x'.repeat(36)] }),
    (t) => ({ ...t, screen: { width: 1, height: 1, colorDepth: 1, pixelRatio: 1, extra: 1 } }),
    (t) => ({ ...t, phase: 'load', timeToSubmitMs: 10 }),
    (t) => ({ ...t, keyCount: 1, keyIntervalMeanMs: 100 }),
    (t) => ({ ...t, v: 2 }),
  ),
)

describe('telemetry', () => {
  it('accepts everything the SDK may send, and its compact cookie form stays inside the claim schema', () => {
    fc.assert(
      fc.property(validTelemetry, (t) => {
        const parsed = decodeTelemetry(json(t))
        expect(parsed.ok ? 'ok' : `${parsed.reason} ${parsed.detail ?? ''}`).toBe('ok')
        if (parsed.ok) expect(v.safeParse(CompactTelemetrySchema, compactTelemetry(parsed.value)).success).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  it('rejects every structural change with a tagged reason, and never throws', () => {
    fc.assert(
      fc.property(validTelemetry, breakage, (t, change) => {
        const r = parseTelemetry(change(t as unknown as Record<string, unknown>))
        expect(r.ok).toBe(false)
        if (!r.ok) expect(TELEMETRY_PROBLEMS).toContain(r.reason)
      }),
      { numRuns: 2000 },
    )
  })

  it('gives a reason for every byte string it refuses, truncated and corrupted telemetry included', () => {
    const corrupted = fc.tuple(validTelemetry, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([t, at, byte, cut]) => {
      const b = json(t)
      const i = at % b.byteLength
      return cut ? b.subarray(0, i) : Uint8Array.from([...b.subarray(0, i), byte, ...b.subarray(i + 1)])
    })
    fc.assert(
      fc.property(fc.oneof(corrupted, fc.uint8Array({ maxLength: 400 })), (bytes) => {
        const r = decodeTelemetry(bytes)
        if (!r.ok) expect(TELEMETRY_PROBLEMS).toContain(r.reason)
      }),
      { numRuns: 2000 },
    )
  })
})
