// The console's dry run: takes a candidate config (compiled), the config in force, an optional
// candidate model and the sampled decision lines; re-decides every line it can with the candidate —
// the same rule evaluator and decide() the Worker uses — and returns how the verdicts would move.
// Pure: no I/O, no clock. A line is re-decided only when what it keeps settles the verdict: the
// facts a rule or decide() needs and the line does not keep (counters, credentials, fetch kind, …)
// are either shown not to matter or the line is counted as "could not be re-decided", with why.
import { cidrSetHas, parseIp } from '../config/cidr'
import type { CompiledConfig } from '../config/compileConfig'
import { CREDENTIAL_CLASSES, isRouteClass, type RouteClass } from '../config/routeClasses'
import { FEATURES, FEATURE_INDEX, vectorFromLogged, type FeatureVector } from '../features/list'
import type { CompiledModel } from '../model'
import { explain } from '../model/explain'
import { predict } from '../model/predict'
import { decide, type DecideInput } from '../policy/decide'
import { ACTIONS, type Action } from '../policy/decision'
import type { Expr, RuleVariable } from '../policy/rules/ast'
import { claimsCrawler, MAX_RULE_UA } from '../policy/rules/context'
import { evaluateRules, ruleMatches, type CompiledRule, type RuleContext } from '../policy/rules/evaluate'
import { normalisePath } from '../signals/path'
import type { FetchKind } from '../signals/fetchKind'
import { MAX_SAMPLE_PATH, MAX_UA_CHARS, type SampleLine } from './batch'

/** Example lines a dry run shows at most. */
export const DRYRUN_EXAMPLES = 20

/** Why a line was not re-decided (each counted). */
export const NOT_REDECIDED = {
  no_features: 'the line kept no features (log.features off, or a reserved path)',
  no_source: 'the line does not say what decided it (kept before the dry run existed)',
  listed: 'decided by a list, a signed agent or a crawler policy, not by the rules and the model',
  no_model_score: 'the candidate model could not score it (no model, or the line lacks a feature it needs)',
  rule_facts: 'a new or changed rule reads a fact the line does not keep',
  unreproduced: 'its logged verdict could not be reproduced from what the line keeps',
  ambiguous: 'the candidate verdict depends on facts the line does not keep (fetch kind, crowd, owed challenge, own-signals score)',
  budget: 'not reached: the dry run stopped at its work limit (a large candidate × the sample; the newest lines went first)',
} as const
export type NotRedecided = keyof typeof NOT_REDECIDED

export interface DryRunExample {
  readonly ref: string
  readonly route: string
  readonly method: string
  readonly host: string
  readonly path: string
  readonly ua: string
  readonly from: string
  readonly to: Action
  readonly reasons: readonly string[]
}

export interface DryRunResult {
  readonly lines: number
  readonly withFeatures: number
  readonly redecided: number
  readonly flips: number
  readonly notRedecided: Readonly<Record<NotRedecided, number>>
  /** Verdicts (what enforce would do) as logged → under the candidate: matrix[from][to]. */
  readonly matrix: Readonly<Record<string, Readonly<Record<string, number>>>>
  /** Per route class: lines re-decided and how many flipped, most flips first. */
  readonly perRoute: readonly { readonly route: string; readonly redecided: number; readonly flips: number }[]
  readonly examples: readonly DryRunExample[]
  /** Lines the candidate's model re-scored (its model is not the one that scored them). */
  readonly rescored: number
}

export interface DryRunInput {
  readonly candidate: CompiledConfig
  /** The config in force: lines logged under its version have their rules' outcomes and verdicts checked against it. */
  readonly inForce: CompiledConfig
  /** The candidate's model; null: none could be loaded (lines are then re-decided on their logged score only if their model is the candidate's). */
  readonly model: CompiledModel | null
  /** The name the candidate's model logs under (its version), to tell "as logged" from "re-scored". */
  readonly modelVersion: string
  readonly lines: readonly SampleLine[]
  /** Work units the run may spend (DRYRUN_BUDGET when not given); lines past it are counted as `budget`. */
  readonly budget?: number
}

