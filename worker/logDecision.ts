// Emits the one decision log line of a request: takes the request facts, the config
// in force and what was decided; writes one JSON line with console.log. Never throws
// (a log failure must not fail the request).
import type { CompiledConfig } from '../src/config/compileConfig'
import type { FeatureVector } from '../src/features/list'
import { buildLogLine, type LogLineInput } from '../src/log/logLine'
import type { Decision } from '../src/policy/decision'
import { sampleLineFrom } from '../src/console/batch'
import { isolateCaches } from './counters/isolate'
import { writeDecisionPoint } from './analytics/decisionPoint'
import { logIp } from './privacy'
import type { RequestFacts } from './request'

export interface LogExtras {
  readonly ref: string
  readonly now: number
  readonly model: string
  readonly device?: string | null
  readonly app?: string | null
  /** A verified signed agent's name or URL (worker/agents/verifyAgent.ts). */
  readonly agent?: string | null
  /** A verified crawler's category (worker/crawling/judge.ts). */
  readonly crawler?: string | null
  readonly user?: string | null
  readonly originStatus: number | null
  readonly counters?: LogLineInput['counters']
  readonly cookie?: string
  readonly missing: readonly string[]
  readonly features?: FeatureVector | null
  readonly route?: string
  /** What a reserved route did (e.g. `collect:bad_telemetry`). */
  readonly detail?: string | null
  /** Status of the Worker's own answer on a reserved path. */
  readonly reservedStatus?: number
}

export async function logDecision(facts: RequestFacts, env: Env, config: CompiledConfig, decision: Decision, x: LogExtras): Promise<void> {
  try {
    const line = buildLogLine({
      now: x.now,
      ref: x.ref,
      ray: rayOrNull(facts.headers.get('cf-ray')),
      method: facts.method,
      host: facts.host,
      rawPath: facts.rawPath,
      ip: await logIp(facts.ip, config.source.log.ip, env),
      asn: facts.asn,
      country: stringOrNull(facts.cf.country),
      ja3: facts.tls.ja3Hash,
      ja4: facts.tls.ja4,
      device: x.device ?? null,
      app: x.app ?? null,
      agent: x.agent ?? null,
      crawler: x.crawler ?? null,
      user: x.user ?? null,
      decision,
      model: x.model,
      config: config.version,
      originStatus: x.originStatus,
      counters: x.counters ?? 'skipped',
      cookie: x.cookie ?? (facts.cookies.has('__edgeward') ? 'present' : 'missing'),
      missing: x.missing,
      features: config.source.log.features ? (x.features ?? null) : null,
      ...(x.route === undefined ? {} : { route: x.route }),
      ...(x.detail === undefined || x.detail === null ? {} : { detail: x.detail }),
      ...(x.reservedStatus === undefined ? {} : { status: x.reservedStatus }),
    })
    console.log(JSON.stringify(line))
    // The console's sample and per-minute counts: kept in the isolate, sent with the next zone flush.
    isolateCaches.console.note(sampleLineFrom(line, x.now, facts.headers.get('user-agent')))
    writeDecisionPoint(env.EDGEWARD_ANALYTICS, line) // Analytics Engine when bound; no I/O wait
  } catch (error) {
    console.error(JSON.stringify({ event: 'log_error', ref: x.ref, error: errorName(error) }))
  }
}

/** Error classes the error line may name; anything else is logged as `Error`. */
const KNOWN_ERRORS: ReadonlySet<string> = new Set([
  'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'URIError', 'EvalError', 'AggregateError',
  'DOMException', 'AbortError', 'TimeoutError', 'DataError', 'OperationError', 'InvalidAccessError', 'NotSupportedError', 'QuotaExceededError',
])

/**
 * What the error line may say about a throw: its class, from a fixed list. A message — or a name a
 * throw set itself — can carry request input (a header, a body field), and a log line never reflects it.
 */
export function errorName(error: unknown): string {
  const name = error instanceof Error ? error.name : ''
  return KNOWN_ERRORS.has(name) ? name : 'Error'
}

export const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
/** Short codes from request.cf (country, colo): letters and digits only, so nothing odd reaches a line. */
export const stringOrNull = (v: unknown): string | null => (typeof v === 'string' && /^[A-Za-z0-9]{1,8}$/.test(v) ? v : null)
/** A Ray ID is hex and a colo code; anything else (a client-sent header under dev) is not logged. */
const rayOrNull = (v: string | null): string | null => (v !== null && /^[A-Za-z0-9-]{1,64}$/.test(v) ? v : null)
