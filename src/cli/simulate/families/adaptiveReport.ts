// The adaptive families' rows of the report, counted per login attempt (an attempt may send a second
// POST after a solved challenge): takes the labelled rows in time order and each session's attempt
// ledger; returns mitigated_share (attempts whose first POST was mitigated ÷ attempts), its Wilson
// 95 % interval, first_mitigation (1-based, family-wide in time order) and attempts let through. Pure.
import type { Family } from '../catalog'
import type { LabelledRow } from '../join'
import { inTimeOrder, STEP_UP, type FamilyResult } from '../report'
import { round4, wilson, type Interval } from '../../../util/wilson'
import type { AttemptRecord } from './adaptiveAttack'

export const ADAPTIVE_FAMILIES = ['adaptive_single', 'adaptive_spread'] as const satisfies readonly Family[]
/** The plain family each adapts: the same attack without the tactics. */
export const ADAPTS: Readonly<Record<(typeof ADAPTIVE_FAMILIES)[number], Family>> = { adaptive_single: 'credential_stuffing', adaptive_spread: 'distributed_stuffing' }

export interface AdaptiveFigures {
  readonly attempts: number
  readonly mitigated_share: number | null
  readonly mitigated_share_ci95: Interval | null
  readonly first_mitigation: number | null
  /** Attempts with a login POST that reached the origin (allowed), also after a solved challenge. A
   * step-up (review) reaches it too, but the origin asks for the owner's second factor: not let through. */
  readonly let_through: number
  /** Attempts whose first POST was stepped up (review): part of `mitigated_share`. */
  readonly attempts_stepped_up: number
  readonly adapts: Family
}

interface AttemptRows {
  readonly at: number
  readonly mitigated: boolean
  readonly steppedUp: boolean
  readonly letThrough: boolean
}

/** Each session's POST rows, in order, cut into its attempts by the ledger's POST counts. */
function attemptsOf(rows: readonly LabelledRow[], ledger: ReadonlyMap<string, readonly AttemptRecord[]>): AttemptRows[] {
  const bySession = new Map<string, LabelledRow[]>()
  for (const r of rows) if (r.method === 'POST') (bySession.get(r.session) ?? bySession.set(r.session, []).get(r.session)!).push(r)
  const out: AttemptRows[] = []
  for (const [session, posts] of bySession) {
    let k = 0
    for (const a of ledger.get(session) ?? []) {
      const mine = posts.slice(k, k + a.posts)
      k += a.posts
      if (mine.length === 0) continue
      out.push({ at: Date.parse(mine[0]!.ts), mitigated: mine[0]!.action !== 'allow', steppedUp: mine[0]!.action === STEP_UP, letThrough: mine.some((r) => r.action === 'allow') })
    }
  }
  return out.sort((x, y) => x.at - y.at)
}

export function adaptiveFigures(family: (typeof ADAPTIVE_FAMILIES)[number], rows: readonly LabelledRow[], ledger: ReadonlyMap<string, readonly AttemptRecord[]>): AdaptiveFigures {
  const attempts = attemptsOf(inTimeOrder(rows.filter((r) => r.family === family)), ledger)
  const mitigated = attempts.filter((a) => a.mitigated).length
  const first = attempts.findIndex((a) => a.mitigated)
  return {
    attempts: attempts.length,
    mitigated_share: attempts.length === 0 ? null : mitigated / attempts.length,
    mitigated_share_ci95: round4(wilson(mitigated, attempts.length)),
    first_mitigation: first < 0 ? null : first + 1,
    let_through: attempts.filter((a) => a.letThrough).length,
    attempts_stepped_up: attempts.filter((a) => a.steppedUp).length,
    adapts: ADAPTS[family],
  }
}

/** The run's results with the adaptive families' shares and first mitigation counted per attempt. */
export function withAdaptiveFigures(
  results: Partial<Record<Family, FamilyResult>>,
  rows: readonly LabelledRow[],
  ledger: ReadonlyMap<string, readonly AttemptRecord[]>,
): Partial<Record<Family, FamilyResult>> {
  const out = { ...results }
  for (const f of ADAPTIVE_FAMILIES) {
    const r = results[f]
    if (r === undefined) continue
    const a = adaptiveFigures(f, rows, ledger)
    out[f] = { ...r, ...a, request_mitigated_share: r.mitigated_share } as FamilyResult
  }
  return out
}