/**
 * The work a dry run may do, in units of 6–13 ns of CPU (Node 22 on this project's 2-core box): a
 * rule-expression node evaluated is one, a decide() call DECIDE_UNITS, a step of splitting a condition
 * into the parts a line settles TRUTH_UNITS. It runs on a console request inside a Worker, whose CPU
 * time is limited and whose isolate serves the zone's traffic meanwhile: the whole is 1–2 s. A full
 * sample of 2,000 cookie-less sign-in form views (the most ways to try per line) under the bundled
 * rules takes a tenth of it; 200 conditions of 2,000 characters that each turn on a counter first
 * would take about 20 s over 2,000 lines without it.
 */
export const DRYRUN_BUDGET = 150_000_000
const DECIDE_UNITS = 30
const TRUTH_UNITS = 25

// ---------------------------------------------------------------------------------------------
// What a line keeps, as rule facts: a variable is known, or the rule cannot be settled on it.

/** Rule variables a sample line keeps exactly. The rest (counters, credentials, device, session, …) it does not. */
type Known = Partial<Record<RuleVariable, number | string | boolean | null>>

function knownVars(s: SampleLine, route: RouteClass, risk: number | null): Known {
  const known: Known = { route, method: s.method, country: s.country, asn: s.asn, risk, agent: s.agent, agent_verified: s.agent !== null }
  // Capped copies are no longer the request's: a path or User-Agent at the cap may have been cut.
  if (s.path.length < MAX_SAMPLE_PATH) known.path = normalisePath(s.path)
  if (s.ua.length < MAX_UA_CHARS) {
    known.ua = s.ua === '' ? null : s.ua.slice(0, MAX_RULE_UA)
    known.ua_truncated = false
    known.ua_crawler = claimsCrawler(s.ua === '' ? null : s.ua)
  }
  if (s.app !== undefined) {
    known.app = s.app
    known.app_token = s.app !== null
  }
  return known
}

/**
 * Features a rule may read from the line: the logged vector is what the model scored, which for
 * journey, device and behavioural features may be a view of the observed one (src/features/modelView.ts,
 * noDeviceView). The request's own header and network features are the same in both.
 */
const RULE_SAFE_FEATURES: ReadonlySet<string> = new Set(FEATURES.filter((f) => f.family === 'request' || f.family === 'environmental').map((f) => f.name))

/** What an expression reads: the variables, and whether a feature a rule may not take from the line. */
interface Reads {
  readonly vars: readonly string[]
  readonly unsafeFeature: boolean
  /** Nodes in it: the work of evaluating it. */
  readonly size: number
}
const readsMemo = new WeakMap<Expr, Reads>()

/** Computed once per node (bottom up) and kept with the compiled expression: checking a node is then not a walk of it. */
function readsOf(e: Expr): Reads {
  const hit = readsMemo.get(e)
  if (hit !== undefined) return hit
  const parts: Expr[] =
    e.kind === 'not' || e.kind === 'neg' ? [e.operand]
      : e.kind === 'logic' || e.kind === 'compare' || e.kind === 'arith' ? [e.left, e.right]
        : e.kind === 'in' ? [e.needle]
          : e.kind === 'contains' ? [e.haystack]
            : []
  const vars = new Set<string>(e.kind === 'var' ? [e.name] : [])
  let unsafeFeature = e.kind === 'feature' && !RULE_SAFE_FEATURES.has(e.name)
  let size = 1
  for (const p of parts) {
    const r = readsOf(p)
    for (const v of r.vars) vars.add(v)
    unsafeFeature ||= r.unsafeFeature
    size += r.size
  }
  const out: Reads = { vars: [...vars], unsafeFeature, size }
  readsMemo.set(e, out)
  return out
}

