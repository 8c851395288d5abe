// Admin API bodies: deny-list add/remove and fraud labels (JSON array or NDJSON).
// Takes untrusted text/values; returns Results with a path-qualified problem; never throws.
import * as v from 'valibot'
import { err, ok, type Result } from '../util/result'
import { DENY_KINDS, MAX_REASON_CHARS, MAX_TTL_S, MIN_TTL_S, makeDenyEntry, makeDenyTarget, type DenyEntry, type DenyTarget } from './deny'

export const LABELS = ['fraud', 'legitimate'] as const
export type Label = (typeof LABELS)[number]

export const MAX_LABELS_PER_POST = 1_000
export const MAX_NOTE_CHARS = 500

export interface LabelInput {
  readonly ref?: string
  readonly device?: string
  readonly user?: string
  readonly label: Label
  readonly note?: string
}

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._:~+/=-]{1,128}$/, 'expected 1-128 id characters'))

const LabelSchema = v.pipe(
  v.strictObject({
    ref: v.optional(Id),
    device: v.optional(Id),
    user: v.optional(Id),
    label: v.picklist(LABELS, 'expected "fraud" or "legitimate"'),
    note: v.optional(v.pipe(v.string(), v.maxLength(MAX_NOTE_CHARS))),
  }),
  v.check((x) => x.ref !== undefined || x.device !== undefined || x.user !== undefined, 'one of ref, device or user is required'),
)

const DenyAddSchema = v.strictObject({
  kind: v.picklist(DENY_KINDS),
  value: v.union([v.string(), v.strictObject({ user: v.string(), ip: v.string() })]),
  ttl_s: v.pipe(v.number(), v.integer(), v.minValue(MIN_TTL_S), v.maxValue(MAX_TTL_S)),
  reason: v.optional(v.pipe(v.string(), v.maxLength(MAX_REASON_CHARS)), 'admin'),
})

const DenyRemoveSchema = v.strictObject({
  kind: v.picklist(DENY_KINDS),
  value: v.union([v.string(), v.strictObject({ user: v.string(), ip: v.string() })]),
})

export type InputProblem = 'bad_json' | 'bad_body' | 'too_many' | 'empty'

function problem(issues: readonly v.BaseIssue<unknown>[], where: string): string {
  const first = issues[0]
  if (first === undefined) return `${where}invalid`
  const path = v.getDotPath(first)
  return `${where}${path === null ? '' : `${path}: `}${first.message}`
}

function parseJson(text: string): Result<unknown, 'bad_json'> {
  try {
    return ok(JSON.parse(text) as unknown)
  } catch {
    return err('bad_json', 'body is not valid JSON')
  }
}

/** A JSON array of labels, or NDJSON (one label object per non-empty line). */
export function parseLabels(text: string): Result<LabelInput[], InputProblem> {
  const trimmed = text.trim()
  if (trimmed === '') return err('empty', 'no labels in the body')
  let items: unknown[]
  if (trimmed.startsWith('[')) {
    const parsed = parseJson(trimmed)
    if (!parsed.ok) return parsed
    if (!Array.isArray(parsed.value)) return err('bad_body', 'expected an array of labels')
    items = parsed.value
  } else {
    items = []
    const lines = trimmed.split('\n')
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue
      const parsed = parseJson(line)
      if (!parsed.ok) return err('bad_json', `line ${i + 1}: not valid JSON`)
      items.push(parsed.value)
    }
  }
  if (items.length === 0) return err('empty', 'no labels in the body')
  if (items.length > MAX_LABELS_PER_POST) return err('too_many', `at most ${MAX_LABELS_PER_POST} labels per request`)
  const out: LabelInput[] = []
  for (const [i, item] of items.entries()) {
    const r = v.safeParse(LabelSchema, item)
    if (!r.success) return err('bad_body', problem(r.issues, `[${i}] `))
    out.push(r.output)
  }
  return ok(out)
}

function targetOf(kind: (typeof DENY_KINDS)[number], value: string | { user: string; ip: string }): Result<DenyTarget, 'bad_body'> {
  const parts = typeof value === 'string' ? (kind === 'device' ? { device: value } : { ip: value }) : value
  if (kind === 'user_ip' && typeof value === 'string') return err('bad_body', 'value: user_ip needs {"user", "ip"}')
  if (kind !== 'user_ip' && typeof value !== 'string') return err('bad_body', `value: ${kind} needs a string`)
  const t = makeDenyTarget(kind, parts)
  return t.ok ? t : err('bad_body', t.detail ?? t.reason)
}

/** `{kind, value, ttl_s, reason?}` → an entry expiring exactly ttl_s after `now`. */
export function parseDenyAdd(body: unknown, now: number): Result<DenyEntry, InputProblem> {
  const r = v.safeParse(DenyAddSchema, body)
  if (!r.success) return err('bad_body', problem(r.issues, ''))
  const target = targetOf(r.output.kind, r.output.value)
  if (!target.ok) return target
  const entry = makeDenyEntry(target.value, r.output.ttl_s, r.output.reason, now)
  return entry.ok ? entry : err('bad_body', entry.detail ?? entry.reason)
}

/** `{kind, value}` → the target to remove. */
export function parseDenyRemove(body: unknown): Result<DenyTarget, InputProblem> {
  const r = v.safeParse(DenyRemoveSchema, body)
  if (!r.success) return err('bad_body', problem(r.issues, ''))
  return targetOf(r.output.kind, r.output.value)
}

/** Sign-ins per history import request (the Counters object takes its own batch per username). */
export const MAX_HISTORY_PER_POST = 500

/** One imported sign-in: the raw username (hashed by the Worker, never stored), when, and from where. */
export interface HistoryImport {
  readonly username: string
  readonly at: number
  readonly asn: number | null
  readonly country: string | null
  readonly device: string | null
}

const HistorySchema = v.strictObject({
  entries: v.pipe(
    v.array(
      v.strictObject({
        username: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
        at: v.pipe(v.number(), v.integer(), v.minValue(0)),
        asn: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(4_294_967_295))), null),
        country: v.optional(v.nullable(v.pipe(v.string(), v.regex(/^[A-Za-z]{2}$/, 'expected a two-letter country code'))), null),
        device: v.optional(v.nullable(Id), null),
      }),
    ),
    v.minLength(1, 'no entries'),
    v.maxLength(MAX_HISTORY_PER_POST, `at most ${MAX_HISTORY_PER_POST} entries per request`),
  ),
})

/** `{"entries": [{username, at, asn?, country?, device?}]}` → the sign-ins to remember (country upper-cased). */
export function parseHistory(body: unknown): Result<HistoryImport[], InputProblem> {
  const r = v.safeParse(HistorySchema, body)
  if (!r.success) return err('bad_body', problem(r.issues, ''))
  return ok(r.output.entries.map((e) => ({ ...e, country: e.country === null ? null : e.country.toUpperCase() })))
}
