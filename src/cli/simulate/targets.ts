// The issue #7 targets, checked against one run: takes the family results and human friction,
// returns each target with the measured value, the limit, met or not, and by how much. Pure.
import { FAMILY_INFO, type Family } from './catalog'
import { benignAutomationFriction, type FamilyResult, type HumanFriction } from './report'

export interface TargetCheck {
  readonly target: string
  readonly value: number | null
  readonly limit: number
  readonly comparison: '<=' | '>=' | '<'
  /** null when the run had nothing to measure it on (family not run). */
  readonly met: boolean | null
}

function check(target: string, value: number | null, comparison: TargetCheck['comparison'], limit: number): TargetCheck {
  const met = value === null ? null : comparison === '<=' ? value <= limit : comparison === '<' ? value < limit : value >= limit
  return { target, value, limit, comparison, met }
}

export function checkTargets(results: Partial<Record<Family, FamilyResult>>, humans: HumanFriction): TargetCheck[] {
  const out: TargetCheck[] = [
    check('human sessions with any challenge or block', humans.session_friction, '<=', 0.005),
    check('human requests blocked', humans.request_block_rate, '<=', 0.0002),
  ]
  // Legitimate automation (monitors, scripts, app clients) is not people, but breaking it is a false
  // positive too: a challenge stops a client without JavaScript as surely as a block.
  const benign = benignAutomationFriction(results)
  if (benign !== null) out.push(check('benign automation sessions with any challenge or block', benign, '<=', 0.05))
  const stuffing = results.credential_stuffing
  if (stuffing !== undefined && stuffing.sessions > 0) {
    // Every source must be mitigated by its 5th attempt: the worst source decides (never = not met).
    const worst = stuffing.first_mitigation_per_session.never > 0 ? null : stuffing.first_mitigation_per_session.max
    out.push({ ...check('credential stuffing (one source): first mitigation by attempt', worst, '<=', 5), ...(worst === null ? { met: false } : {}) })
  }
  const dist = results.distributed_stuffing
  if (dist !== undefined && dist.sessions > 0) {
    const first = dist.first_mitigation
    out.push({ ...check('distributed stuffing: first mitigation before attempt (family-wide)', first, '<', 150), ...(first === null ? { met: false } : {}) })
  }
  for (const [family, r] of Object.entries(results) as Array<[Family, FamilyResult]>) {
    const info = FAMILY_INFO[family]
    if (info.label !== 1 || r.sessions === 0) continue
    const limit = info.automated ? 0.9 : 0.7
    // Recall on the attempts (the logins, checkouts, signups, cart adds — every request for
    // scraping): the page views around an attempt are not the attack, and a form view is never
    // challenged on the model alone. The request share stays in the family table.
    out.push(check(`recall (attempts mitigated), ${family}`, r.attempts_mitigated_share, '>=', limit))
    // A session that is blocked stops (a person gives up): its later requests never happen, so for
    // the person-paced takeover the share of sessions stopped is the recall that matters most.
    if (!info.automated) out.push(check(`recall (sessions mitigated), ${family}`, r.session_mitigated_share, '>=', limit))
  }
  return out
}
