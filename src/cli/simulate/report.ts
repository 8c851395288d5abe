// Per-family results of one run: takes labelled rows, returns shares mitigated (by request and by
// session), the attempt number of the first mitigation (family-wide and per session), time to
// detect, and the friction figures for people and for legitimate automation. Pure. "Mitigated" =
// action ≠ allow in the decision line for an attack family: a `review` (the origin asks for a second
// factor, which an attacker with only the password lacks) stops it there. For legitimate families
// (people, benign automation) only challenge, rate limit and block are friction; a `review` is a
// step-up, reported beside friction, never inside it. Every rate carries its count and Wilson 95 % interval.
import { FAMILIES, FAMILY_INFO, isAttempt, isPeople, type AttemptKind, type Family } from './catalog'
import type { LabelledRow } from './join'
import type { SignInJourney } from './truth'
import { rate, round4, wilson, type Interval, type Rate } from '../../util/wilson'

export interface FamilyResult {
  readonly sessions: number
  readonly requests: number
  /** Requests with action ≠ allow ÷ requests, and its Wilson 95 % interval. */
  readonly mitigated_share: number | null
  readonly mitigated_share_ci95: Interval | null
  readonly mitigated_requests: number
  /** Requests with action = block ÷ requests. */
  readonly blocked_share: number | null
  readonly blocked_share_ci95: Interval | null
  /** Sessions with at least one mitigated request ÷ sessions. */
  readonly session_mitigated_share: number | null
  readonly session_mitigated_share_ci95: Interval | null
  readonly sessions_mitigated: number
  readonly attempt_kind: AttemptKind
  readonly attempts: number
  /** Attempts (login / checkout / signup / cart POSTs; any request for scraping and people; for the
   * automated browsers also each form load that stopped a credential before it was sent) with
   * action ≠ allow ÷ attempts: the attack itself, without the page views around it. */
  readonly attempts_mitigated_share: number | null
  readonly attempts_mitigated_share_ci95: Interval | null
  readonly attempts_mitigated: number
  /** 1-based number, in time order over the whole family, of the first mitigated attempt. */
  readonly first_mitigation: number | null
  /** Same, counted within each session: median and worst over sessions that made attempts. */
  readonly first_mitigation_per_session: { readonly median: number | null; readonly max: number | null; readonly never: number }
  /** ms from the family's first request to its first mitigated request. */
  readonly time_to_detect_ms: number | null
  readonly actions: Readonly<Record<string, number>>
  /** Requests, attempts and sessions with action = review (step-up). For an attack family they are
   * part of the mitigated figures above (how much of them is step-up); for a legitimate one they are not. */
  readonly requests_stepped_up: number
  readonly attempts_stepped_up: number
  readonly sessions_stepped_up: number
}

/** The step-up action: forwarded to the origin, which asks for a second factor. */
export const STEP_UP = 'review'
/** Any action but allow: what stops an attack (a step-up included). */
export const mitigated = (r: Pick<LabelledRow, 'action'>): boolean => r.action !== 'allow'
/** What a legitimate client feels as friction: challenge, rate limit, block — not allow, not a step-up. */
export const friction = (r: Pick<LabelledRow, 'action'>): boolean => r.action !== 'allow' && r.action !== STEP_UP
export const steppedUp = (r: Pick<LabelledRow, 'action'>): boolean => r.action === STEP_UP
/** A sign-in: a POST to a login route. */
export const isSignIn = (r: Pick<LabelledRow, 'method' | 'route'>): boolean => r.method === 'POST' && r.route === 'login'
const share = (a: number, b: number): number | null => (b === 0 ? null : a / b)
const ci = (a: number, b: number): Interval | null => round4(wilson(a, b))

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * An attempt: a request of the family's attempt kind, or a line marked `stopped_attempt` — the
 * answer to a form load that stopped a browser family's attempt before its credential was sent
 * (join.ts). Only the form-stuffing browser families mark lines; every other family counts as before.
 */
export const isAttemptRow = (kind: AttemptKind, r: Pick<LabelledRow, 'method' | 'path' | 'stopped_attempt'>): boolean =>
  isAttempt(kind, r.method, r.path) || r.stopped_attempt === true

/** 1-based index of the first mitigated attempt among `rows` (already in time order), or null. */
function firstMitigatedAttempt(rows: readonly LabelledRow[], kind: AttemptKind, hit: (r: LabelledRow) => boolean): { n: number | null; attempts: number } {
  let n = 0
  let first: number | null = null
  for (const r of rows) {
    if (!isAttemptRow(kind, r)) continue
    n++
    if (first === null && hit(r)) first = n
  }
  return { n: first, attempts: n }
}

