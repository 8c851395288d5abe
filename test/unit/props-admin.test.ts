// Property tests of the admin API body parsers in plain Node: parseLabels, parseDenyAdd and
// parseDenyRemove on random text and values and on near-valid bodies. Never a throw; every refusal
// is a known problem with a detail; whatever is accepted is within the documented bounds.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseIp } from '../../src/config/cidr'
import { LABELS, MAX_LABELS_PER_POST, MAX_NOTE_CHARS, parseDenyAdd, parseDenyRemove, parseLabels, type InputProblem, type LabelInput } from '../../src/counters/adminInput'
import { DENY_KINDS, MAX_REASON_CHARS, MAX_TTL_S, MIN_TTL_S, type DenyTarget } from '../../src/counters/deny'
import type { Result } from '../../src/util/result'

const NOW = Date.UTC(2026, 10, 21, 12)
const PROBLEMS: readonly InputProblem[] = ['bad_json', 'bad_body', 'too_many', 'empty']
const ID = /^[A-Za-z0-9._:~+/=-]{1,128}$/

function expectRefusalExplained(r: Result<unknown, InputProblem>): void {
  if (r.ok) return
  expect(PROBLEMS).toContain(r.reason)
  expect(typeof r.detail).toBe('string')
  expect(r.detail?.trim()).not.toBe('')
}

/** An id that is valid, or one a character or a length away from it. */
const id = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._:~+/=-]{1,128}$/),
  fc.constantFrom('', ' ', 'a b', 'x'.repeat(129), 'é', 'a\nb', '<script>', '../x'),
  fc.string({ maxLength: 20 }),
)
const label = fc.oneof(fc.constantFrom(...LABELS), fc.constantFrom('Fraud', 'good', '', 'fraud ', 'legit'), fc.string({ maxLength: 10 }))
const note = fc.oneof(fc.string({ maxLength: 40 }), fc.integer({ min: MAX_NOTE_CHARS - 2, max: MAX_NOTE_CHARS + 2 }).map((n) => 'n'.repeat(n)))
/** Label-shaped objects: any subset of the fields, near-valid values, now and then a stray field or a non-string. */
const labelish = fc.record(
  { ref: id, device: id, user: id, label, note, extra: fc.jsonValue(), badType: fc.constantFrom(1, null, true, [], {}) },
  { requiredKeys: [] },
).map(({ badType, ...o }) => (badType !== undefined && o.ref !== undefined ? { ...o, ref: badType } : o))
/** Bodies of MAX_LABELS_PER_POST - 1, MAX_LABELS_PER_POST and one more labels (made once: they are big). */
const AT_THE_CAP = [-1, 0, 1].map((d) => JSON.stringify(Array.from({ length: MAX_LABELS_PER_POST + d }, (_, i) => ({ ref: `r${i}`, label: 'fraud' }))))
const labelBody = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 5 },
  { arbitrary: fc.json(), weight: 5 },
  { arbitrary: fc.array(fc.oneof(labelish, fc.jsonValue()), { maxLength: 8 }).map((xs) => JSON.stringify(xs)), weight: 5 },
  { arbitrary: fc.array(labelish, { maxLength: 8 }).map((xs) => xs.map((x) => JSON.stringify(x)).join('\n')), weight: 5 },
  { arbitrary: fc.array(fc.oneof(labelish.map((x) => JSON.stringify(x)), fc.constantFrom('', '   ', '{', 'null', '[]', '\r')), { maxLength: 8 }).map((ls) => ls.join('\n')), weight: 5 },
  { arbitrary: fc.constantFrom(...AT_THE_CAP), weight: 1 },
)