/** Whether an expression reads only what the line keeps. */
function settled(e: Expr, known: Known): boolean {
  const r = readsOf(e)
  return !r.unsafeFeature && r.vars.every((v) => Object.hasOwn(known, v))
}

/**
 * A condition's truth from what the line keeps: true, false, or null (it turns on a fact the line
 * lacks). A part that reads only kept facts is evaluated by the Worker's own evaluator (ruleMatches);
 * `and`, `or` and `not` combine the parts (a false conjunct settles an `and` whatever the rest).
 */
function truthOf(e: Expr, known: Known, ctx: RuleContext, probe: { expr: Expr } & CompiledRule, meter: Meter): boolean | null {
  meter.left -= TRUTH_UNITS
  if (settled(e, known)) {
    meter.left -= readsOf(e).size
    probe.expr = e // one rule object per rule, its condition swapped per part: no copy per part
    return ruleMatches(probe, ctx)
  }
  if (e.kind === 'logic') {
    const a = truthOf(e.left, known, ctx, probe, meter)
    const b = truthOf(e.right, known, ctx, probe, meter)
    if (e.op === 'and') return a === false || b === false ? false : a === true && b === true ? true : null
    return a === true || b === true ? true : a === false && b === false ? false : null
  }
  if (e.kind === 'not') {
    const a = truthOf(e.operand, known, ctx, probe, meter)
    return a === null ? null : !a
  }
  return null
}

const ALWAYS: Expr = { kind: 'literal', value: true }

/**
 * The candidate's rule outcome for a line, through the Worker's evaluateRules: each rule is settled
 * (its logged match when the same rule, by name and condition, ran under the config in force; else
 * its condition over what the line keeps), the matched ones evaluated as `true`. Null: a rule that
 * acts or weighs turns on a fact the line lacks.
 */
function candidateRules(s: SampleLine, c: CompiledConfig, unchanged: ReadonlySet<string> | null, known: Known, features: FeatureVector, rescored: boolean, meter: Meter) {
  const ctx: RuleContext = { features, vars: known as RuleContext['vars'] }
  const loggedComplete = s.rules.length < 16 // the sample keeps 16 rule names at most
  const matched: CompiledRule[] = []
  for (const rule of c.rules) {
    const reads = readsOf(rule.expr)
    // A logged match was made with the logged score: re-scored, a rule that reads `risk` is evaluated again.
    const same = unchanged?.has(rule.name) === true && !(rescored && reads.vars.includes('risk'))
    meter.left -= 1
    let hit: boolean | null = same && (loggedComplete || s.rules.includes(rule.name)) ? s.rules.includes(rule.name) : truthOf(rule.expr, known, ctx, { ...rule }, meter)
    if (hit === null && rule.action === null && rule.weight === 0) hit = false // a tag only: it changes no verdict
    if (hit === null) return null
    if (hit) matched.push({ ...rule, expr: ALWAYS })
  }
  return evaluateRules(matched, ctx)
}

/** The names of `a`'s rules that `b` has with the same condition. */
function sameRules(a: CompiledConfig, b: CompiledConfig): ReadonlySet<string> {
  const there = new Map(b.source.rules.map((r) => [r.name, r.when]))
  return new Set(a.source.rules.filter((r) => there.get(r.name) === r.when).map((r) => r.name))
}
const unchangedMemo = new WeakMap<CompiledConfig, WeakMap<CompiledConfig, ReadonlySet<string>>>()
function unchangedRules(a: CompiledConfig, b: CompiledConfig): ReadonlySet<string> {
  let inner = unchangedMemo.get(a)
  if (inner === undefined) unchangedMemo.set(a, (inner = new WeakMap()))
  let set = inner.get(b)
  if (set === undefined) inner.set(b, (set = sameRules(a, b)))
  return set
}

