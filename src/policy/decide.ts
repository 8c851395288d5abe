// decide: takes the compiled config, the route class, list hits, the rule outcome and the
// model's score; returns the Decision and, when an attack is confirmed, what to put on the
// deny list. Order: deny list → allow list → rules → model thresholds → mode. No I/O.
import type { CompiledConfig } from '../config/compileConfig'
import { thresholdsFor } from '../config/compileConfig'
import { CREDENTIAL_CLASSES, type RouteClass } from '../config/routeClasses'
import type { Action, Decision, DecisionSource } from './decision'
import type { DenyTargetChoice, RuleOutcome } from './rules/evaluate'

export interface DecideInput {
  readonly config: CompiledConfig
  readonly routeClass: RouteClass
  /** e.g. `deny_ip`, `deny_device` — a deny-list hit; blocks before anything else. */
  readonly denyHit: string | null
  /** e.g. `allow_ip`, `verified_bot` — an allow-list hit. */
  readonly allowHit: string | null
  readonly rules: RuleOutcome
  /** The model's probability, or null when no model could be used. */
  readonly modelRisk: number | null
  readonly modelReasons: readonly string[]
  /** A valid clearance cookie (a solved challenge) turns a challenge into an allow. */
  readonly cleared: boolean
  /** The client's requests in the last minute, this one included (null: counters missing). */
  readonly clientRequests1m: number | null
  /** The request method (GET, POST, …); a form view is decided differently (see SAFE_METHODS). */
  readonly method: string
}

/**
 * A form view (GET or HEAD of a credential class): the model may block it (a confident score) but
 * never challenges it. A challenge there protects nothing — the attempt is the POST, decided on its
 * own — and a person whose browser runs no JavaScript cannot pass it. Rules still act.
 */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD'])

export interface DenyRequest {
  readonly target: DenyTargetChoice
  readonly ttlS: number
  readonly reason: string
}

export interface Verdict {
  readonly decision: Decision
  /** Set only in enforce mode, for a block that rules or the model confirmed. */
  readonly deny: DenyRequest | null
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1)

export function decide(input: DecideInput): Verdict {
  const { config, routeClass, rules } = input
  const mode = config.source.mode
  const risk = clamp01((input.modelRisk ?? 0) + rules.weight)
  let would: Action
  let source: DecisionSource
  let reasons: string[]
  let deny: DenyRequest | null = null

  if (input.denyHit !== null) {
    would = 'block'
    source = 'deny_list'
    reasons = [input.denyHit]
  } else if (input.allowHit !== null) {
    would = 'allow'
    source = 'allow_list'
    reasons = [input.allowHit]
  } else if (rules.action !== null && rules.actionRule !== null) {
    would = rules.action
    source = 'rule'
    reasons = [rules.actionRule.name, ...input.modelReasons]
    if (would === 'block' && rules.actionRule.denyTtlS !== null) {
      deny = { target: rules.actionRule.denyTarget, ttlS: rules.actionRule.denyTtlS, reason: `rule:${rules.actionRule.name}` }
    }
  } else {
    const t = thresholdsFor(config, routeClass)
    const formView = SAFE_METHODS.has(input.method) && CREDENTIAL_CLASSES.has(routeClass)
    would = risk >= t.block ? 'block' : risk >= t.challenge && !formView ? 'challenge' : 'allow'
    source = 'model'
    reasons = [...input.modelReasons]
    const confirm = config.source.deny_on_block
    // One request is never enough for the model alone to deny-list a client (a stray curl, a shared
    // address): it takes a confident score on a client that keeps going. Missing counters: no deny.
    const repeated = input.clientRequests1m !== null && input.clientRequests1m >= confirm.min_requests_1m
    if (would === 'block' && confirm.ttl_s > 0 && input.modelRisk !== null && input.modelRisk >= confirm.min_risk && repeated) {
      deny = { target: 'client', ttlS: confirm.ttl_s, reason: 'model' }
    }
  }
  if (would === 'challenge' && input.cleared) {
    would = 'allow'
    reasons = ['cleared', ...reasons]
  }

  const common = { risk, mode, routeClass, wouldAction: would, reasons, rules: rules.matched }
  // shadow: log what enforce would do, forward everything (deny-list hits included).
  if (mode === 'off') return { decision: { ...common, action: 'allow', source: 'mode_off' }, deny: null }
  if (mode === 'shadow') return { decision: { ...common, action: 'allow', source }, deny: null }
  switch (would) {
    case 'allow':
      return { decision: { ...common, action: 'allow', source }, deny: null }
    case 'challenge':
      return { decision: { ...common, action: 'challenge', source, difficulty: challengeDifficulty(risk) }, deny: null }
    case 'rate_limit':
      return { decision: { ...common, action: 'rate_limit', source, retryAfterS: config.source.rate_limit.retry_after_s }, deny: null }
    case 'block':
      return { decision: { ...common, action: 'block', source }, deny }
  }
}

/** Proof-of-work difficulty (leading zero bits) grows with risk: 12 … 20. */
export function challengeDifficulty(risk: number): number {
  return 12 + Math.round(clamp01(risk) * 8)
}

/**
 * The least difficulty a solved challenge must have to clear a request at this risk: its own
 * difficulty less 2 bits. Risk moves between the challenged request and the return (counters tick,
 * the device cookie arrives), and a person who has just solved one must not go round again for a
 * small drift; a rise of more than ~0.25 still asks for a new, harder puzzle.
 */
export function clearanceMinDifficulty(risk: number): number {
  return challengeDifficulty(risk) - CLEARANCE_SLACK_BITS
}
const CLEARANCE_SLACK_BITS = 2