/** A known label, at least one id, ids id-shaped, a note within its cap, no other field. */
function labelWithinBounds(l: LabelInput): boolean {
  const ids = [l.ref, l.device, l.user].filter((v) => v !== undefined)
  return (
    LABELS.includes(l.label) &&
    ids.length > 0 &&
    ids.every((v) => ID.test(v)) &&
    (l.note === undefined || l.note.length <= MAX_NOTE_CHARS) &&
    Object.keys(l).every((k) => ['ref', 'device', 'user', 'label', 'note'].includes(k))
  )
}

describe('parseLabels', () => {
  it('never throws, explains every refusal, and accepts only labels within bounds', () => {
    fc.assert(
      fc.property(labelBody, (text) => {
        const r = parseLabels(text)
        expectRefusalExplained(r)
        if (!r.ok) return
        expect(r.value.length).toBeGreaterThanOrEqual(1)
        expect(r.value.length).toBeLessThanOrEqual(MAX_LABELS_PER_POST)
        expect(r.value.filter((l) => !labelWithinBounds(l))).toEqual([])
      }),
      { numRuns: 2000 },
    )
  }, 30_000)

  it('reads the same valid labels from a JSON array and from NDJSON', () => {
    const valid = fc.record(
      { ref: fc.stringMatching(ID), device: fc.stringMatching(ID), user: fc.stringMatching(ID), label: fc.constantFrom(...LABELS), note: fc.string({ maxLength: MAX_NOTE_CHARS }) },
      { requiredKeys: ['label'] },
    ).filter((l) => l.ref !== undefined || l.device !== undefined || l.user !== undefined)
    fc.assert(
      fc.property(fc.array(valid, { minLength: 1, maxLength: 20 }), (labels) => {
        const fromArray = parseLabels(JSON.stringify(labels))
        expect(fromArray).toEqual({ ok: true, value: labels })
        expect(parseLabels(labels.map((l) => JSON.stringify(l)).join('\n'))).toEqual(fromArray)
      }),
      { numRuns: 300 },
    )
  })
})

