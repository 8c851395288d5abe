// The k-anonymity range check's plain half: takes a secret (a password, or `lower(username):password`)
// and returns its SHA-1 split into the 5-hex prefix that goes out and the 35-hex suffix that never
// does; reads a Pwned-Passwords range body (`SUFFIX:COUNT` lines) into the suffixes at or above a
// count. No I/O, no clock, no logging: what it returns must never reach a log line or a cache key
// beyond the prefix (docs/leaked.md).
import { err, ok, type Result } from '../util/result'

/** A secret's SHA-1 as the range API wants it: upper-case hex, prefix (sent) and suffix (kept). */
export interface RangeProbe {
  readonly prefix: string
  readonly suffix: string
}

export const PREFIX_LENGTH = 5
export const SUFFIX_LENGTH = 35
/** A range has a few hundred to ~2,000 lines (Pwned Passwords: ~800 with padding): more is not a range body. */
export const MAX_RANGE_LINES = 10_000

const encoder = new TextEncoder()

export async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', encoder.encode(text)))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex.toUpperCase()
}

export async function rangeProbe(secret: string): Promise<RangeProbe> {
  const hex = await sha1Hex(secret)
  return { prefix: hex.slice(0, PREFIX_LENGTH), suffix: hex.slice(PREFIX_LENGTH) }
}

/** The pair check's secret: the username lower-cased (as the corpus spells it), a colon, the password as typed. */
export function pairSecret(username: string, password: string): string {
  return `${username.toLowerCase()}:${password}`
}

export const isRangePrefix = (s: string): boolean => /^[0-9A-F]{5}$/.test(s)

/**
 * A range body's listed suffixes and their counts. Lines are `SUFFIX:COUNT` (CRLF or LF, suffix in
 * either case); padding lines (count 0) and blank lines are skipped. Anything else — a line that is
 * not 35 hex and a count, an HTML error page, a body past MAX_RANGE_LINES — is `bad_body`: the
 * check is then missing, never "not leaked" read from garbage.
 */
export function parseRangeBody(body: string): Result<ReadonlyMap<string, number>, 'bad_body'> {
  const out = new Map<string, number>()
  const lines = body.split('\n')
  if (lines.length > MAX_RANGE_LINES) return err('bad_body', 'too many lines')
  for (const raw of lines) {
    const line = raw.trim()
    if (line === '') continue
    const m = /^([0-9A-Fa-f]{35}):(\d{1,12})$/.exec(line)
    if (m === null) return err('bad_body', 'a line is not SUFFIX:COUNT')
    const count = Number(m[2])
    if (count > 0) out.set(m[1]!.toUpperCase(), count)
  }
  return ok(out)
}

/** The probe's suffix is listed at least `minCount` times in the range. */
export const listedIn = (range: ReadonlyMap<string, number>, probe: RangeProbe, minCount: number): boolean => (range.get(probe.suffix) ?? 0) >= minCount

/**
 * What the check found, for rules and the origin: true (listed), false (checked, not listed) or null
 * (not checked: off, no password, or missing — the log's `missing` says which). A listed pair makes
 * `password` true as well: whoever holds the pair holds the password.
 */
export interface LeakedFacts {
  readonly password: boolean | null
  readonly pair: boolean | null
}

export const NOT_CHECKED: LeakedFacts = Object.freeze({ password: null, pair: null })

/** `x-edgeward-leaked`'s value: `pair` (the pair is listed, so the password is known too), `password`, or none. */
export function leakedHeaderValue(f: LeakedFacts): 'pair' | 'password' | null {
  if (f.pair === true) return 'pair'
  if (f.password === true) return 'password'
  return null
}
