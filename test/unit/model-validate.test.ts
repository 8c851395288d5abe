import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FEATURE_NAMES, FEATURE_VERSION } from '../../src/features/list'
import { MODEL_PROBLEMS } from '../../src/model/format'
import { parseModel } from '../../src/model/parse'
import { validateModelFile } from '../../src/model/validate'

const dir = join(import.meta.dirname, '../fixtures/model')
const TEST_FEATURES = { features: ['f0', 'f1', 'f2', 'f3'], featureVersion: 'test-1' }
const bad = readdirSync(join(dir, 'bad'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, f.split('--')[0]!, readFileSync(join(dir, 'bad', f), 'utf8')] as const)
const defaultText = readFileSync(join(import.meta.dirname, '../../models/default/model.json'), 'utf8')

describe('model file validation', () => {
  it('accepts the hand-written tiny model', () => {
    const r = parseModel(readFileSync(join(dir, 'good/tiny.json'), 'utf8'), TEST_FEATURES)
    expect(r.ok ? r.value.version : r.detail).toBe('tiny-1')
  })

  it.each(bad)('refuses bad/%s whole, with reason %s and a detail', (_file, reason, text) => {
    const r = parseModel(text, TEST_FEATURES)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.reason).toBe(reason)
    expect(r.detail?.length).toBeGreaterThan(0)
  })

  it('names every bad fixture after a known problem code', () => {
    expect(bad.length).toBeGreaterThan(30)
    for (const [file, reason] of bad) expect(MODEL_PROBLEMS, file).toContain(reason)
  })

  it('accepts the shipped default model against the code feature list', () => {
    const r = parseModel(defaultText, { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION })
    expect(r.ok ? 'ok' : `${r.reason}: ${r.detail}`).toBe('ok')
  })

  it('refuses the default model when the code has one more feature', () => {
    const r = parseModel(defaultText, { features: [...FEATURE_NAMES, 'new_feature'], featureVersion: FEATURE_VERSION })
    expect(r.ok ? 'ok' : r.reason).toBe('feature_mismatch')
  })

  it('refuses the default model when the code bumped the feature version', () => {
    const r = parseModel(defaultText, { features: FEATURE_NAMES, featureVersion: `${FEATURE_VERSION}-next` })
    expect(r.ok ? 'ok' : r.detail).toMatch(/features\.version/)
  })

  it('refuses the default model when two code features swapped places, naming the first', () => {
    const swapped = [...FEATURE_NAMES]
    ;[swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!]
    const r = parseModel(defaultText, { features: swapped, featureVersion: FEATURE_VERSION })
    expect(r.ok ? 'ok' : r.detail).toMatch(/^features\.names\[3\]/)
  })

  it('refuses text longer than the configured limit before parsing it', () => {
    const r = parseModel(defaultText, { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION, maxChars: 1000 })
    expect(r.ok ? 'ok' : r.reason).toBe('too_large')
  })

  it('refuses more features than its 16-bit split slots can address', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `f${i}`)
    const tiny = JSON.parse(readFileSync(join(dir, 'good/tiny.json'), 'utf8')) as { features: { names: string[] } }
    tiny.features.names = names
    const r = parseModel(tiny, { features: names, featureVersion: 'test-1' })
    expect(r.ok ? 'ok' : r.reason).toBe('too_large')
  })

  it('does not modify the object it validates', () => {
    const json = JSON.parse(defaultText) as unknown
    const before = JSON.stringify(json)
    validateModelFile(json, { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION })
    expect(JSON.stringify(json)).toBe(before)
  })
})
