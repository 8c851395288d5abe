// protect: the request path for everything that is not a reserved path. Takes the
// request, returns the origin's response or the Worker's own mitigation. Owns the
// deadlines and the fail-open posture: an unexpected throw forwards to the origin.
import { respond } from '../src/action/respond'
import { classifyRoute, thresholdsFor, type CompiledConfig } from '../src/config/compileConfig'
import { challengeTier } from '../src/policy/challengeTier'
import { unscoredDecision, type Decision } from '../src/policy/decision'
import { userRiskHeader } from '../src/counters/history'
import { BUNDLED_CONFIG, loadConfig } from './config/load'
import { coldPosture } from './config/coldPosture'
import { readCartAdd } from './cart'
import { readRequestCredentials } from './credentials'
import { checkLeaked, leakedEndpoints } from './leaked'
import { leakedHeaderValue } from '../src/leaked/range'
import { counterFlushMs, evaluate, MODEL_FALLBACK_NAME, type Evaluation } from './evaluate'
import { errorName, logDecision, numberOrNull } from './logDecision'
import { forwardSafely, originTarget, type OriginTarget } from './origin/forward'
import { countOriginOutcome } from './originOutcome'
import { countOnAddress } from './counters/sourceEvent'
import { mitigationResponse } from './pages/render'
import { challengeTicketFor } from './challenge/ticket'
import { newRef } from './privacy'
import type { RequestFacts } from './request'
import { injectSdk } from './sdk/inject'
import { rememberStepUp, takeStepUp } from './stepUp'
import { bindSession } from './sessions'
import { pageNonce } from './sdk/nonce'
import { answerRobots, isRobotsRequest } from './crawling/robotsRoute'
import { chargeResponse, withCrawlerCharged } from './crawling/charge'