export function familyResult(family: Family, rowsInOrder: readonly LabelledRow[]): FamilyResult {
  const kind = FAMILY_INFO[family].attempt
  // An attack is stopped by a step-up too; a legitimate client is only hurt by friction.
  const hit = FAMILY_INFO[family].label === 1 ? mitigated : friction
  const rows = rowsInOrder.filter((r) => r.family === family)
  const bySession = new Map<string, LabelledRow[]>()
  for (const r of rows) (bySession.get(r.session) ?? bySession.set(r.session, []).get(r.session)!).push(r)
  const perSession = [...bySession.values()].map((rs) => firstMitigatedAttempt(rs, kind, hit)).filter((x) => x.attempts > 0)
  const firsts = perSession.flatMap((x) => (x.n === null ? [] : [x.n]))
  const family1 = firstMitigatedAttempt(rows, kind, hit)
  const firstMit = rows.find(hit)
  const actions: Record<string, number> = {}
  for (const r of rows) actions[r.action] = (actions[r.action] ?? 0) + 1
  const mit = rows.filter(hit).length
  const blocked = rows.filter((r) => r.action === 'block').length
  const sessionsMit = [...bySession.values()].filter((rs) => rs.some(hit)).length
  const attemptsMit = rows.filter((r) => isAttemptRow(kind, r) && hit(r)).length
  return {
    sessions: bySession.size,
    requests: rows.length,
    mitigated_share: share(mit, rows.length),
    mitigated_share_ci95: ci(mit, rows.length),
    mitigated_requests: mit,
    blocked_share: share(blocked, rows.length),
    blocked_share_ci95: ci(blocked, rows.length),
    session_mitigated_share: share(sessionsMit, bySession.size),
    session_mitigated_share_ci95: ci(sessionsMit, bySession.size),
    sessions_mitigated: sessionsMit,
    attempt_kind: kind,
    attempts: family1.attempts,
    attempts_mitigated_share: share(attemptsMit, family1.attempts),
    attempts_mitigated_share_ci95: ci(attemptsMit, family1.attempts),
    attempts_mitigated: attemptsMit,
    first_mitigation: family1.n,
    first_mitigation_per_session: { median: median(firsts), max: firsts.length === perSession.length ? (firsts.length ? Math.max(...firsts) : null) : null, never: perSession.length - firsts.length },
    time_to_detect_ms: firstMit === undefined || rows.length === 0 ? null : Date.parse(firstMit.ts) - Date.parse(rows[0]!.ts),
    actions,
    requests_stepped_up: rows.filter(steppedUp).length,
    attempts_stepped_up: rows.filter((r) => isAttemptRow(kind, r) && steppedUp(r)).length,
    sessions_stepped_up: [...bySession.values()].filter((rs) => rs.some(steppedUp)).length,
  }
}

/** Friction for the people (human_browser, human_http: label 0 and not automated); legitimate
 * automation is measured on its own (`benignAutomationFriction`). */
export interface HumanFriction {
  readonly sessions: number
  readonly requests: number
  /** Human sessions that saw any challenge, rate limit or block ÷ human sessions. */
  readonly session_friction: number | null
  readonly session_friction_ci95: Interval | null
  readonly sessions_with_friction: number
  /** Human requests blocked ÷ human requests. */
  readonly request_block_rate: number | null
  readonly request_block_ci95: Interval | null
  readonly requests_blocked: number
  /** Human requests with any mitigation ÷ human requests. */
  readonly request_mitigated_rate: number | null
  readonly request_mitigated_ci95: Interval | null
  /** Human sessions asked for a second factor (any `review`) ÷ human sessions: not friction above. */
  readonly sessions_stepped_up: number
  readonly session_step_up: number | null
  readonly session_step_up_ci95: Interval | null
  /** Human sessions that posted a sign-in, and those of them stepped up ÷ them. */
  readonly sign_in_sessions: number
  readonly sign_in_sessions_stepped_up: number
  readonly sign_in_step_up: number | null
  readonly sign_in_step_up_ci95: Interval | null
}

export function humanFriction(rows: readonly LabelledRow[]): HumanFriction {
  const humans = rows.filter((r) => r.label === 0 && isPeople(r.family))
  const sessions = new Map<string, { hurt: boolean; up: boolean; signIn: boolean }>()
  for (const r of humans) {
    const s = sessions.get(r.session) ?? sessions.set(r.session, { hurt: false, up: false, signIn: false }).get(r.session)!
    s.hurt ||= friction(r)
    s.up ||= steppedUp(r)
    s.signIn ||= isSignIn(r)
  }
  const all = [...sessions.values()]
  const hurt = all.filter((s) => s.hurt).length
  const up = all.filter((s) => s.up).length
  const signIns = all.filter((s) => s.signIn)
  const signInUp = signIns.filter((s) => s.up).length
  const blocked = humans.filter((r) => r.action === 'block').length
  const mit = humans.filter(friction).length
  return {
    sessions: sessions.size,
    requests: humans.length,
    session_friction: share(hurt, sessions.size),
    session_friction_ci95: ci(hurt, sessions.size),
    sessions_with_friction: hurt,
    request_block_rate: share(blocked, humans.length),
    request_block_ci95: ci(blocked, humans.length),
    requests_blocked: blocked,
    request_mitigated_rate: share(mit, humans.length),
    request_mitigated_ci95: ci(mit, humans.length),
    sessions_stepped_up: up,
    session_step_up: share(up, sessions.size),
    session_step_up_ci95: ci(up, sessions.size),
    sign_in_sessions: signIns.length,
    sign_in_sessions_stepped_up: signInUp,
    sign_in_step_up: share(signInUp, signIns.length),
    sign_in_step_up_ci95: ci(signInUp, signIns.length),
  }
}