// ---------------------------------------------------------------------------------------------
// decide() inputs a line does not keep: every value they could have had is tried.

interface Unknowns {
  readonly fetchKind: FetchKind
  readonly challengeOwed: boolean
  readonly challengesIgnored: boolean
  readonly crowd: boolean
  readonly ownSignalsRisk: number | null
  readonly firstSignup: boolean
  /** A credential attempt is judged as a POST whatever its method (GET /login?password=…): the line does not say which it was. */
  readonly method: string
}

/**
 * Own-signals scores worth trying: decide() compares it (plus the rules' weight) with the challenge and
 * block thresholds only, so one value on and one just under each threshold of either config, and the
 * extremes, cover every verdict it could lead to.
 */
function ownRiskValues(route: RouteClass, weights: readonly number[], configs: readonly CompiledConfig[]): (number | null)[] {
  const out = new Set<number | null>([null, -1, 2])
  for (const c of configs) {
    const t = c.source.thresholds[route] ?? c.source.thresholds.default
    for (const w of weights) for (const x of [t.challenge, t.block]) out.add(x - w).add(x - w - 1e-6)
  }
  return [...out]
}

/**
 * Only a browser without a device cookie (and no app token) is judged on its own signals or as a first
 * sign-up (worker/evaluate.ts). The logged vector shows a valid cookie as neither missing nor invalid —
 * even the no-device view shows a new device as missing — so a line with a cookie tries neither.
 */
function deviceless(s: SampleLine, f: Readonly<Record<string, number>>): boolean {
  return !(f.cookie_missing === 0 && f.cookie_invalid === 0) && f.ua_claims_browser !== 0 && (s.app ?? null) === null
}

function* unknowns(s: SampleLine, route: RouteClass, own: readonly (number | null)[], browser: boolean): Generator<Unknowns> {
  // Some are on the line: a logged owed challenge, a sub-resource's challenge turned into a block.
  const owed = s.reasons.includes('challenge_owed') ? [true] : [false, true]
  // An address that ignored its challenges marks a page read it challenged; one the model challenged
  // anyway carries no mark, so a page read (not an app's) tries both.
  const pageRead = s.method === 'GET' || s.method === 'HEAD'
  const ignored = s.reasons.includes('challenges_ignored') ? [true] : pageRead && (s.app ?? null) === null ? [false, true] : [false]
  const kinds: FetchKind[] = s.reasons.includes('subresource_challenge') ? ['subresource'] : ['navigation', 'subresource']
  const signup = browser && route === 'signup' && s.method === 'POST' ? [false, true] : [false]
  if (!browser) own = [null]
  const methods = CREDENTIAL_CLASSES.has(route) && s.method !== 'POST' ? [s.method, 'POST'] : [s.method]
  // A crowd is a shared address, and on one the logged vector never has the address's sign-ups
  // (src/features/modelView.ts blanks them in every view): a line that has them was no crowd.
  const crowds = Number.isFinite(s.features?.ip_signups_1h) ? [false] : [false, true]
  for (const method of methods) for (const fetchKind of kinds) for (const challengeOwed of owed) for (const challengesIgnored of ignored) for (const crowd of crowds) for (const ownSignalsRisk of own) for (const firstSignup of signup) yield { method, fetchKind, challengeOwed, challengesIgnored, crowd, ownSignalsRisk, firstSignup }
}

const LISTED_SOURCES: ReadonlySet<string> = new Set(['deny_list', 'allow_list'])
/** Reasons decide() gives a verdict it took before the rules and the model (a list, a listed agent, a crawler policy). */
const LIST_REASONS = /^(deny_[a-z_]+|allow_(ip|asn)|agent_(allow|block|rate_limit)|crawler_(allow|block|rate_limit|charge|charged)|robots_disallowed|verified_bot)$/

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** Reasons decide() adds for the inputs a line does not keep: the replay must show the same ones. */
const MARKS = ['challenge_owed', 'challenges_ignored', 'review', 'subresource_challenge'] as const