export async function protect(request: Request, facts: RequestFacts, env: Env, ctx: ExecutionContext): Promise<Response> {
  const target = originTarget(env.ORIGIN_URL)
  // The raw path /robots.txt is every client's to read but a deny-listed one's (worker/crawling/robotsRoute.ts).
  if (isRobotsRequest(facts)) return answerRobots(request, facts, env, target)
  const now = Date.now()
  const ref = newRef()
  // The body the origin will get; replaced by a tee'd stream once we peek at it.
  let originBody: BodyInit | null = request.body
  /** A credential attempt: counted like a POST whatever its method (`GET /login?username=…&password=…`). */
  let submits = false
  const missing: string[] = []

  let evaluation: Evaluation | null = null
  let config: CompiledConfig = BUNDLED_CONFIG
  try {
    const loaded = await loadConfig(env.EDGEWARD_CONFIG, now)
    config = loaded.config
    if (loaded.problem !== null) missing.push(loaded.problem)
    const routeClass = classifyRoute(config, facts.normalisedPath, facts.url.search)

    // Credentials wherever the origin may read them (body of any type, query, any method): worker/credentials.ts.
    const credentials = await readRequestCredentials(request, facts, config, routeClass, env, missing)
    // A cart add's units (worker/cart.ts): a first add of many is no person's browsing.
    const cart = await readCartAdd(request, credentials.originBody, facts, config, routeClass)
    originBody = cart.originBody
    submits = credentials.facts.attempt
    const user = credentials.user
    // The breach-corpus check runs beside the counters and the model; evaluate waits for it (within
    // its own deadline) before the rules, which read it (worker/leaked.ts).
    const leaked = credentials.leaked === null ? null : checkLeaked(credentials.leaked, leakedEndpoints(config, env), config, missing, (p) => ctx.waitUntil(p), now)
    evaluation = await evaluate({ request, facts, env, ctx, config, routeClass, user, password: credentials.password, credentials: credentials.facts, leaked, cartUnits: cart.units, now, missing })
    // A cold isolate on the bundled shadow fallback still blocks deny-list hits (worker/config/coldPosture.ts).
    evaluation = { ...evaluation, decision: coldPosture(evaluation.decision, loaded.problem) }
  } catch (error) {
    missing.push('pipeline_error')
    console.error(JSON.stringify({ event: 'pipeline_error', ref, error: errorName(error), detail: PIPELINE_ERROR_DETAIL }))
  }

  if (evaluation === null) return failOpen(request, facts, env, config, target, originBody, ref, now, missing)
  const { decision } = evaluation

  let response: Response
  let originStatus: number | null = null
  // Allowed, or forwarded for the origin to step up (`review`: x-edgeward-action tells it).
  if (decision.action === 'allow' || decision.action === 'review') {
    const answer = await forwardSafely(request, facts, target, originHeaders(config, decision, evaluation), originBody)
    if (answer.unreachable) missing.push('origin_unreachable')
    // The origin's word that a second factor passed (worker/stepUp.ts): read, and kept from the client.
    const { response: origin, passed } = takeStepUp(answer.response)
    if (passed?.user != null) ctx.waitUntil(rememberStepUp(env, passed.user, evaluation.here, now))
    originStatus = answer.unreachable ? null : origin.status
    const inject = config.source.sdk.inject && !config.sdkExclude.some((re) => re.test(facts.normalisedPath))
    // A proven device's collect carries its proof and never reads a nonce: sign none for its pages.
    const nonce = evaluation.deviceProven ? undefined : (): Promise<string | null> => pageNonce(env, facts.headers.get('user-agent'), facts.ip, now)
    response = inject ? injectSdk(origin, { path: facts.normalisedPath, nonce }) : origin
    // A session cookie the origin sets is bound to here; an adopted one gets its companion (worker/sessions.ts).
    // A crawler that agreed to the price gets its receipt (docs/crawlers.md).
    if (evaluation.crawler.payment?.paid === true && decision.reasons[0] === 'crawler_charged') response = withCrawlerCharged(response, evaluation.crawler.payment.price)
    if (!answer.unreachable) {
      const judged = evaluation.session
      const signIn = submits && decision.routeClass === 'login'
      response = await bindSession(response, { facts, env, config, ctx, here: evaluation.sessionHere, judged, signIn, now, missing })
    }
    // After the SDK went in: a tee of a native body with one branch in HTMLRewriter does not let the
    // other read ahead of the client, so the body marker is read from what the client gets.
    if (!answer.unreachable) {
      // A stepped-up sign-in the origin lets in is the account's place only once the origin says the
      // second factor passed: on the password's word alone a fraudster's network would become the owner's.
      const unconfirmed = decision.action === 'review' && !(passed !== null && passed.user === null)
      const keys = unconfirmed ? { ...evaluation.keys, place: null } : evaluation.keys
      const outcome = { env, ctx, config, keys, routeClass: decision.routeClass, method: submits ? 'POST' : facts.method, now, userAddresses1h: evaluation.userAddresses1h, unconfirmed }
      try {
        response = countOriginOutcome(outcome, response)
      } catch (error) {
        // Counting is ours, the answer is the origin's: it goes out uncounted, and the line says so.
        missing.push('outcome_error')
        console.error(JSON.stringify({ event: 'outcome_error', ref, error: errorName(error) }))
      }
    }
  } else if (decision.action === 'block' && decision.reasons[0] === 'crawler_charge' && evaluation.crawler.payment?.paid === false) {
    // Pay per crawl: 402 with the price and terms, not a 403 (docs/crawlers.md).
    response = chargeResponse(evaluation.crawler.payment, config.source.crawlers.terms, ref)
  } else {
    const context = { method: facts.method, referer: facts.headers.get('referer'), origin: facts.url.origin }
    const mitigation = respond(decision, facts.headers.get('accept'), ref, facts.rawPath, context)
    // A challenge page's difficulty travels signed: the client cannot ask for less work.
    // …and so does its risk tier: only a low or medium one offers the no-JavaScript wait. A rule's
    // challenge is `high`: no deviceless clearance lifts it, so a wait would only spend the network's grants.
    const modelChallenge = decision.action === 'challenge' && decision.source === 'model'
    const tier = modelChallenge ? challengeTier(decision.risk, decision.difficulty, thresholdsFor(config, decision.routeClass)) : 'high'
    const ticket = await challengeTicketFor(mitigation, env, { userAgent: facts.headers.get('user-agent'), ip: facts.ip }, now, tier)
    response = mitigationResponse(mitigation, ref, ticket)
    // A challenged page read is one more the address may ignore (src/policy/ignoredChallenges.ts); an app's is its own.
    if (decision.action === 'challenge' && evaluation.app === null && (facts.method === 'GET' || facts.method === 'HEAD')) {
      ctx.waitUntil(countOnAddress(env, facts.ip, 'challenges_shown', now, { defer: (p) => ctx.waitUntil(p), flushEveryMs: counterFlushMs(env, config), ipv6PrefixBits: config.source.counters.ipv6_prefix_bits }))
    }
  }

  await logDecision(facts, env, config, decision, {
    ref,
    now,
    model: evaluation.modelVersion,
    device: evaluation.device,
    app: evaluation.app,
    agent: evaluation.agent,
    crawler: evaluation.crawler.category,
    user: evaluation.keys.user,
    originStatus,
    counters: evaluation.counters,
    cookie: evaluation.cookie,
    missing,
    features: evaluation.features,
  })
  return response
}

