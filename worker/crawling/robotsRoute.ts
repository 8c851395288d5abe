// GET|HEAD /robots.txt — that raw path exactly, no query: forwarded to the origin for every client
// but a deny-listed one — never scored, challenged or rate limited (a crawler must be able to read the
// rules it is held to). Any other spelling (`/ROBOTS.TXT`, `/a%2f..%2frobots.txt`, `/robots.txt?q=1`)
// is an ordinary request, judged like any other. A deny-listed client (the config's deny list, or a
// deny entry this isolate holds for its address) gets the deny answer, as on every other path: its
// requests never reach the origin unscored. Every request here gets its decision line (`reasons:
// ["robots_txt"]`, or the deny hit); a declared crawler's fetch is remembered. The origin's answer to
// the client is never kept as the site's rules: the client chose its headers (`Range: bytes=0-0` →
// 206 and one byte, or 416 → "allow all"), so only the judge's own fetch, with fixed headers and once
// per TTL, fills the isolate's copy (worker/crawling/judge.ts, robots.ts).
import { respond } from '../../src/action/respond'
import { classifyRoute, type CompiledConfig } from '../../src/config/compileConfig'
import { denyKey } from '../../src/counters/deny'
import { ipCounterKey } from '../../src/counters/ipKey'
import { classifyCrawler } from '../../src/signals/crawlers/classify'
import { parseUserAgent } from '../../src/signals/userAgent'
import type { Decision } from '../../src/policy/decision'
import { BUNDLED_CONFIG, loadConfig } from '../config/load'
import { isolateCaches } from '../counters/isolate'
import { configDenyHit } from '../evaluate'
import { logDecision } from '../logDecision'
import { forwardSafely, type OriginTarget } from '../origin/forward'
import { mitigationResponse } from '../pages/render'
import { newRef } from '../privacy'
import type { RequestFacts } from '../request'
import { noteRobotsFetch, ROBOTS_PATH } from './robots'

export const isRobotsRequest = (facts: RequestFacts): boolean => facts.rawPath === ROBOTS_PATH && (facts.method === 'GET' || facts.method === 'HEAD')

/** The deny list as this route can read it without a call: the config's, and this isolate's cached hits for the address. */
function robotsDenyHit(config: CompiledConfig, facts: RequestFacts, now: number): string | null {
  const listed = configDenyHit(config, facts)
  if (listed !== null) return listed
  const ip = ipCounterKey(facts.ip, config.source.counters.ipv6_prefix_bits)
  const cached = isolateCaches.deny.get(denyKey({ kind: 'ip', ip }), now)
  return cached === null ? null : 'deny_ip'
}

export async function answerRobots(request: Request, facts: RequestFacts, env: Env, target: OriginTarget): Promise<Response> {
  const now = Date.now()
  const ref = newRef()
  const missing: string[] = []
  let config = BUNDLED_CONFIG
  let coldShadow = false
  try {
    const loaded = await loadConfig(env.EDGEWARD_CONFIG, now)
    config = loaded.config
    if (loaded.problem !== null) missing.push(loaded.problem)
    coldShadow = loaded.problem === 'config_cold_bundled_shadow'
  } catch {
    missing.push('pipeline_error')
  }
  const mode = config.source.mode
  const routeClass = classifyRoute(config, facts.normalisedPath, facts.url.search)
  const denied = robotsDenyHit(config, facts, now)
  // As on every path: enforce blocks, and so does the cold bundled shadow fallback (worker/config/coldPosture.ts).
  if (denied !== null && (mode === 'enforce' || coldShadow)) {
    const decision: Decision = { action: 'block', wouldAction: 'block', source: 'deny_list', risk: 0, modelRisk: null, mode, routeClass, reasons: [denied, 'robots_txt'], rules: [] }
    await logDecision(facts, env, config, decision, { ref, now, model: 'none', originStatus: null, missing })
    const mitigation = respond(decision, facts.headers.get('accept'), ref, facts.rawPath, { method: facts.method, referer: facts.headers.get('referer'), origin: facts.url.origin })
    return mitigationResponse(mitigation, ref)
  }
  const answer = await forwardSafely(request, facts, target, new Map(), null)
  if (answer.unreachable) missing.push('origin_unreachable')
  const userAgent = facts.headers.get('user-agent')
  const ua = parseUserAgent(userAgent)
  const claim = ua.claimsBrowser ? null : classifyCrawler(userAgent, config.crawlerPatterns, ua.isBot)
  if (claim !== null) noteRobotsFetch(facts.ip, claim.token, now)
  const decision: Decision = {
    action: 'allow',
    // shadow or off forwards a deny-listed client, and says what enforce would have done.
    wouldAction: denied !== null ? 'block' : 'allow',
    source: denied === null ? 'allow_list' : mode === 'off' ? 'mode_off' : 'deny_list',
    risk: 0,
    modelRisk: null,
    mode,
    routeClass,
    reasons: denied !== null ? [denied, 'robots_txt'] : ['robots_txt'],
    rules: [],
  }
  await logDecision(facts, env, config, decision, { ref, now, model: 'none', originStatus: answer.unreachable ? null : answer.response.status, missing })
  return answer.response
}
