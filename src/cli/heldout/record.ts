// What `npm run heldout` writes: takes the runs (seed, command, the simulator's final JSON line)
// and returns the Markdown section appended to docs/heldout.md — every figure with its Wilson 95 %
// interval and each target's verdict on the bound; and reads the spent-seeds list. Pure.
import { causesText } from '../simulate/report'
import { tooFew, verdictText } from '../simulate/targets'

export interface HeldoutRun {
  readonly seed: number
  readonly command: string
  readonly exit: number
  readonly seconds: number
  /** The simulator's last stdout line, parsed; null when it did not print one. */
  readonly report: Record<string, unknown> | null
}

export interface HeldoutRecord {
  readonly date: string
  readonly commit: string
  readonly dirty: boolean
  readonly invocation: string
  readonly runs: readonly HeldoutRun[]
}

/** Seeds already spent: the first number on each line that is not a comment. */
export function parseSpent(text: string): Set<number> {
  const out = new Set<number>()
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\b/.exec(line)
    if (m !== null) out.add(Number(m[1]))
  }
  return out
}

type Ci = readonly [number, number] | null | undefined
const pct = (x: unknown, d = 1): string => (typeof x === 'number' ? `${(x * 100).toFixed(d)} %` : '—')
const withCi = (x: unknown, ci: Ci, d = 1): string => (typeof x === 'number' && ci ? `${pct(x, d)} [${(ci[0] * 100).toFixed(d)}–${(ci[1] * 100).toFixed(d)}]` : pct(x, d))

interface Fam { label?: number; sessions?: number; requests?: number; attempts?: number; attempts_mitigated_share?: number | null; attempts_mitigated_share_ci95?: Ci; session_mitigated_share?: number | null; session_mitigated_share_ci95?: Ci; mitigated_share?: number | null; mitigated_share_ci95?: Ci; first_mitigation?: number | null }
interface Target { target: string; value: number | null; ci95?: Ci; judged_on?: string; bound?: number | null; limit: number; comparison: string; met: boolean | null; n?: number; least_n?: number }

export function runSection(r: HeldoutRun): string {
  const head = `### seed ${r.seed}\n\n\`${r.command}\` — exit ${r.exit}, ${r.seconds} s\n`
  const j = r.report
  if (j === null) return `${head}\nNo report line: the run failed; its seed stays spent.\n`
  const humans = (j.humans ?? {}) as { sessions?: number; requests?: number; sessions_with_friction?: number; session_friction_ci95?: Ci; requests_blocked?: number; request_block_ci95?: Ci }
  const fams = (j.families ?? {}) as Record<string, Fam>
  const lines = [
    head,
    `People: ${humans.sessions ?? '—'} sessions, ${humans.sessions_with_friction ?? '—'} with any challenge or block = ${withCi(j.human_session_friction, humans.session_friction_ci95, 2)}; ${humans.requests_blocked ?? '—'} of ${humans.requests ?? '—'} requests blocked = ${withCi(j.human_request_block_rate, humans.request_block_ci95, 3)}.`,
    ...causesLine(j.human_friction_causes),
    ...stepUpLine(j),
    ...pacingLine(j),
    '',
    '| family | label | sessions | attempts | attempts mitigated [95 %] | sessions mitigated [95 %] | requests mitigated [95 %] | first mitigation |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...Object.entries(fams).map(([f, x]) => `| ${f} | ${x.label ?? '—'} | ${x.sessions ?? 0} | ${x.attempts ?? 0} | ${withCi(x.attempts_mitigated_share, x.attempts_mitigated_share_ci95)} | ${withCi(x.session_mitigated_share, x.session_mitigated_share_ci95)} | ${withCi(x.mitigated_share, x.mitigated_share_ci95)} | ${x.first_mitigation ?? '—'} |`),
  ]
  const allow = j.benign_automation_allow as { cohorts?: Record<string, { sessions: number; mitigated: number; friction: number | null; ci95: Ci }> } | undefined
  if (allow?.cohorts) {
    lines.push('', 'Benign automation by operator allow list: ' + Object.entries(allow.cohorts).map(([c, x]) => `${c} ${x.mitigated} of ${x.sessions} = ${withCi(x.friction, x.ci95)}`).join('; ') + '.')
  }
  lines.push(...crawlersLine(j.crawlers))
  const targets = (j.targets ?? []) as Target[]
  lines.push('', '| target | limit | measured [95 %] | judged on | verdict |', '| --- | ---: | ---: | ---: | --- |')
  for (const t of targets) {
    const rate = t.judged_on !== 'value'
    const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : rate ? pct(v, t.limit < 0.01 ? 3 : 1) : String(v))
    lines.push(`| ${t.target} | ${t.comparison} ${fmt(t.limit)} | ${rate ? withCi(t.value, t.ci95, t.limit < 0.01 ? 3 : 1) : fmt(t.value)} | ${t.judged_on ?? 'value'} ${rate ? fmt(t.bound) : ''} | ${verdictText(t)} |`)
  }
  const met = targets.filter((t) => t.met === true).length
  const small = targets.filter((t) => t.met === false && tooFew(t)).length
  lines.push('', `Targets met on the bound: ${met} of ${targets.length}${small === 0 ? '' : ` (${small} of the rest too few to judge: a perfect run of that size misses its bound)`}.`)
  return lines.join('\n') + '\n'
}

