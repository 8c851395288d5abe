// Deny entries: a source (device, IP, or username+IP) blocked until an exact expiry.
// Takes targets, TTLs and stored rows; returns entries, keys and hits. Fails closed; no clock.
import { parseIp } from '../config/cidr'
import { err, ok, type Result } from '../util/result'
import { parseIpTarget } from './ipKey'
import type { KeyKind } from './keys'

export const DENY_KINDS = ['device', 'ip', 'user_ip'] as const
export type DenyKind = (typeof DENY_KINDS)[number]

export const isDenyKind = (v: unknown): v is DenyKind =>
  typeof v === 'string' && (DENY_KINDS as readonly string[]).includes(v)

export type DenyTarget =
  | { readonly kind: 'device'; readonly device: string }
  | { readonly kind: 'ip'; readonly ip: string }
  | { readonly kind: 'user_ip'; readonly user: string; readonly ip: string }

export interface DenyEntry {
  readonly target: DenyTarget
  readonly reason: string
  readonly createdAt: number
  /** Exclusive: the entry denies while `now < expiresAt`. */
  readonly expiresAt: number
}

/** What a lookup reports: the kind that matched, why, and until when. */
export interface DenyHit {
  readonly kind: DenyKind
  readonly reason: string
  readonly expiresAt: number
}

export const MIN_TTL_S = 1
export const MAX_TTL_S = 30 * 86_400
export const MAX_REASON_CHARS = 200
/** A stored entry that cannot be read still denies, for this long, then is looked up again. */
export const UNREADABLE_HOLD_MS = 60_000

const ID_RE = /^[A-Za-z0-9._:~+/=-]{1,128}$/

/** Canonical text of an IP (compressed, lower-case, IPv4-mapped unmapped); raw text if not an IP. */
export function canonicalIp(text: string): string {
  return parseIp(text.trim())?.toString() ?? text
}

/** The storage key of a target: a canonical JSON tuple. */
export function denyKey(target: DenyTarget): string {
  switch (target.kind) {
    case 'device':
      return JSON.stringify(['device', target.device])
    case 'ip':
      return JSON.stringify(['ip', target.ip])
    case 'user_ip':
      return JSON.stringify(['user_ip', target.user, target.ip])
  }
}

/** Which journey key's object holds (and enforces) a target's entry. */
export function holderOf(target: DenyTarget): { readonly kind: KeyKind; readonly value: string } {
  switch (target.kind) {
    case 'device':
      return { kind: 'device', value: target.device }
    case 'ip':
      return { kind: 'ip', value: target.ip }
    case 'user_ip':
      return { kind: 'user', value: target.user }
  }
}

export type DenyProblem = 'bad_kind' | 'bad_value' | 'bad_ttl' | 'bad_reason'

/** Validates a target from untrusted parts (admin API, policy); IPs are canonicalised. */
export function makeDenyTarget(kind: unknown, parts: { device?: unknown; ip?: unknown; user?: unknown }): Result<DenyTarget, DenyProblem> {
  if (!isDenyKind(kind)) return err('bad_kind', 'kind must be device, ip or user_ip')
  // An address, or an IPv6 network as IP entries are keyed and listed (`2001:db8:1:2::/64`).
  const ip = typeof parts.ip === 'string' ? parseIpTarget(parts.ip) : undefined
  switch (kind) {
    case 'device':
      return isId(parts.device) ? ok({ kind, device: parts.device }) : err('bad_value', 'device: 1-128 id characters')
    case 'ip':
      return ip !== undefined ? ok({ kind, ip }) : err('bad_value', 'ip: not an IP address or IPv6 network')
    case 'user_ip':
      if (!isId(parts.user)) return err('bad_value', 'user: 1-128 id characters (the keyed hash from the log)')
      return ip !== undefined ? ok({ kind, user: parts.user, ip }) : err('bad_value', 'ip: not an IP address')
  }
}

/** An entry that expires exactly `ttlS` seconds after `now`. */
export function makeDenyEntry(target: DenyTarget, ttlS: number, reason: string, now: number): Result<DenyEntry, DenyProblem> {
  if (!Number.isInteger(ttlS) || ttlS < MIN_TTL_S || ttlS > MAX_TTL_S) return err('bad_ttl', `ttl_s: integer ${MIN_TTL_S}..${MAX_TTL_S}`)
  if (reason.length > MAX_REASON_CHARS) return err('bad_reason', `reason: at most ${MAX_REASON_CHARS} characters`)
  if (!Number.isFinite(now)) throw new TypeError('now must be a finite time in ms')
  return ok({ target, reason, createdAt: now, expiresAt: now + ttlS * 1000 })
}

export const isLive = (expiresAt: number, now: number): boolean => now < expiresAt

/**
 * Reads a stored row for a key that matched. Fails closed: a row that cannot be read
 * (unknown kind, expiry not a number) is a hit for UNREADABLE_HOLD_MS, never "allowed".
 */
export function hitFromRow(row: { kind: unknown; reason: unknown; expires_at: unknown }, askedKind: DenyKind, now: number): DenyHit | null {
  const expiresAt = row.expires_at
  if (!isDenyKind(row.kind) || typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
    return { kind: askedKind, reason: 'unreadable_entry', expiresAt: now + UNREADABLE_HOLD_MS }
  }
  if (!isLive(expiresAt, now)) return null
  return { kind: row.kind, reason: typeof row.reason === 'string' ? row.reason : '', expiresAt }
}

function isId(v: unknown): v is string {
  return typeof v === 'string' && ID_RE.test(v)
}