type LineOutcome = { ok: true; to: Action; reasons: readonly string[]; rescored: boolean } | { ok: false; why: NotRedecided }

/** Work left to a dry run (units of DRYRUN_BUDGET); each line charges what it did. */
export interface Meter {
  left: number
}

/** One line under the candidate, or why it cannot be. */
export function redecideLine(s: SampleLine, input: DryRunInput, meter: Meter = { left: Number.POSITIVE_INFINITY }): LineOutcome {
  if (s.features === null || s.features === undefined) return { ok: false, why: 'no_features' }
  if (!isRouteClass(s.route)) return { ok: false, why: 'no_features' }
  const route = s.route
  if (s.source === undefined) return { ok: false, why: 'no_source' }
  if (LISTED_SOURCES.has(s.source) || s.reasons.some((r) => LIST_REASONS.test(r))) return { ok: false, why: 'listed' }
  const { candidate, inForce } = input
  const vec = vectorFromLogged(s.features)
  // The model's score: the line's own when the candidate's model is the one that scored it, else re-scored
  // on the logged vector (the very vector that model scored, src/log/logLine.ts).
  let modelRisk: number | null
  let modelReasons: string[]
  let rescored = false
  if (s.model === input.modelVersion) {
    modelRisk = s.model_risk
    modelReasons = s.reasons.filter((r) => Object.hasOwn(FEATURE_INDEX, r))
  } else {
    if (input.model === null) return { ok: false, why: 'no_model_score' }
    modelRisk = predict(input.model, vec)
    modelReasons = explain(input.model, vec, 3, 'positive').map((r) => r.feature)
    rescored = true
  }
  // The config's own lists: an address or network the candidate allows or denies is decided before any rule.
  const ip = wholeIp(s.ip)
  if (ip === undefined && !sameIpLists(candidate, inForce) && candidate.allowIps.size + candidate.denyIps.size > 0) return { ok: false, why: 'listed' }
  const lists = (c: CompiledConfig) => ({
    denyHit: cidrSetHas(c.denyIps, ip) ? 'deny_ip' : s.asn !== null && c.denyAsns.has(s.asn) ? 'deny_asn' : null,
    allowHit: cidrSetHas(c.allowIps, ip) ? 'allow_ip' : s.asn !== null && c.allowAsns.has(s.asn) ? 'allow_asn' : null,
  })
  // Lines logged under the config in force are checked against it: a verdict it cannot reproduce
  // depended on something the line lacks, and the candidate's would too.
  const replay = s.config === inForce.version ? inForce : null
  const known = knownVars(s, route, modelRisk)
  const rules = candidateRules(s, candidate, replay === null ? null : unchangedRules(candidate, replay), known, vec, rescored, meter)
  if (rules === null) return { ok: false, why: 'rule_facts' }
  const oldRules = replay === null ? null : candidateRules(s, replay, unchangedRules(replay, replay), { ...known, risk: s.model_risk }, vec, false, meter)
  const base = {
    routeClass: route,
    cleared: s.reasons.includes('cleared'),
    clientRequests1m: Number.isFinite(s.features.device_requests_1m) ? (s.features.device_requests_1m as number) : null,
    app: s.app ?? null,
  }
  // One input per config, its unknowns set in place per try: a dry run makes hundreds of thousands of calls.
  const nowIn: Mutable<DecideInput> = { ...base, ...lists(candidate), config: candidate, rules, modelRisk, modelReasons, method: s.method, fetchKind: 'navigation', challengeOwed: false }
  const wasIn: Mutable<DecideInput> | null = replay === null || oldRules === null ? null : { ...base, ...lists(replay), config: replay, rules: oldRules, modelRisk: s.model_risk, modelReasons, method: s.method, fetchKind: 'navigation', challengeOwed: false }
  const own = ownRiskValues(route, [rules.weight, oldRules?.weight ?? 0], replay === null ? [candidate] : [candidate, replay])
  let verdict: { to: Action; reasons: readonly string[] } | null = null
  let consistent = 0
  for (const u of unknowns(s, route, own, deviceless(s, s.features))) {
    meter.left -= wasIn === null ? DECIDE_UNITS : 2 * DECIDE_UNITS
    if (wasIn !== null) {
      const was = decide(Object.assign(wasIn, u))
      // Not how this request was: another verdict, or a guardrail's mark the line has not (or lacks one it has).
      if (was.decision.wouldAction !== s.would_action || MARKS.some((m) => was.decision.reasons.includes(m) !== s.reasons.includes(m))) continue
    }
    consistent++
    const now = decide(Object.assign(nowIn, u))
    if (verdict === null) verdict = { to: now.decision.wouldAction, reasons: now.decision.reasons }
    else if (verdict.to !== now.decision.wouldAction) return { ok: false, why: 'ambiguous' }
  }
  if (consistent === 0 || verdict === null) return { ok: false, why: 'unreproduced' }
  return { ok: true, to: verdict.to, reasons: verdict.reasons, rescored }
}

