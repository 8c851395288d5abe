// evaluateRules: takes the compiled rules and one request's rule context, returns which
// rules matched, the action they force (if any), their summed weight and any deny-list
// request. Pure and allocation-light; a missing value makes a comparison false.
import type { FeatureVector } from '../../features/list'
import { ACTION_SEVERITY, type Action } from '../decision'
import type { Expr, RuleVariable } from './ast'

export const DENY_TARGETS = ['client', 'ip', 'device', 'user_ip'] as const
export type DenyTargetChoice = (typeof DENY_TARGETS)[number]

export interface CompiledRule {
  readonly name: string
  readonly expr: Expr
  readonly action: Action | null
  readonly weight: number
  readonly priority: number
  /** When the rule blocks: put the source on the deny list for this long. */
  readonly denyTtlS: number | null
  readonly denyTarget: DenyTargetChoice
  /** `lift: device` in the config: a device's own clearance lifts this rule's challenge. */
  readonly liftByDevice: boolean
}

export interface RuleContext {
  readonly features: FeatureVector
  readonly vars: Readonly<Record<RuleVariable, number | string | boolean | null>>
}

export interface RuleOutcome {
  readonly matched: readonly string[]
  readonly action: Action | null
  /** The rule that chose the action. */
  readonly actionRule: CompiledRule | null
  readonly weight: number
}

type Value = number | string | boolean | null

function value(e: Expr, ctx: RuleContext): Value {
  switch (e.kind) {
    case 'literal':
      return e.value
    case 'missing':
      return null
    case 'feature': {
      const x = ctx.features[e.index]
      if (x === undefined || Number.isNaN(x)) return null
      return e.bool ? x === 1 : x
    }
    case 'var':
      return ctx.vars[e.name]
    case 'not':
      return !truthy(value(e.operand, ctx))
    case 'neg': {
      const x = value(e.operand, ctx)
      return typeof x === 'number' ? -x : null
    }
    case 'logic':
      return e.op === 'and'
        ? truthy(value(e.left, ctx)) && truthy(value(e.right, ctx))
        : truthy(value(e.left, ctx)) || truthy(value(e.right, ctx))
    case 'compare':
      return compare(e.op, value(e.left, ctx), value(e.right, ctx), e.left.kind === 'missing' || e.right.kind === 'missing')
    case 'arith': {
      const a = value(e.left, ctx)
      const b = value(e.right, ctx)
      if (typeof a !== 'number' || typeof b !== 'number') return null
      const r = e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : a / b
      return Number.isFinite(r) ? r : null
    }
    case 'in': {
      const x = value(e.needle, ctx)
      return x !== null && typeof x !== 'boolean' && e.list.includes(x)
    }
    case 'contains': {
      const x = value(e.haystack, ctx)
      return typeof x === 'string' && x.toLowerCase().includes(e.needle)
    }
  }
}

/** A missing bool reads as false in a condition. */
const truthy = (v: Value): boolean => v === true

function compare(op: string, a: Value, b: Value, againstMissing: boolean): boolean {
  if (againstMissing) return op === '==' ? a === b : op === '!=' ? a !== b : false
  if (a === null || b === null) return false
  switch (op) {
    case '==':
      return a === b
    case '!=':
      return a !== b
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '>':
      return a > b
    default:
      return a >= b
  }
}

export function ruleMatches(rule: CompiledRule, ctx: RuleContext): boolean {
  return truthy(value(rule.expr, ctx))
}

/** Rules are sorted by priority at load (lower first); the first action rule that matches wins, severity breaking ties. */
export function evaluateRules(rules: readonly CompiledRule[], ctx: RuleContext): RuleOutcome {
  const matched: string[] = []
  let actionRule: CompiledRule | null = null
  let weight = 0
  for (const rule of rules) {
    if (!ruleMatches(rule, ctx)) continue
    matched.push(rule.name)
    weight += rule.weight
    if (rule.action === null) continue
    if (
      actionRule === null ||
      rule.priority < actionRule.priority ||
      (rule.priority === actionRule.priority && ACTION_SEVERITY[rule.action] > ACTION_SEVERITY[actionRule.action as Action])
    ) {
      actionRule = rule
    }
  }
  return { matched, action: actionRule?.action ?? null, actionRule, weight }
}