/** What first hurt a person's session: the action, the route and method, and what decided it. */
export interface FrictionCause {
  readonly cause: string
  readonly sessions: number
}

/**
 * Each hurt person's first friction (challenge, rate limit, block), counted by cause — `challenge POST
 * login by model`, `block GET other by deny_list`, `challenge POST login by rule username_from_many_ips` —
 * most first. A step-up is not friction: `stepUpCauses` counts those. The run says what hurt people,
 * so nobody has to read a held-out run's rows (and tune on them) to know.
 */
export function frictionCauses(rows: readonly LabelledRow[]): FrictionCause[] {
  return causesOf(rows, friction)
}

/** Each stepped-up person's first `review`, counted by cause the same way (`review POST login by rule unfamiliar_sign_in`). */
export function stepUpCauses(rows: readonly LabelledRow[]): FrictionCause[] {
  return causesOf(rows, steppedUp)
}

function causesOf(rows: readonly LabelledRow[], pick: (r: LabelledRow) => boolean): FrictionCause[] {
  const first = new Map<string, LabelledRow>()
  for (const r of inTimeOrder(rows.filter((r) => r.label === 0 && isPeople(r.family) && pick(r)))) if (!first.has(r.session)) first.set(r.session, r)
  const counts = new Map<string, number>()
  for (const r of first.values()) {
    const by = r.source === 'rule' ? `rule ${r.reasons?.[0] ?? r.rules?.[0] ?? '?'}` : (r.source ?? '?')
    const cause = `${r.action} ${r.method} ${r.route} by ${by}`
    counts.set(cause, (counts.get(cause) ?? 0) + 1)
  }
  return [...counts].map(([cause, sessions]) => ({ cause, sessions })).sort((a, b) => b.sessions - a.sessions || a.cause.localeCompare(b.cause))
}

/** `9 × challenge POST login by model; 2 × …`, as the run and the held-out log print the causes. */
export const causesText = (causes: readonly FrictionCause[]): string => causes.map((c) => `${c.sessions} × ${c.cause}`).join('; ')

/** Share of benign_automation sessions with any challenge, rate limit or block (null when it did not run); a step-up is not one. */
export function benignAutomationFriction(results: Partial<Record<Family, FamilyResult>>): number | null {
  const r = results.benign_automation
  return r === undefined || r.sessions === 0 ? null : r.session_mitigated_share
}

/** Rows in time order (log timestamp, then file order). */
export function inTimeOrder(rows: readonly LabelledRow[]): LabelledRow[] {
  return rows.map((r, i) => ({ r, i, t: Date.parse(r.ts) })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.r)
}

export function allFamilyResults(rows: readonly LabelledRow[], families: readonly Family[] = FAMILIES): Partial<Record<Family, FamilyResult>> {
  const ordered = inTimeOrder(rows)
  const out: Partial<Record<Family, FamilyResult>> = {}
  for (const f of families) out[f] = familyResult(f, ordered)
  return out
}

/** People who set out to sign in, with and without JavaScript: how many reached their account with the correct password. */
export interface SignInReach {
  readonly javascript: Rate
  readonly no_javascript: Rate
}

export function signInReach(journeys: readonly Pick<SignInJourney, 'javascript' | 'reached'>[]): SignInReach {
  const of = (js: boolean): Rate => {
    const mine = journeys.filter((j) => j.javascript === js)
    const r = rate(mine.filter((j) => j.reached).length, mine.length)
    return { ...r, ci95: round4(r.ci95) }
  }
  return { javascript: of(true), no_javascript: of(false) }
}

/** `412 of 415, 99.3 % [98.0–99.8]`, or `none`. */
export function reachText(r: Rate): string {
  if (r.n === 0 || r.share === null || r.ci95 === null) return 'none'
  const pct = (x: number): string => (x * 100).toFixed(1)
  return `${r.k} of ${r.n}, ${pct(r.share)} % [${pct(r.ci95[0])}–${pct(r.ci95[1])}]`
}
