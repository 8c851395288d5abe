// Human-readable results: takes family results, human friction and target checks, returns a
// Markdown table (printed to stderr, pasted into docs/simulation.md). Every share is printed with
// its Wilson 95 % interval. Pure formatting.
import type { Family } from './catalog'
import type { FamilyResult, HumanFriction } from './report'
import { verdictText, type TargetCheck } from './targets'
import type { Interval } from '../../util/wilson'

export const pct = (x: number | null, digits = 1): string => (x === null ? '—' : `${(x * 100).toFixed(digits)}%`)
/** "12.5% [8.1–18.0]": a share and its 95 % interval. */
export const pctCi = (x: number | null, ci: Interval | null, digits = 1): string =>
  x === null || ci === null ? '—' : `${pct(x, digits)} [${(ci[0] * 100).toFixed(digits)}–${(ci[1] * 100).toFixed(digits)}]`
const num = (x: number | null): string => (x === null ? '—' : String(x))
const secs = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`)

export function familyTable(results: Partial<Record<Family, FamilyResult>>): string {
  const head = '| family | sessions | requests | mitigated (requests) [95 %] | blocked [95 %] | sessions mitigated [95 %] | attempt | attempts mitigated [95 %] | first mitigation (family-wide) | per session: median / worst / never | time to detect |'
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |'
  const lines = (Object.entries(results) as Array<[Family, FamilyResult]>).map(([f, r]) => {
    if (r.sessions === 0) return `| ${f} | 0 | — | — | — | — | — | — | — | — | — |`
    const per = r.first_mitigation_per_session
    return `| ${f} | ${r.sessions} | ${r.requests} | ${pctCi(r.mitigated_share, r.mitigated_share_ci95)} | ${pctCi(r.blocked_share, r.blocked_share_ci95)} | ${pctCi(r.session_mitigated_share, r.session_mitigated_share_ci95)} | ${r.attempt_kind} | ${pctCi(r.attempts_mitigated_share, r.attempts_mitigated_share_ci95)}${stepUps(r)} | ${num(r.first_mitigation)} | ${num(per.median)} / ${num(per.max)} / ${per.never} | ${secs(r.time_to_detect_ms)} |`
  })
  return [head, rule, ...lines].join('\n')
}

/** Attempts that met a step-up: for an attack family part of its figure, for a legitimate one not in it. */
const stepUps = (r: FamilyResult): string => (r.attempts_stepped_up > 0 ? ` (${r.attempts_stepped_up} step-up)` : '')

export function humanLine(h: HumanFriction): string {
  return `humans: ${h.sessions} sessions, ${h.requests} requests · sessions with any challenge/block ${h.sessions_with_friction} = ${pctCi(h.session_friction, h.session_friction_ci95, 2)} · requests blocked ${h.requests_blocked} = ${pctCi(h.request_block_rate, h.request_block_ci95, 3)} · requests mitigated ${pctCi(h.request_mitigated_rate, h.request_mitigated_ci95, 3)}` +
    ` · stepped up (review: a second factor, not friction) ${h.sessions_stepped_up} sessions = ${pctCi(h.session_step_up, h.session_step_up_ci95, 2)}, ${h.sign_in_sessions_stepped_up} of ${h.sign_in_sessions} sign-in sessions = ${pctCi(h.sign_in_step_up, h.sign_in_step_up_ci95, 2)}`
}

export function targetTable(checks: readonly TargetCheck[]): string {
  const fmt = (c: TargetCheck, v: number | null): string => (v === null ? '—' : c.judged_on === 'value' ? String(v) : pct(v, c.limit < 0.01 ? 3 : 1))
  const rows = checks.map((c) => {
    const verdict = verdictText(c)
    const measured = c.judged_on === 'value' ? fmt(c, c.value) : pctCi(c.value, c.ci95, c.limit < 0.01 ? 3 : 1)
    return `| ${c.target} | ${c.comparison} ${fmt(c, c.limit)} | ${measured} | ${c.judged_on === 'value' ? 'value' : `${c.judged_on} = ${fmt(c, c.bound)}`} | ${verdict} |`
  })
  return ['| target | limit | measured [95 %] | judged on | verdict |', '| --- | ---: | ---: | ---: | --- |', ...rows].join('\n')
}
