// Letting legitimate automation through the way an operator does: the operator's own app and its
// partners' integrations are registered and carry app tokens (docs/apps.md); monitoring services
// that run from fixed server addresses (hosting networks) can be put on the config's `allow.ips`;
// people's one-off scripts cannot (their addresses are anyone's). Half of the listable monitors are
// listed — the ones who told the operator — so one run reports benign automation with the allow list
// and without it, on sessions drawn alike. Pure: takes the planned run, returns the
// addresses to allow and each benign session's cohort; and the friction per cohort from the rows.
import type { LabelledRow } from './join'
import { benignPlanFor } from './families/benignAutomation'
import { random } from './random'
import { friction } from './report'
import type { Planned } from './schedule'
import { round4, wilson, type Interval } from '../../util/wilson'

export const ALLOW_COHORTS = ['listed', 'listable_unlisted', 'app_token', 'not_listable'] as const
export type AllowCohort = (typeof ALLOW_COHORTS)[number]

export interface OperatorAllow {
  readonly ips: readonly string[]
  readonly cohorts: ReadonlyMap<string, AllowCohort>
}

/** Which benign sessions run from fixed server addresses, and which of those the operator listed. */
export function operatorAllowList(planned: readonly Planned[], seed: number, apply = true): OperatorAllow {
  const ips = new Set<string>()
  const cohorts = new Map<string, AllowCohort>()
  for (const { ctx } of planned) {
    if (ctx.family !== 'benign_automation') continue
    const plan = benignPlanFor(ctx)
    // The operator's own app and its partners carry app tokens (docs/apps.md) when the operator acts.
    if (apply && plan.kind === 'app') {
      cohorts.set(ctx.session, 'app_token')
      continue
    }
    const listable = plan.network === 'hosting' && (plan.kind === 'monitor' || plan.kind === 'app') && !['okhttp', 'ios_app', 'dart'].includes(plan.tool)
    const listed = apply && listable && random(seed, `allow/${ctx.session}`).chance(0.5)
    cohorts.set(ctx.session, listed ? 'listed' : listable ? 'listable_unlisted' : 'not_listable')
    if (listed) ips.add(ctx.ip)
  }
  return { ips: [...ips].sort(), cohorts }
}

export interface CohortFriction {
  readonly sessions: number
  readonly mitigated: number
  readonly friction: number | null
  readonly ci95: Interval | null
}

/** Sessions with any challenge or block, per cohort (the session's rows as measured); a step-up is not one. */
export function frictionByCohort(rows: readonly LabelledRow[], cohorts: ReadonlyMap<string, AllowCohort>): Record<AllowCohort, CohortFriction> {
  const hurt = new Map<string, boolean>()
  for (const r of rows) if (r.family === 'benign_automation') hurt.set(r.session, (hurt.get(r.session) ?? false) || friction(r))
  const out = {} as Record<AllowCohort, CohortFriction>
  for (const c of ALLOW_COHORTS) {
    const mine = [...hurt].filter(([s]) => cohorts.get(s) === c)
    const k = mine.filter(([, h]) => h).length
    out[c] = { sessions: mine.length, mitigated: k, friction: mine.length === 0 ? null : k / mine.length, ci95: round4(wilson(k, mine.length)) }
  }
  return out
}
