// The Decision: what the pipeline concluded for one request. A discriminated union on
// `action` (the action taken); in shadow or off mode the action is `allow` and
// `wouldAction` keeps what enforce mode would have done.
import type { Mode } from '../config/schema'
import type { RouteClass } from '../config/routeClasses'

/**
 * `review`: forwarded like an allow, with `x-edgeward-action: review` and the reasons, so the origin
 * can ask for a second factor (step-up): what a person with a working password passes and a human
 * fraudster with a stolen one does not. The client sees no mitigation.
 */
export const ACTIONS = ['allow', 'review', 'challenge', 'rate_limit', 'block'] as const
export type Action = (typeof ACTIONS)[number]
export const isAction = (v: unknown): v is Action => typeof v === 'string' && (ACTIONS as readonly string[]).includes(v)

/** Severity order, for "the strongest of several actions". */
export const ACTION_SEVERITY: Readonly<Record<Action, number>> = { allow: 0, review: 1, challenge: 2, rate_limit: 3, block: 4 }

/** Forwarded to the origin: allow, and review (the origin is told to step up). */
export const isForwarded = (a: Action): a is 'allow' | 'review' => a === 'allow' || a === 'review'

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
  | (DecisionCommon & { readonly action: 'review' })
  | (DecisionCommon & { readonly action: 'challenge'; readonly difficulty: number })
  | (DecisionCommon & { readonly action: 'rate_limit'; readonly retryAfterS: number })
  | (DecisionCommon & { readonly action: 'block' })

/** A decision the Worker answers itself (block, challenge, rate limit): never forwarded. */
export type MitigatingDecision = Exclude<Decision, { action: 'allow' | 'review' }>

/** The decision for a request edgeward did not score: reserved paths, fail-open. */
export function unscoredDecision(source: 'fail_open' | 'reserved', mode: Mode): Decision {
  return { action: 'allow', wouldAction: 'allow', source, risk: 0, modelRisk: null, mode, routeClass: 'other', reasons: [], rules: [] }
}
