// decide: takes the compiled config, the route class, list hits and the score; returns
// the Decision. Order: deny list → allow list → score thresholds → mode. Must not do
// I/O or read a clock.
import type { CompiledConfig } from '../config/compileConfig'
import { thresholdsFor } from '../config/compileConfig'
import type { RouteClass } from '../config/routeClasses'
import type { Action, Decision, DecisionSource } from './decision'

export interface DecideInput {
  readonly config: CompiledConfig
  readonly routeClass: RouteClass
  readonly denyHit: string | null
  readonly allowHit: string | null
  readonly risk: number
  readonly reasons: readonly string[]
  readonly rules: readonly string[]
  /** An action forced by a rule, if any (strongest wins). */
  readonly ruleAction: Action | null
}

export function decide(input: DecideInput): Decision {
  const { config, routeClass, risk } = input
  const mode = config.source.mode
  let would: Action
  let source: DecisionSource
  const reasons = [...input.reasons]
  if (input.denyHit !== null) {
    would = 'block'
    source = 'deny_list'
    reasons.unshift(input.denyHit)
  } else if (input.allowHit !== null) {
    would = 'allow'
    source = 'allow_list'
    reasons.unshift(input.allowHit)
  } else if (input.ruleAction !== null) {
    would = input.ruleAction
    source = 'rule'
  } else {
    const t = thresholdsFor(config, routeClass)
    would = risk >= t.block ? 'block' : risk >= t.challenge ? 'challenge' : 'allow'
    source = 'model'
  }
  const common = { risk, mode, routeClass, wouldAction: would, reasons, rules: input.rules }
  // shadow: log what enforce would do, forward everything (deny-list hits included).
  if (mode === 'off') return { ...common, action: 'allow', source: 'mode_off' }
  if (mode === 'shadow') return { ...common, action: 'allow', source }
  switch (would) {
    case 'allow':
      return { ...common, action: 'allow', source }
    case 'challenge':
      return { ...common, action: 'challenge', source, difficulty: challengeDifficulty(risk) }
    case 'rate_limit':
      return { ...common, action: 'rate_limit', source, retryAfterS: config.source.rate_limit.retry_after_s }
    case 'block':
      return { ...common, action: 'block', source }
  }
}

/** Proof-of-work difficulty (leading zero bits) grows with risk: 12 … 20. */
export function challengeDifficulty(risk: number): number {
  const r = Number.isFinite(risk) ? Math.min(1, Math.max(0, risk)) : 1
  return 12 + Math.round(r * 8)
}
