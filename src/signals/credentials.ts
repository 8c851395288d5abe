// Credentials wherever an origin may find them: takes the request's query string, the first
// bytes of its body (with whether the body went past the cap or failed), its Content-Type, its
// Authorization header and the
// configured field names; returns every distinct username it holds (canonical), whether a password
// field was present, whether the usernames disagree, and why nothing could be read — and the first
// password, for the caller to turn into a keyed digest at once (password spraying) and drop. Keeps
// nothing, logs nothing, and must not throw on any input. See docs/credentials.md.
import { canonicalUsername } from '../log/keyedHash'
import { walkJsonLeaves } from './credentialJson'
import { multipartBoundary, multipartFields } from './credentialMultipart'
import { isEmailAddress } from './email'

export const MAX_USERNAME = 256
/** Longest password read for its digest: a longer one is digested by its first characters. */
export const MAX_PASSWORD = 256
/** Distinct usernames kept per request: enough to see a conflict, bounded for the counters. */
export const MAX_USERNAMES = 8
const decoder = new TextDecoder()

export interface CredentialFields {
  /** Flat names (form, multipart, query, top-level JSON keys), lower-case. */
  readonly usernameFields: readonly string[]
  /** Dotted JSON paths (`user.email`), lower-case; also `user[email]` in form bodies. */
  readonly jsonPaths: readonly string[]
  /** Names whose presence (never their value) makes a non-POST request an attempt, lower-case. */
  readonly passwordFields: readonly string[]
}

export const UNREADABLE_REASONS = ['too_large', 'body_error', 'malformed', 'unsupported_type', 'no_username'] as const
export type UnreadableReason = (typeof UNREADABLE_REASONS)[number]

export interface CredentialInput {
  /** The raw query string, with or without its leading `?`. */
  readonly query: string
  /** The body's first bytes (all of it when not `truncated`); empty when there is none. */
  readonly body: Uint8Array
  /** The body went on past the cap: what follows it was not read. */
  readonly truncated: boolean
  /** False when reading the body failed (the head is what arrived before the failure). */
  readonly complete: boolean
  readonly contentType: string | null
  /** The Authorization header: `Basic` credentials are a username (and a password) too. */
  readonly authorization?: string | null
  /** The Content-Encoding header: a coded body (gzip, …) is not read, it is `unsupported_type`. */
  readonly contentEncoding?: string | null
}

export interface CredentialRead {
  /** Distinct usernames (NFKC, trimmed, lower-case), in order of appearance, at most MAX_USERNAMES. */
  readonly usernames: readonly string[]
  /** A configured password field is present in the query or the body. */
  readonly passwordSeen: boolean
  /**
   * The first non-empty password value (capped at MAX_PASSWORD chars), or null. Only for a keyed
   * digest made at once (worker/credentials.ts); never logged, stored or passed on.
   */
  readonly passwordForDigest: string | null
  /**
   * Two or more different non-empty passwords (two fields, a duplicate, query and body, Basic and body):
   * the origin reads one, and a decoy first would give a spray a fresh password key per try.
   */
  readonly passwordConflict: boolean
  /** Two or more distinct usernames: the origin reads one of them, we cannot tell which. */
  readonly conflict: boolean
  /**
   * Another configured username field names a different user (`username=decoy&email=victim`): normal
   * on a signup form, a decoy on a sign-in (the caller, which knows the route, decides).
   */
  readonly otherFieldDisagrees: boolean
  /** Why the request's username could not be read completely, or null. */
  readonly unreadable: UnreadableReason | null
  /**
   * Every distinct value of any configured field that is an e-mail address (canonical), in config
   * order: a sign-up form may carry one in `username` and another in `email`, and the origin reads one.
   */
  readonly emails: readonly string[]
}

/** What rules and counters learn about one request's credentials (src/policy/rules/context.ts). */
export interface CredentialFacts {
  /** The request submits credentials: any POST to a credential route, or any method carrying a password field. */
  readonly attempt: boolean
  readonly unreadable: boolean
  readonly conflict: boolean
  /** A sign-up's e-mail address is at a throwaway-inbox domain (src/signals/email.ts); false elsewhere. */
  readonly emailDisposable?: boolean
  /** …is an alias of a mailbox (`+tag`, Gmail dots); false elsewhere. */
  readonly emailAliased?: boolean
}

export const NO_CREDENTIALS: CredentialFacts = { attempt: false, unreadable: false, conflict: false }

type Pairs = Array<readonly [string, string]>

/** Reads every place a login request can carry a username. */
export function readCredentials(input: CredentialInput, fields: CredentialFields): CredentialRead {
  const { pairs, problem } = requestPairs(input)

  // Every value of every configured name, grouped by the name (case and `[]`/`.` spelling folded).
  const byField = new Map<string, string[]>()
  let passwordSeen = false
  const passwords = new Set<string>()
  for (const [key, value] of pairs) {
    const name = fieldPath(key)
    if (fields.passwordFields.includes(lastSegment(name))) {
      passwordSeen = true
      if (value !== '') passwords.add(value.slice(0, MAX_PASSWORD))
    }
    const canonical = canonicalUsername(value.slice(0, MAX_USERNAME))
    if (canonical !== '') byField.set(name, [...(byField.get(name) ?? []), canonical])
  }
  // The first configured name that holds a value is the username field (config order: the operator
  // lists the field the origin reads first); all its distinct values count, and more than one is a conflict.
  const basic = basicCredentials(input.authorization ?? null)
  if (basic !== null) {
    passwordSeen = true
    if (basic.user !== '') byField.set(BASIC_FIELD, [basic.user])
    if (basic.password !== '') passwords.add(basic.password.slice(0, MAX_PASSWORD))
  }
  const configured = [...fields.usernameFields, ...fields.jsonPaths, BASIC_FIELD]
  const field = configured.find((f) => byField.has(f))
  const usernames = [...new Set(field === undefined ? [] : byField.get(field))].slice(0, MAX_USERNAMES)
  const unreadable = problem ?? (usernames.length === 0 ? 'no_username' : null)
  const otherFieldDisagrees = configured.some((f) => f !== field && (byField.get(f) ?? []).some((v) => !usernames.includes(v)))
  const emails = [...new Set(configured.flatMap((f) => byField.get(f) ?? []).filter(isEmailAddress))]
  const passwordForDigest = passwords.values().next().value ?? null
  return { usernames, passwordSeen, passwordForDigest, passwordConflict: passwords.size > 1, conflict: usernames.length > 1, otherFieldDisagrees, unreadable, emails }
}

