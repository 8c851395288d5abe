// GET|HEAD /robots.txt: always forwarded to the origin, for every client — never scored, challenged
// or blocked (a crawler must be able to read the rules it is held to; a deny-listed address too). It
// gets its decision line (`reasons: ["robots_txt"]`); a declared crawler's fetch is remembered. The
// origin's answer to the client is never kept as the site's rules: the client chose its headers
// (`Range: bytes=0-0` → 206 and one byte, or 416 → "allow all"), so only the judge's own fetch, with
// fixed headers and once per TTL, fills the isolate's copy (worker/crawling/judge.ts, robots.ts).
import { classifyRoute } from '../../src/config/compileConfig'
import { classifyCrawler } from '../../src/signals/crawlers/classify'
import { parseUserAgent } from '../../src/signals/userAgent'
import type { Decision } from '../../src/policy/decision'
import { BUNDLED_CONFIG, loadConfig } from '../config/load'
import { logDecision } from '../logDecision'
import { forwardSafely, type OriginTarget } from '../origin/forward'
import { newRef } from '../privacy'
import type { RequestFacts } from '../request'
import { noteRobotsFetch, ROBOTS_PATH } from './robots'

export const isRobotsRequest = (facts: RequestFacts): boolean => facts.normalisedPath === ROBOTS_PATH && (facts.method === 'GET' || facts.method === 'HEAD')

export async function answerRobots(request: Request, facts: RequestFacts, env: Env, ctx: ExecutionContext, target: OriginTarget): Promise<Response> {
  const now = Date.now()
  const missing: string[] = []
  let config = BUNDLED_CONFIG
  try {
    const loaded = await loadConfig(env.EDGEWARD_CONFIG, now)
    config = loaded.config
    if (loaded.problem !== null) missing.push(loaded.problem)
  } catch {
    missing.push('pipeline_error')
  }
  const answer = await forwardSafely(request, facts, target, new Map(), null)
  if (answer.unreachable) missing.push('origin_unreachable')
  const userAgent = facts.headers.get('user-agent')
  const claim = parseUserAgent(userAgent).claimsBrowser ? null : classifyCrawler(userAgent, config.crawlerPatterns)
  if (claim !== null) noteRobotsFetch(facts.ip, claim.token, now)
  const decision: Decision = {
    action: 'allow',
    wouldAction: 'allow',
    source: 'allow_list',
    risk: 0,
    modelRisk: null,
    mode: config.source.mode,
    routeClass: classifyRoute(config, facts.normalisedPath, facts.url.search),
    reasons: ['robots_txt'],
    rules: [],
  }
  await logDecision(facts, env, config, decision, { ref: newRef(), now, model: 'none', originStatus: answer.unreachable ? null : answer.response.status, missing })
  return answer.response
}
