// compileRules: takes the config's rule entries, returns compiled rules sorted by
// priority, or every problem with its path and position ("rules[2].when: … at position 14").
// Runs once at config load.
import type { RuleConfig } from '../../config/schema'
import type { CompiledRule } from './evaluate'
import { parseRule } from './parse'

export function compileRules(rules: readonly RuleConfig[]): { rules: CompiledRule[]; problems: string[] } {
  const out: CompiledRule[] = []
  const problems: string[] = []
  const names = new Set<string>()
  rules.forEach((r, i) => {
    const at = `rules[${i}]`
    if (names.has(r.name)) problems.push(`${at}.name: duplicate rule name "${r.name}"`)
    names.add(r.name)
    if (r.action === undefined && r.weight === undefined) problems.push(`${at}: rule "${r.name}" needs an action or a weight`)
    if (r.deny_ttl_s !== undefined && r.action !== 'block') problems.push(`${at}.deny_ttl_s: only a block rule can deny-list its source`)
    const parsed = parseRule(r.when)
    if (!parsed.ok) {
      problems.push(`${at}.when: rule "${r.name}": ${parsed.detail ?? parsed.reason}`)
      return
    }
    out.push({
      name: r.name,
      expr: parsed.value,
      action: r.action ?? null,
      weight: r.weight ?? 0,
      priority: r.priority,
      denyTtlS: r.deny_ttl_s ?? null,
      denyTarget: r.deny_target ?? 'client',
      liftByDevice: r.lift === 'device',
    })
  })
  out.sort((a, b) => a.priority - b.priority)
  return { rules: out, problems }
}
