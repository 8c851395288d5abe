// protect: the request path for everything that is not a reserved path. Takes the
// request, returns the origin's response or the Worker's own mitigation. Owns the
// deadlines and the fail-open posture: an unexpected throw forwards to the origin.
import { classifyRoute, type CompiledConfig } from '../src/config/compileConfig'
import type { RouteClass } from '../src/config/routeClasses'
import { respond } from '../src/action/respond'
import { buildRequestFeatures } from '../src/features/buildFeatures'
import { canonicalUsername } from '../src/log/keyedHash'
import { unscoredDecision, type Decision } from '../src/policy/decision'
import { decide } from '../src/policy/decide'
import { heuristicScore } from '../src/policy/heuristicScore'
import { extractUsername } from '../src/signals/credentials'
import { cidrSetHas, parseIp } from '../src/config/cidr'
import { peekBody } from './body'
import { BUNDLED_CONFIG, loadConfig } from './config/load'
import { logDecision, numberOrNull } from './logDecision'
import { forwardToOrigin, originTarget } from './origin/forward'
import { mitigationResponse } from './pages/render'
import { readRequestFacts, type RequestFacts } from './request'
import { hashUser, newRef } from './privacy'

/** Routes whose POST bodies carry a username worth counting. */
const CREDENTIAL_ROUTES: ReadonlySet<RouteClass> = new Set(['login', 'signup', 'password_reset'])
export const MODEL_VERSION = 'heuristic-0'

interface Evaluation {
  readonly config: CompiledConfig
  readonly decision: Decision
  readonly features: Float32Array
  readonly user: string | null
  readonly missing: string[]
}

export async function protect(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const now = Date.now()
  const ref = newRef()
  const facts = readRequestFacts(request, env)
  const target = originTarget(env.ORIGIN_URL)
  // The body the origin will get; replaced by a tee'd stream once we peek at it.
  let originBody: BodyInit | null = request.body
  const missing: string[] = []

  let evaluation: Evaluation | null = null
  try {
    const { config, problem } = await loadConfig(env.EDGEWARD_CONFIG, now)
    if (problem !== null) missing.push(problem)
    const routeClass = classifyRoute(config, facts.normalisedPath)

    let username: string | null = null
    if (facts.method === 'POST' && CREDENTIAL_ROUTES.has(routeClass) && request.body !== null) {
      const peeked = await peekBody(request.body, config.source.credentials.max_body_bytes)
      originBody = peeked.forOrigin
      username = extractUsername(peeked.head, facts.headers.get('content-type'), config.usernameFields)
    }
    evaluation = await evaluate(facts, env, config, routeClass, username, missing)
  } catch (error) {
    missing.push('pipeline_error')
    console.error(JSON.stringify({ event: 'pipeline_error', ref, message: error instanceof Error ? error.message : String(error) }))
  }

  if (evaluation === null) return failOpen(request, facts, env, target, originBody, ref, now, missing)
  const { decision, config } = evaluation

  let response: Response
  let originStatus: number | null = null
  if (decision.action === 'allow') {
    const origin = await forwardToOrigin(request, facts, target, originHeaders(config, decision, null), originBody)
    originStatus = origin.status
    response = origin
  } else {
    response = mitigationResponse(respond(decision, facts.headers.get('accept'), ref, facts.rawPath), ref)
  }

  await logDecision(facts, env, config, decision, {
    ref,
    now,
    model: MODEL_VERSION,
    user: evaluation.user,
    originStatus,
    missing,
    features: evaluation.features,
  })
  return response
}

async function evaluate(
  facts: RequestFacts,
  env: Env,
  config: CompiledConfig,
  routeClass: RouteClass,
  username: string | null,
  missing: string[],
): Promise<Evaluation> {
  const contentLength = Number.parseInt(facts.headers.get('content-length') ?? '', 10)
  const features = buildRequestFeatures({
    routeClass,
    method: facts.method,
    contentLength: Number.isFinite(contentLength) ? contentLength : null,
  })
  const user = username === null ? null : await hashUser(canonicalUsername(username), env, missing)

  const ip = parseIp(facts.ip)
  const asn = numberOrNull(facts.cf.asn)
  const denyHit = cidrSetHas(config.denyIps, ip) ? 'deny_ip' : asn !== null && config.denyAsns.has(asn) ? 'deny_asn' : null
  const allowHit = cidrSetHas(config.allowIps, ip) ? 'allow_ip' : asn !== null && config.allowAsns.has(asn) ? 'allow_asn' : null

  const score = heuristicScore(features)
  const decision = decide({
    config,
    routeClass,
    denyHit,
    allowHit,
    risk: score.risk,
    reasons: score.reasons,
    rules: [],
    ruleAction: null,
  })
  return { config, decision, features, user, missing }
}

/** Headers the origin gets on allowed requests (configurable; never the raw username). */
function originHeaders(config: CompiledConfig, decision: Decision, device: string | null): Map<string, string> {
  const h = config.source.origin_headers
  const out = new Map<string, string>()
  if (!h.enabled) return out
  if (h.risk) out.set('x-edgeward-risk', decision.risk.toFixed(3))
  if (h.action) out.set('x-edgeward-action', decision.action)
  if (h.reasons && decision.reasons.length > 0) out.set('x-edgeward-reasons', decision.reasons.slice(0, 10).join(','))
  if (h.device && device !== null) out.set('x-edgeward-device', device)
  return out
}

async function failOpen(
  request: Request,
  facts: RequestFacts,
  env: Env,
  target: ReturnType<typeof originTarget>,
  body: BodyInit | null,
  ref: string,
  now: number,
  missing: string[],
): Promise<Response> {
  const origin = await forwardToOrigin(request, facts, target, new Map(), body)
  const decision = unscoredDecision('fail_open', BUNDLED_CONFIG.source.mode)
  await logDecision(facts, env, BUNDLED_CONFIG, decision, { ref, now, model: MODEL_VERSION, originStatus: origin.status, missing })
  return origin
}