/**
 * People sent to the origin for step-up (`review`: a second factor, not a challenge or a block) —
 * reported beside friction, never inside it — with the share of sign-ins from a place the account
 * knew that the run assumed (returning_share).
 */
function stepUpLine(j: Record<string, unknown>): string[] {
  const humans = (j.humans ?? {}) as { sign_in_sessions?: number; sign_in_sessions_stepped_up?: number }
  if (typeof j.human_sign_in_step_up !== 'number' || humans.sign_in_sessions === undefined) return []
  const assumed = typeof j.returning_share === 'number' ? ` (the run drew ${pct(j.returning_share)} of people's sign-ins from a place their account knew)` : ''
  return ['', `Step-up (\`review\`, for the origin's second factor): ${humans.sign_in_sessions_stepped_up ?? '—'} of ${humans.sign_in_sessions} people who signed in = ${withCi(j.human_sign_in_step_up, j.human_sign_in_step_up_ci95 as Ci)}${assumed}.`]
}

/**
 * How loaded the local server was (simulate's run.pacing): a run whose requests queued in the
 * simulator longer than the server took measured a backlog — families paced by their answers made
 * fewer attempts than planned — and the section says so next to its figures.
 */
function pacingLine(j: Record<string, unknown>): string[] {
  const p = ((j.run ?? {}) as { pacing?: { server_ms_p50?: number | null; server_ms_p95?: number | null; queued_ms_p50?: number | null; queued_ms_p95?: number | null; saturated?: boolean } }).pacing
  if (p === undefined) return []
  const verdict = p.saturated ? '**saturated**: the run offered more than the local server answers, so families paced by their answers made fewer attempts than planned' : 'not saturated'
  return ['', `Server load: a request took ${p.server_ms_p50 ?? '—'} ms at the median (p95 ${p.server_ms_p95 ?? '—'}) and waited ${p.queued_ms_p50 ?? '—'} ms (p95 ${p.queued_ms_p95 ?? '—'}) in the simulator's queue first — ${verdict}.`]
}

/** Declared crawlers (simulate's `crawlers`): each verified category against its policy, and the spoofers. */
function crawlersLine(c: unknown): string[] {
  const x = c as { verified?: Record<string, { policy: string; requests: number; as_policy: number }>; spoofed?: { requests: number; mitigated_share: number | null; mitigated_share_ci95: Ci } } | null | undefined
  if (x?.verified === undefined || x.spoofed === undefined) return []
  const verified = Object.entries(x.verified).map(([category, v]) => `${category} ${v.as_policy} of ${v.requests} requests as its policy (${v.policy})`).join('; ')
  return ['', `Declared crawlers, verified: ${verified}. Spoofed: ${x.spoofed.requests} requests, mitigated ${withCi(x.spoofed.mitigated_share, x.spoofed.mitigated_share_ci95)}.`]
}

/** What first hurt the people who were hurt, when the run says (simulate's human_friction_causes). */
function causesLine(causes: unknown): string[] {
  if (!Array.isArray(causes) || causes.length === 0) return []
  const items = causes.filter((c): c is { cause: string; sessions: number } => typeof c?.cause === 'string' && typeof c?.sessions === 'number')
  return items.length === 0 ? [] : ['', `What first hurt them: ${causesText(items)}.`]
}

/** The section's head, written before any run: the seeds are on record even if no run ends. */
export function heldoutHeader(rec: Omit<HeldoutRecord, 'runs'> & { readonly seeds: readonly number[] }): string {
  const title = `## ${rec.date.slice(0, 16).replace('T', ' ')} UTC · commit ${rec.commit.slice(0, 12)}${rec.dirty ? ' · DIRTY TREE (a trial, not a headline)' : ''}`
  return `\n${title}\n\n\`${rec.invocation}\` — seeds ${rec.seeds.join(', ')} (fresh, crypto random, now spent). A seed with no section below was stopped before it ended.\n`
}

export function heldoutSection(rec: HeldoutRecord): string {
  return `${heldoutHeader({ ...rec, seeds: rec.runs.map((r) => r.seed) })}\n${rec.runs.map(runSection).join('\n')}`
}