const PIPELINE_ERROR_DETAIL = 'unexpected throw in the pipeline; forwarded to the origin'

/** Headers the origin gets on allowed requests (configurable; never the raw username). */
function originHeaders(config: CompiledConfig, decision: Decision, evaluation: Evaluation): Map<string, string> {
  const h = config.source.origin_headers
  const out = new Map<string, string>()
  if (!h.enabled) return out
  if (h.risk) out.set('x-edgeward-risk', decision.risk.toFixed(3))
  if (h.action) out.set('x-edgeward-action', decision.action)
  if (h.reasons && decision.reasons.length > 0) out.set('x-edgeward-reasons', decision.reasons.slice(0, 10).join(','))
  if (h.device && evaluation.device !== null) out.set('x-edgeward-device', evaluation.device)
  // A password (or this username + password pair) in the breach corpus: for the origin to step up or
  // ask for a new password (docs/leaked.md). Absent when not listed, not checked, or missing.
  const leaked = leakedHeaderValue(evaluation.leaked)
  if (h.leaked !== false && leaked !== null) out.set('x-edgeward-leaked', leaked)
  // A sign-in's account history, for the origin's own step-up (docs/accounts.md).
  if (h.user_risk !== false && evaluation.keys.place != null) {
    const c = evaluation.counterValues
    const value = userRiskHeader({
      signinDays: numberOrNull(c['user.signin_days_30d']),
      knownNetwork: boolOrNull(c['user.known_network']),
      knownCountry: boolOrNull(c['user.known_country']),
      knownDevice: boolOrNull(c['user.known_device']),
      failedIps1h: numberOrNull(c['user.failed_ips_1h']),
    })
    if (value !== null) out.set('x-edgeward-user-risk', value)
  }
  return out
}

const boolOrNull = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null)

async function failOpen(
  request: Request,
  facts: RequestFacts,
  env: Env,
  config: CompiledConfig,
  target: OriginTarget,
  body: BodyInit | null,
  ref: string,
  now: number,
  missing: string[],
): Promise<Response> {
  const answer = await forwardSafely(request, facts, target, new Map(), body)
  if (answer.unreachable) missing.push('origin_unreachable')
  const decision = unscoredDecision('fail_open', config.source.mode)
  await logDecision(facts, env, config, decision, {
    ref,
    now,
    model: MODEL_FALLBACK_NAME,
    originStatus: answer.unreachable ? null : answer.response.status,
    missing,
  })
  // Nothing is learned on a failed pipeline, but the origin's step-up word still stays with edgeward.
  return takeStepUp(answer.response).response
}