/** The line's address when the log keeps it whole (log.ip: full): a keyed hash or a /24 is no address to match. */
function wholeIp(ip: string): ReturnType<typeof parseIp> {
  if (ip.includes('/') || !(/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.includes(':'))) return undefined
  return parseIp(ip)
}

function sameIpLists(a: CompiledConfig, b: CompiledConfig): boolean {
  const key = (c: CompiledConfig) => JSON.stringify([c.source.allow.ips, c.source.deny.ips])
  return key(a) === key(b)
}

/** The whole sample under the candidate. */
export function dryRun(input: DryRunInput): DryRunResult {
  const notRedecided = Object.fromEntries(Object.keys(NOT_REDECIDED).map((k) => [k, 0])) as Record<NotRedecided, number>
  const matrix: Record<string, Record<string, number>> = {}
  const perRoute = new Map<string, { route: string; redecided: number; flips: number }>()
  const examples: DryRunExample[] = []
  let withFeatures = 0
  let redecided = 0
  let flips = 0
  let rescored = 0
  // Newest first, so the examples are the most recent flips.
  const lines = [...input.lines].sort((a, b) => b.at - a.at)
  // Checked between lines: one line's work is bounded by the config's own limits (200 rules of 2,000 characters).
  const meter: Meter = { left: input.budget ?? DRYRUN_BUDGET }
  for (const s of lines) {
    if (s.features != null) withFeatures++
    if (meter.left <= 0) {
      notRedecided.budget++
      continue
    }
    const r = redecideLine(s, input, meter)
    if (!r.ok) {
      notRedecided[r.why]++
      continue
    }
    redecided++
    if (r.rescored) rescored++
    const row = (matrix[s.would_action] ??= {})
    row[r.to] = (row[r.to] ?? 0) + 1
    let per = perRoute.get(s.route)
    if (per === undefined) perRoute.set(s.route, (per = { route: s.route, redecided: 0, flips: 0 }))
    per.redecided++
    if (r.to !== s.would_action) {
      flips++
      per.flips++
      if (examples.length < DRYRUN_EXAMPLES) examples.push({ ref: s.ref, route: s.route, method: s.method, host: s.host, path: s.path, ua: s.ua, from: s.would_action, to: r.to, reasons: r.reasons })
    }
  }
  return {
    lines: lines.length,
    withFeatures,
    redecided,
    flips,
    notRedecided,
    matrix,
    perRoute: [...perRoute.values()].sort((a, b) => b.flips - a.flips || b.redecided - a.redecided || a.route.localeCompare(b.route)),
    examples,
    rescored,
  }
}

/** Actions in their order of severity, for the table's rows and columns. */
export const VERDICTS: readonly Action[] = ACTIONS
