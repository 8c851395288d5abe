// The decision log line: takes what the pipeline knew and did for one request, returns
// the one JSON object that goes to console.log (→ Trace Events → Logpush). Must not
// carry a raw username, a cookie, a token, a password or a query string.
import type { Decision } from '../policy/decision'
import { FEATURE_NAMES, type FeatureVector } from '../features/list'

export const MAX_LOGGED_PATH = 512

export interface LogLineInput {
  readonly now: number
  readonly ref: string
  readonly ray: string | null
  readonly method: string
  readonly host: string
  readonly rawPath: string
  readonly ip: string
  readonly asn: number | null
  readonly country: string | null
  /** TLS fingerprints where the plan provides them (shape-checked by readTlsFingerprints). */
  readonly ja3: string | null
  readonly ja4: string | null
  readonly device: string | null
  /** The registered app whose valid token the request carried (src/signals/appToken.ts), or null. */
  readonly app?: string | null
  /** A verified signed agent (Web Bot Auth): the operator's name for it, else its key directory URL. */
  readonly agent?: string | null
  /** A verified crawler's category (docs/crawlers.md), or null. */
  readonly crawler?: string | null
  readonly user: string | null
  readonly decision: Decision
  readonly model: string
  readonly config: string
  readonly originStatus: number | null
  readonly counters: 'ok' | 'missing' | 'skipped'
  readonly cookie: string
  /** What was unavailable or degraded for this request (fail-open visibility). */
  readonly missing: readonly string[]
  readonly features: FeatureVector | null
  /** Route label when it is not a route class (reserved paths: `edgeward`). */
  readonly route?: string
  readonly detail?: string
  /** Status of the Worker's own answer (reserved paths). */
  readonly status?: number
}

export interface DecisionLogLine {
  readonly ts: string
  readonly ref: string
  readonly ray: string | null
  readonly method: string
  readonly host: string
  readonly path: string
  readonly route: string
  readonly ip: string
  readonly asn: number | null
  readonly country: string | null
  readonly ja3: string | null
  readonly ja4: string | null
  readonly device: string | null
  readonly app: string | null
  /** A verified signed agent (Web Bot Auth, docs/agents.md): its operator's name or its URL; null otherwise. */
  readonly agent: string | null
  /** A declared crawler's category once it verified (docs/crawlers.md): `search_engine`, `ai_training`, …; null otherwise (a spoofed claim too). */
  readonly crawler: string | null
  readonly user: string | null
  readonly risk: number
  /** The model's own score before rule weights (null: no model); eval reads it for model-only figures. */
  readonly model_risk: number | null
  readonly action: string
  readonly would_action: string
  readonly source: string
  readonly mode: string
  readonly reasons: readonly string[]
  readonly rules: readonly string[]
  readonly model: string
  readonly config: string
  readonly origin_status: number | null
  readonly counters: string
  readonly cookie: string
  readonly missing: readonly string[]
  readonly features?: Readonly<Record<string, number>>
  readonly detail?: string
  readonly status?: number
}

/** Path without query or fragment, capped; the query can hold tokens, so never logged. */
export function loggablePath(rawPath: string): string {
  const q = rawPath.search(/[?#]/)
  const path = q === -1 ? rawPath : rawPath.slice(0, q)
  return path.length > MAX_LOGGED_PATH ? path.slice(0, MAX_LOGGED_PATH) : path
}

export function featuresRecord(vec: FeatureVector): Record<string, number> {
  const out: Record<string, number> = {}
  for (let i = 0; i < vec.length; i++) {
    const value = vec[i]
    if (value !== undefined && !Number.isNaN(value)) out[FEATURE_NAMES[i] as string] = value
  }
  return out
}

export function buildLogLine(input: LogLineInput): DecisionLogLine {
  const d = input.decision
  const line: DecisionLogLine = {
    ts: new Date(input.now).toISOString(),
    ref: input.ref,
    ray: input.ray,
    method: input.method,
    host: input.host,
    path: loggablePath(input.rawPath),
    route: input.route ?? d.routeClass,
    ip: input.ip,
    asn: input.asn,
    country: input.country,
    ja3: input.ja3,
    ja4: input.ja4,
    device: input.device,
    app: input.app ?? null,
    agent: input.agent ?? null,
    crawler: input.crawler ?? null,
    user: input.user,
    risk: Math.round(d.risk * 1000) / 1000,
    model_risk: d.modelRisk === null ? null : Math.round(d.modelRisk * 1000) / 1000,
    action: d.action,
    would_action: d.wouldAction,
    source: d.source,
    mode: d.mode,
    reasons: d.reasons,
    rules: d.rules,
    model: input.model,
    config: input.config,
    origin_status: input.originStatus,
    counters: input.counters,
    cookie: input.cookie,
    missing: input.missing,
    ...(input.detail === undefined ? {} : { detail: input.detail }),
    ...(input.status === undefined ? {} : { status: input.status }),
  }
  return input.features === null ? line : { ...line, features: featuresRecord(input.features) }
}
