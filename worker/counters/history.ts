// An account's places in SQL (src/counters/history.ts): one row per (kind, member id) with its last
// accepted sign-in. Takes the object's SqlStorage and the caller's time; no clock. Stores 64-bit ids
// (memberId), never a raw device id.
import { HISTORY_MAX_PER_KIND, HISTORY_MS, placeMembers, type AccountPlace, type HistoryView, type PlaceKind } from '../../src/counters/history'
import { memberId } from '../../src/counters/sketch'

export const HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS history (kind TEXT NOT NULL, member TEXT NOT NULL, last INTEGER NOT NULL,
  PRIMARY KEY (kind, member)) WITHOUT ROWID`

/** Remembers an accepted sign-in from `place` at `at`; keeps the HISTORY_MAX_PER_KIND most recent per kind. */
export function rememberPlace(sql: SqlStorage, place: AccountPlace, at: number): void {
  for (const { kind, member } of placeMembers(place, at)) {
    sql.exec(
      'INSERT INTO history (kind, member, last) VALUES (?, ?, ?) ON CONFLICT(kind, member) DO UPDATE SET last = max(last, excluded.last)',
      kind,
      memberId(member),
      at,
    )
    sql.exec(
      'DELETE FROM history WHERE kind = ? AND member NOT IN (SELECT member FROM history WHERE kind = ? ORDER BY last DESC, member LIMIT ?)',
      kind,
      kind,
      HISTORY_MAX_PER_KIND,
    )
  }
}

/**
 * How familiar `place` is to this account at `now` (places older than HISTORY_MS are forgotten).
 * `stored` false: the object has no history table yet (it makes one when it first remembers) — none known.
 */
export function readHistory(sql: SqlStorage, place: AccountPlace, now: number, stored = true): HistoryView {
  const floor = now - HISTORY_MS
  const known = new Set(
    stored
      ? sql.exec<{ kind: string; member: string }>('SELECT kind, member FROM history WHERE last > ? AND kind != ?', floor, 'day').toArray().map((r) => `${r.kind}\n${r.member}`)
      : [],
  )
  const signinDays = stored ? sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM history WHERE kind = ? AND last > ?', 'day', floor).one().n : 0
  const has = (kind: PlaceKind, value: string | number | null): boolean | null => (value === null ? null : known.has(`${kind}\n${memberId(String(value))}`))
  // No device cookie is no device the account knows (a sign-in without JavaScript, a script); a network
  // or country the request does not state stays unknown (no `request.cf`): never "new".
  return { signinDays, knownNetwork: has('asn', place.asn), knownCountry: has('country', place.country), knownDevice: place.device === null ? false : has('device', place.device) }
}

export function pruneHistory(sql: SqlStorage, now: number): void {
  sql.exec('DELETE FROM history WHERE last <= ?', now - HISTORY_MS)
}

/** Newest remembered sign-in, or null (the object lives until it is forgotten). */
export function newestHistory(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>('SELECT MAX(last) AS t FROM history').toArray()[0]?.t ?? null
}
