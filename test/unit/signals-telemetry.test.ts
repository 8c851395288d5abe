// The collect schema in plain Node: property tests — arbitrary JSON never throws and only
// well-formed telemetry passes; the compact cookie form round-trips.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeTelemetry, parseTelemetry, type Telemetry } from '../../src/signals/telemetry'
import { compactTelemetry, CompactTelemetrySchema, expandTelemetry } from '../../src/signals/telemetrySummary'
import * as v from 'valibot'
import fixture from '../fixtures/tokens/telemetry-valid.json'

describe('parseTelemetry', () => {
  it('accepts the fixture', () => {
    expect(parseTelemetry(fixture).ok).toBe(true)
  })

  it('never throws on arbitrary JSON values and rejects them', () => {
    fc.assert(fc.property(fc.jsonValue(), (j) => {
      expect(parseTelemetry(j).ok).toBe(false)
    }), { numRuns: 500 })
  })

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      expect(decodeTelemetry(b).ok).toBe(false)
    }), { numRuns: 500 })
  })

  it('rejects any single numeric field replaced by an out-of-range or non-finite number', () => {
    const numeric = Object.entries(fixture).filter(([, x]) => typeof x === 'number').map(([k]) => k)
    fc.assert(fc.property(fc.constantFrom(...numeric), fc.constantFrom(-1, 1e12, Number.NaN, Number.POSITIVE_INFINITY), (k, bad) => {
      expect(parseTelemetry({ ...fixture, [k]: bad }).ok).toBe(false)
    }))
  })

  it('takes the page view\'s SDK nonce as an optional compact-JWS-shaped string, and nothing else in its place', () => {
    expect(parseTelemetry({ ...fixture, nonce: 'eyJh.eyJ2.c2ln-_' }).ok).toBe(true)
    for (const bad of ['<script>', 'a b', 'x'.repeat(1025), 7, null]) expect(parseTelemetry({ ...fixture, nonce: bad }).ok).toBe(false)
  })

  it('round-trips through the compact cookie form within the claim schema', () => {
    const t = parseTelemetry(fixture)
    if (!t.ok) throw new Error('fixture')
    const compact = compactTelemetry(t.value as Telemetry)
    expect(v.safeParse(CompactTelemetrySchema, compact).success).toBe(true)
    expect(expandTelemetry(compact)).toMatchObject({ keyCount: 29, timezone: 'Europe/Berlin', automationMarkers: [] })
    expect(JSON.stringify(compact).length).toBeLessThan(250)
  })
})
