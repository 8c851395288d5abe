// The issue #7/#13 targets, checked against one run: takes the family results and human friction,
// returns each target with the measured value, its Wilson 95 % interval, the limit, and met or not.
// A rate target is judged on the bound, not the point: "≤ limit" on the upper 95 % bound, "≥ limit"
// on the lower one — 0 people hurt out of 300 does not show friction ≤ 0.5 %. Pure.
import { FAMILY_INFO, type Family } from './catalog'
import type { FamilyResult, HumanFriction, SignInReach } from './report'
import { wilson, type Interval } from '../../util/wilson'

export interface TargetCheck {
  readonly target: string
  /** The point estimate (a share, or an attempt number). */
  readonly value: number | null
  /** Wilson 95 % interval of a share; null for counts (attempt numbers). */
  readonly ci95: Interval | null
  /** What `met` was decided on: the upper bound for ≤, the lower bound for ≥, the value for counts. */
  readonly judged_on: 'upper95' | 'lower95' | 'value'
  readonly bound: number | null
  readonly limit: number
  readonly comparison: '<=' | '>=' | '<'
  /** null when the run had nothing to measure it on (family not run). */
  readonly met: boolean | null
  /** Rates: how many trials it measured, and the fewest a perfect result (0 hurt, all stopped) needs to meet the target on its bound. */
  readonly n?: number
  readonly least_n?: number
}

/**
 * The fewest trials for which a perfect result meets a rate target on its bound: n of n stopped has a
 * Wilson lower bound that grows with n, 0 of n hurt an upper bound that falls. Below it the target
 * cannot be met however good the defence — the run is too small to say, which the report must show
 * rather than pass off as a miss of the defence's (20 of 20 attempts stopped has a lower bound of 84 %).
 */
export function leastTrials(comparison: '<=' | '>=', limit: number, maxN = 1_000_000): number | null {
  const ok = (n: number): boolean => {
    const ci = wilson(comparison === '>=' ? n : 0, n)!
    return comparison === '>=' ? ci[0] >= limit : ci[1] <= limit
  }
  if (!ok(maxN)) return null
  let lo = 1
  let hi = maxN
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    if (ok(mid)) hi = mid
    else lo = mid + 1
  }
  return lo
}

const compare = (x: number, comparison: TargetCheck['comparison'], limit: number): boolean =>
  comparison === '<=' ? x <= limit : comparison === '<' ? x < limit : x >= limit

/** A share target, judged on the side of its interval that a bad truth would show. */
function rateCheck(target: string, value: number | null, ci95: Interval | null, comparison: '<=' | '>=', limit: number, n: number): TargetCheck {
  const judged_on = comparison === '<=' ? 'upper95' : 'lower95'
  const bound = ci95 === null ? null : comparison === '<=' ? ci95[1] : ci95[0]
  const least = leastTrials(comparison, limit)
  return { target, value, ci95, judged_on, bound, limit, comparison, met: bound === null ? null : compare(bound, comparison, limit), n, ...(least === null ? {} : { least_n: least }) }
}

/** A run too small for the target: even a perfect result would miss it on the bound. */
export const tooFew = (c: Pick<TargetCheck, 'n' | 'least_n'>): boolean => c.n !== undefined && c.least_n !== undefined && c.n < c.least_n

/** The verdict as the tables print it. */
export function verdictText(c: Pick<TargetCheck, 'met' | 'n' | 'least_n'>): string {
  if (c.met === null) return 'not measured'
  if (c.met) return 'met'
  return tooFew(c) ? `NOT met — too few to judge (${c.n}; a perfect run needs ${c.least_n})` : 'NOT met'
}

/** An attempt-number target (first mitigation): a count, judged as it is; never mitigated = not met. */
function countCheck(target: string, value: number | null, comparison: TargetCheck['comparison'], limit: number): TargetCheck {
  return { target, value, ci95: null, judged_on: 'value', bound: value, limit, comparison, met: value === null ? false : compare(value, comparison, limit) }
}