/**
 * The request's name/value pairs — the query's, then the body's (form, JSON leaves by dotted path,
 * multipart) — and why the body could not be read in full, if so. What credentials and cart adds read.
 */
export function requestPairs(input: CredentialInput): { pairs: Pairs; problem: UnreadableReason | null } {
  const pairs: Pairs = []
  const query = input.query.startsWith('?') ? input.query.slice(1) : input.query
  if (query !== '') pairs.push(...formPairs(query, false))
  const problem = input.body.byteLength === 0 ? null : bodyPairs(input, pairs).problem
  return { pairs, problem }
}

/** A pair's name as configured names match it: lower-case, PHP/Rails `user[email]` = `user.email`. */
export function fieldPath(key: string): string {
  return key.toLowerCase().replace(/\[([^\]]*)\]/g, '.$1')
}

/** The last segment of a field path: `items.0.qty` → `qty`. */
export function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1)
}

/** Appends the body's name/value pairs; returns why it could not be read in full, if so. */
function bodyPairs(input: CredentialInput, out: Pairs): { problem: UnreadableReason | null } {
  const contentType = input.contentType ?? ''
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  const cut: UnreadableReason | null = input.truncated ? 'too_large' : !input.complete ? 'body_error' : null
  // The bytes as sent are not what an origin that inflates or decodes the body reads: a gzip header's
  // comment or UTF-16 bytes can spell `username=decoy` here while the origin reads the victim.
  if (!readableBytes(input.contentEncoding ?? null, contentType)) return { problem: cut ?? 'unsupported_type' }
  const text = decoder.decode(input.body)
  if (type === 'application/json' || type.endsWith('+json')) {
    const whole = walkJsonLeaves(text, (path, value) => out.push([path, value]))
    return { problem: cut ?? (whole ? null : 'malformed') }
  }
  if (type === 'multipart/form-data') {
    const boundary = multipartBoundary(contentType)
    if (boundary === null) return { problem: cut ?? 'malformed' }
    const parsed = multipartFields(text, boundary)
    out.push(...parsed.fields)
    return { problem: cut ?? (parsed.complete ? null : 'malformed') }
  }
  // No Content-Type is read as a form, as curl -d and lenient origins do.
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    out.push(...formPairs(text, cut !== null))
    return { problem: cut }
  }
  return { problem: cut ?? 'unsupported_type' }
}

/** Charsets whose bytes read as ASCII where field names and separators are: UTF-8 decoding finds the same pairs. */
const ASCII_CHARSETS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii', 'iso-8859-1', 'latin1', 'windows-1252'])

/** The body is read as sent: no coding but identity, and no charset that re-spells ASCII. */
function readableBytes(contentEncoding: string | null, contentType: string): boolean {
  const coding = (contentEncoding ?? '').trim().toLowerCase()
  if (coding !== '' && coding !== 'identity') return false
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase()
  return charset === undefined || ASCII_CHARSETS.has(charset)
}

/** Ranked after every configured field: a body's username comes first when both are sent. */
const BASIC_FIELD = '\u0000authorization'

/** The canonical user-id of `Authorization: Basic …` ('' when empty) and its password, or null when there is none. */
function basicCredentials(header: string | null): { user: string; password: string } | null {
  const m = /^\s*basic\s+([A-Za-z0-9+/=]{1,4096})\s*$/i.exec(header ?? '')
  if (m === null) return null
  let decoded: string
  try {
    const bytes = Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0))
    decoded = decoder.decode(bytes)
  } catch {
    return null
  }
  const colon = decoded.indexOf(':')
  return {
    user: canonicalUsername((colon === -1 ? decoded : decoded.slice(0, colon)).slice(0, MAX_USERNAME)),
    password: colon === -1 ? '' : decoded.slice(colon + 1),
  }
}

/** Form pairs, every duplicate and case variant kept; a cut-off last pair is dropped. */
function formPairs(text: string, cutOff: boolean): Pairs {
  const whole = cutOff ? text.slice(0, Math.max(0, text.lastIndexOf('&'))) : text
  return [...new URLSearchParams(whole)]
}

/**
 * The first non-empty username of a form or JSON body in field order, as sent (capped), or null.
 * Kept for callers that want one raw value; the request path uses readCredentials.
 */
export function extractUsername(body: Uint8Array, contentType: string | null, fields: readonly string[]): string | null {
  if (body.byteLength === 0) return null
  const pairs: Pairs = []
  bodyPairs({ query: '', body, truncated: false, complete: true, contentType }, pairs)
  for (const field of fields) {
    const hit = pairs.find(([k, v]) => k.toLowerCase() === field && v.trim() !== '')
    if (hit !== undefined) return hit[1].slice(0, MAX_USERNAME)
  }
  return null
}
