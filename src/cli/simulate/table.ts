// Human-readable results: takes family results, human friction and target checks, returns a
// Markdown table (printed to stderr, pasted into docs/simulation.md). Pure formatting.
import type { Family } from './catalog'
import type { FamilyResult, HumanFriction } from './report'
import type { TargetCheck } from './targets'

export const pct = (x: number | null, digits = 1): string => (x === null ? '—' : `${(x * 100).toFixed(digits)}%`)
const num = (x: number | null): string => (x === null ? '—' : String(x))
const secs = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`)

export function familyTable(results: Partial<Record<Family, FamilyResult>>): string {
  const head = '| family | sessions | requests | mitigated (requests) | blocked | sessions mitigated | attempt | attempts mitigated | first mitigation (family-wide) | per session: median / worst / never | time to detect |'
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |'
  const lines = (Object.entries(results) as Array<[Family, FamilyResult]>).map(([f, r]) => {
    if (r.sessions === 0) return `| ${f} | 0 | — | — | — | — | — | — | — | — | — |`
    const per = r.first_mitigation_per_session
    return `| ${f} | ${r.sessions} | ${r.requests} | ${pct(r.mitigated_share)} | ${pct(r.blocked_share)} | ${pct(r.session_mitigated_share)} | ${r.attempt_kind} | ${pct(r.attempts_mitigated_share)} | ${num(r.first_mitigation)} | ${num(per.median)} / ${num(per.max)} / ${per.never} | ${secs(r.time_to_detect_ms)} |`
  })
  return [head, rule, ...lines].join('\n')
}

export function humanLine(h: HumanFriction): string {
  return `humans: ${h.sessions} sessions, ${h.requests} requests · sessions with any challenge/block ${pct(h.session_friction, 2)} · requests blocked ${pct(h.request_block_rate, 3)} · requests mitigated ${pct(h.request_mitigated_rate, 3)}`
}

export function targetTable(checks: readonly TargetCheck[]): string {
  const fmt = (c: TargetCheck, v: number | null): string => (v === null ? '—' : c.limit < 1 ? pct(v, c.limit < 0.01 ? 3 : 1) : String(v))
  const rows = checks.map((c) => {
    const verdict = c.met === null ? 'not measured' : c.met ? 'met' : 'NOT met'
    return `| ${c.target} | ${c.comparison} ${fmt(c, c.limit)} | ${fmt(c, c.value)} | ${verdict} |`
  })
  return ['| target | limit | measured | verdict |', '| --- | ---: | ---: | --- |', ...rows].join('\n')
}