const ipText = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.constantFrom('', '1.2.3', '256.0.0.1', '::ffff:10.0.0.1', ' 10.0.0.1 ', 'fe80::1%eth0', 'localhost'), fc.string({ maxLength: 20 }))
const denyValue = fc.oneof(
  ipText,
  id,
  fc.record({ user: id, ip: ipText }),
  fc.record({ user: id, ip: ipText, extra: fc.string() }),
  fc.record({ user: fc.jsonValue(), ip: fc.jsonValue() }, { requiredKeys: [] }),
  fc.jsonValue(),
)
const denyKind = fc.oneof(fc.constantFrom(...DENY_KINDS), fc.constantFrom('IP', 'user', '', 'device '), fc.jsonValue())
const ttl = fc.oneof(
  fc.integer({ min: MIN_TTL_S - 2, max: MIN_TTL_S + 2 }),
  fc.integer({ min: MAX_TTL_S - 2, max: MAX_TTL_S + 2 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1.5, '60', null),
)
const reason = fc.oneof(fc.string({ maxLength: 30 }), fc.integer({ min: MAX_REASON_CHARS - 1, max: MAX_REASON_CHARS + 1 }).map((n) => 'r'.repeat(n)), fc.jsonValue())
const denyBody = fc.oneof(
  fc.anything(),
  fc.record({ kind: denyKind, value: denyValue, ttl_s: ttl, reason, extra: fc.jsonValue() }, { requiredKeys: [] }),
  fc.record({ kind: denyKind, value: denyValue, ttl_s: ttl, reason }, { requiredKeys: ['kind', 'value', 'ttl_s'] }),
)

/** An accepted target: a known kind, an id-shaped device or user, an IP in canonical form. */
function expectTargetWithinBounds(t: DenyTarget): void {
  expect(DENY_KINDS).toContain(t.kind)
  if (t.kind === 'device') expect(t.device).toMatch(ID)
  if (t.kind === 'user_ip') expect(t.user).toMatch(ID)
  if (t.kind !== 'device') expect(parseIp(t.ip)?.toString()).toBe(t.ip)
}

/** Bodies the API documents as valid, one per kind. */
const wellFormedTarget = fc.oneof(
  fc.record({ kind: fc.constant('ip' as const), value: fc.oneof(fc.ipV4(), fc.ipV6()) }),
  fc.record({ kind: fc.constant('device' as const), value: fc.stringMatching(ID) }),
  fc.record({ kind: fc.constant('user_ip' as const), value: fc.record({ user: fc.stringMatching(ID), ip: fc.oneof(fc.ipV4(), fc.ipV6()) }) }),
)

/**
 * One field changed in a well-formed body: a TTL at, inside or just past each bound (or anything),
 * a reason at or past its cap (or anything), a stray key, a key dropped, another kind or value.
 */
type Change = { readonly set: Record<string, unknown> } | { readonly drop: string }
const ttlNearBounds = fc.oneof(fc.constantFrom(MIN_TTL_S - 1, MIN_TTL_S, MAX_TTL_S, MAX_TTL_S + 1), fc.integer({ min: MIN_TTL_S, max: MAX_TTL_S }), ttl)
const reasonNearCap = fc.oneof(fc.constantFrom(MAX_REASON_CHARS, MAX_REASON_CHARS + 1).map((n) => 'r'.repeat(n)), reason)
const change: fc.Arbitrary<Change> = fc.oneof(
  ttlNearBounds.map((t) => ({ set: { ttl_s: t } })),
  reasonNearCap.map((r) => ({ set: { reason: r } })),
  fc.jsonValue().map((x) => ({ set: { extra: x } })),
  fc.constantFrom('kind', 'value', 'ttl_s', 'reason').map((k) => ({ drop: k })),
  fc.constantFrom(...DENY_KINDS).map((k) => ({ set: { kind: k } })),
  denyValue.map((v) => ({ set: { value: v } })),
)
const applyChange = (body: Record<string, unknown>, c: Change): Record<string, unknown> => {
  if ('set' in c) return { ...body, ...c.set }
  const { [c.drop]: _dropped, ...rest } = body
  return rest
}
const isTtl = (t: unknown): t is number => typeof t === 'number' && Number.isInteger(t) && t >= MIN_TTL_S && t <= MAX_TTL_S
const isReason = (r: unknown): r is string => typeof r === 'string' && r.length <= MAX_REASON_CHARS

/** Whether a well-formed add body with change `c` must be accepted; null when it depends on the new kind or value. */
function addAccepts(c: Change | undefined): boolean | null {
  if (c === undefined) return true
  if ('drop' in c) return c.drop === 'reason' // reason is optional; kind, value and ttl_s are not
  if ('ttl_s' in c.set) return isTtl(c.set.ttl_s)
  if ('reason' in c.set) return isReason(c.set.reason)
  if ('extra' in c.set) return false
  return null
}

/** The same for a remove body, which may hold only kind and value. */
function removeAccepts(c: Change | undefined): boolean | null {
  if (c === undefined) return true
  if ('drop' in c) return c.drop !== 'kind' && c.drop !== 'value'
  if ('ttl_s' in c.set || 'reason' in c.set || 'extra' in c.set) return false
  return null
}

/** A well-formed add body with at most one change, and whether it must be accepted. */
const nearValidAdd = fc
  .tuple(wellFormedTarget, fc.integer({ min: MIN_TTL_S, max: MAX_TTL_S }), fc.option(fc.string({ maxLength: MAX_REASON_CHARS }), { nil: undefined }), fc.option(change, { nil: undefined }))
  .map(([t, ttlS, why, c]) => {
    const base = { ...t, ttl_s: ttlS, ...(why === undefined ? {} : { reason: why }) }
    return { body: c === undefined ? base : applyChange(base, c), accepted: addAccepts(c) }
  })

/** A well-formed remove body with at most one change, and whether it must be accepted. */
const nearValidRemove = fc
  .tuple(wellFormedTarget, fc.option(change, { nil: undefined }))
  .map(([t, c]) => ({ body: c === undefined ? { ...t } : applyChange({ ...t }, c), accepted: removeAccepts(c) }))

describe('parseDenyAdd', () => {
  it('never throws, explains every refusal, and accepts only entries within bounds', () => {
    fc.assert(
      fc.property(fc.oneof(denyBody, nearValidAdd.map((n) => n.body)), (body) => {
        const r = parseDenyAdd(body, NOW)
        expectRefusalExplained(r)
        if (!r.ok) return
        expectTargetWithinBounds(r.value.target)
        expect(r.value.createdAt).toBe(NOW)
        const ttlS = (r.value.expiresAt - NOW) / 1000
        expect(Number.isInteger(ttlS)).toBe(true)
        expect(ttlS).toBeGreaterThanOrEqual(MIN_TTL_S)
        expect(ttlS).toBeLessThanOrEqual(MAX_TTL_S)
        expect(typeof r.value.reason).toBe('string')
        expect(r.value.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS)
      }),
      { numRuns: 3000 },
    )
  })

  it('accepts a body with one changed field exactly when that field is within its bounds', () => {
    fc.assert(
      fc.property(nearValidAdd, ({ body, accepted }) => {
        const r = parseDenyAdd(body, NOW)
        expectRefusalExplained(r)
        if (accepted !== null) expect(r.ok).toBe(accepted)
        if (!r.ok) return
        expectTargetWithinBounds(r.value.target)
        expect(r.value.target.kind).toBe(body.kind)
        expect(r.value.expiresAt).toBe(NOW + (body.ttl_s as number) * 1000)
        expect(r.value.reason).toBe(body.reason ?? 'admin')
      }),
      { numRuns: 3000 },
    )
  })

  it('accepts every well-formed body, expiring exactly ttl_s after now', () => {
    fc.assert(
      fc.property(wellFormedTarget, fc.integer({ min: MIN_TTL_S, max: MAX_TTL_S }), fc.option(fc.string({ maxLength: MAX_REASON_CHARS }), { nil: undefined }), (t, ttlS, why) => {
        const r = parseDenyAdd({ ...t, ttl_s: ttlS, ...(why === undefined ? {} : { reason: why }) }, NOW)
        expect(r.ok).toBe(true)
        if (!r.ok) return
        expectTargetWithinBounds(r.value.target)
        expect(r.value.target.kind).toBe(t.kind)
        expect(r.value.expiresAt).toBe(NOW + ttlS * 1000)
        expect(r.value.reason).toBe(why ?? 'admin')
      }),
      { numRuns: 1000 },
    )
  })
})

describe('parseDenyRemove', () => {
  it('never throws, explains every refusal, and accepts only targets within bounds', () => {
    fc.assert(
      fc.property(fc.oneof(denyBody, nearValidRemove.map((n) => n.body)), (body) => {
        const r = parseDenyRemove(body)
        expectRefusalExplained(r)
        if (r.ok) expectTargetWithinBounds(r.value)
      }),
      { numRuns: 3000 },
    )
  })

  it('accepts a target with one change exactly when it is still just a kind and a valid value', () => {
    fc.assert(
      fc.property(nearValidRemove, ({ body, accepted }) => {
        const r = parseDenyRemove(body)
        expectRefusalExplained(r)
        if (accepted !== null) expect(r.ok).toBe(accepted)
        if (!r.ok) return
        expectTargetWithinBounds(r.value)
        expect(r.value.kind).toBe(body.kind)
      }),
      { numRuns: 3000 },
    )
  })

  it('accepts every well-formed target', () => {
    fc.assert(
      fc.property(wellFormedTarget, (t) => {
        const r = parseDenyRemove(t)
        expect(r.ok && r.value.kind).toBe(t.kind)
        if (r.ok) expectTargetWithinBounds(r.value)
      }),
      { numRuns: 1000 },
    )
  })
})