export function checkTargets(results: Partial<Record<Family, FamilyResult>>, humans: HumanFriction, reach: SignInReach | null = null): TargetCheck[] {
  const out: TargetCheck[] = [
    rateCheck('human sessions with any challenge or block', humans.session_friction, humans.session_friction_ci95, '<=', 0.005, humans.sessions),
    rateCheck('human requests blocked', humans.request_block_rate, humans.request_block_ci95, '<=', 0.0005, humans.requests),
  ]
  // People without JavaScript (over HTTP, real browsers' header sets) who sign in with their password
  // must reach their account: a challenge they cannot pass is a lock-out, the no-JS wait is their way on.
  if (reach !== null && reach.no_javascript.n > 0) {
    const r = reach.no_javascript
    out.push(rateCheck('people without JavaScript reach their account after the correct password', r.share, r.ci95, '>=', 0.95, r.n))
  }
  // Legitimate automation (monitors, scripts, app clients) is not people, but breaking it is a false
  // positive too: a challenge stops a client without JavaScript as surely as a block.
  const benign = results.benign_automation
  // ≤ 2 %: the operator's own monitors, app and partners, each let through the documented way.
  if (benign !== undefined && benign.sessions > 0) out.push(rateCheck('benign automation sessions with any challenge or block', benign.session_mitigated_share, benign.session_mitigated_share_ci95, '<=', 0.02, benign.sessions))
  const stuffing = results.credential_stuffing
  if (stuffing !== undefined && stuffing.sessions > 0) {
    // Every source must be mitigated by its 5th attempt: the worst source decides (never = not met).
    const worst = stuffing.first_mitigation_per_session.never > 0 ? null : stuffing.first_mitigation_per_session.max
    out.push(countCheck('credential stuffing (one source): first mitigation by attempt', worst, '<=', 5))
  }
  const dist = results.distributed_stuffing
  if (dist !== undefined && dist.sessions > 0) out.push(countCheck('distributed stuffing: first mitigation before attempt (family-wide)', dist.first_mitigation, '<', 150))
  // Account protection's scenarios (docs/accounts.md): a spray before its 100th attempt, bulk sign-ups
  // across ~100 sources by the 30th, a replayed session on its first request (the worst session decides).
  const spray = results.password_spray
  if (spray !== undefined && spray.sessions > 0) out.push(countCheck('password spray: first mitigation before attempt (family-wide)', spray.first_mitigation, '<', 100))
  const bulk = results.bulk_signup
  if (bulk !== undefined && bulk.sessions > 0) out.push(countCheck('bulk sign-ups across sources: first mitigation by sign-up (family-wide)', bulk.first_mitigation, '<=', 30))
  const replay = results.session_replay
  if (replay !== undefined && replay.sessions > 0) {
    const worst = replay.first_mitigation_per_session.never > 0 ? null : replay.first_mitigation_per_session.max
    out.push(countCheck('stolen session replayed: first mitigation by request (every session)', worst, '<=', 1))
  }
  for (const [family, r] of Object.entries(results) as Array<[Family, FamilyResult]>) {
    const info = FAMILY_INFO[family]
    if (info.label !== 1 || r.sessions === 0) continue
    const limit = info.automated ? 0.9 : 0.7
    // Recall on the attempts (the logins, checkouts, signups, cart adds — every request for
    // scraping): the page views around an attempt are not the attack, and a form view is never
    // challenged on the model alone. The request share stays in the family table.
    out.push(rateCheck(`recall (attempts mitigated), ${family}`, r.attempts_mitigated_share, r.attempts_mitigated_share_ci95, '>=', limit, r.attempts))
    // A session that is blocked stops (a person gives up): its later requests never happen, so for
    // the person-paced takeover the share of sessions stopped is the recall that matters most.
    if (!info.automated) out.push(rateCheck(`recall (sessions mitigated), ${family}`, r.session_mitigated_share, r.session_mitigated_share_ci95, '>=', limit, r.sessions))
  }
  return out
}
