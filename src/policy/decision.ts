// The Decision: what the pipeline concluded for one request. A discriminated union on
// `action` (the action taken); in shadow or off mode the action is `allow` and
// `wouldAction` keeps what enforce mode would have done.
import type { Mode } from '../config/schema'
import type { RouteClass } from '../config/routeClasses'

export const ACTIONS = ['allow', 'challenge', 'rate_limit', 'block'] as const
export type Action = (typeof ACTIONS)[number]
export const isAction = (v: unknown): v is Action => typeof v === 'string' && (ACTIONS as readonly string[]).includes(v)

/** Severity order, for "the strongest of several actions". */
export const ACTION_SEVERITY: Readonly<Record<Action, number>> = { allow: 0, challenge: 1, rate_limit: 2, block: 3 }

export const DECISION_SOURCES = ['deny_list', 'allow_list', 'rule', 'model', 'mode_off', 'fail_open', 'reserved'] as const
export type DecisionSource = (typeof DECISION_SOURCES)[number]

interface DecisionCommon {
  /** The decision's risk: the model's score plus matched rules' weights, clamped to 0–1. */
  readonly risk: number
  /** The model's own score, before any rule weight; null when no model could be used. */
  readonly modelRisk: number | null
  readonly mode: Mode
  readonly routeClass: RouteClass
  readonly wouldAction: Action
  readonly source: DecisionSource
  readonly reasons: readonly string[]
  readonly rules: readonly string[]
}

export type Decision =
  | (DecisionCommon & { readonly action: 'allow' })
  | (DecisionCommon & { readonly action: 'challenge'; readonly difficulty: number })
  | (DecisionCommon & { readonly action: 'rate_limit'; readonly retryAfterS: number })
  | (DecisionCommon & { readonly action: 'block' })

/** The decision for a request edgeward did not score: reserved paths, fail-open. */
export function unscoredDecision(source: 'fail_open' | 'reserved', mode: Mode): Decision {
  return { action: 'allow', wouldAction: 'allow', source, risk: 0, modelRisk: null, mode, routeClass: 'other', reasons: [], rules: [] }
}
