// The Worker entry: reserved paths (/__edgeward/*, after normalisation) go to the Hono
// app; everything else goes through the protection pipeline to the origin.
import { unscoredDecision } from '../src/policy/decision'
import { isReservedPath } from '../src/signals/path'
import { reservedApp } from './app'
import { adminRefusal } from './routes/admin'
import { challengeOutcome } from './routes/challenge'
import { appTokenOutcome } from './routes/appToken'
import { collectOutcome } from './routes/collect'
import { reservedGuardOutcome } from './counters/reserved'
import { BUNDLED_CONFIG, loadConfig } from './config/load'
import { refreshCrawlerRanges } from './crawlers'
import { logDecision } from './logDecision'
import { newRef } from './privacy'
import { activeModelVersion } from './model/active'
import { protect } from './protect'
import { readRequestFacts, type RequestFacts } from './request'
import './env'

export { Counters } from './counters/Counters'
export { PasswordTries } from './counters/PasswordTries'
export { SessionBindings } from './counters/SessionBindings'
export { Registry } from './counters/Registry'
export { ZoneStats } from './counters/ZoneStats'
export { NonceStore } from './challenge/NonceStore'

/** Reserved paths that get no log line (asset-like, polled). */
const UNLOGGED = new Set(['GET /__edgeward/sdk.js', 'GET /__edgeward/health', 'HEAD /__edgeward/health'])

const REFUSALS: Readonly<Record<number, string>> = { 400: 'bad_request', 401: 'unauthorized', 404: 'not_found', 405: 'method_not_allowed', 413: 'too_large', 415: 'unsupported_type', 503: 'unavailable' }

/**
 * Why a reserved path refused, for the log line: the admin API's own code (`admin:bad_ttl`), else
 * the status in words (`admin:method_not_allowed`, `console:unauthorized`, `reserved:not_found`); null when it did not refuse.
 */
function refusalDetail(path: string, status: number, adminCode: string | undefined): string | null {
  if (status < 400) return null
  const area =
    path === '/__edgeward/admin' || path.startsWith('/__edgeward/admin/')
      ? 'admin'
      : path === '/__edgeward/console' || path.startsWith('/__edgeward/console/')
        ? 'console'
        : 'reserved'
  return `${area}:${adminCode ?? REFUSALS[status] ?? `status_${status}`}`
}

async function answerReserved(request: Request, facts: RequestFacts, env: Env, ctx: ExecutionContext): Promise<Response> {
  const now = Date.now()
  const url = new URL(facts.normalisedPath + facts.url.search, facts.url.origin)
  const rewritten = new Request(url, request)
  const response = await reservedApp.fetch(rewritten, env, ctx)
  if (UNLOGGED.has(`${facts.method} ${facts.normalisedPath}`)) return response
  // The answer is made; whatever fails from here only degrades the log line.
  const missing: string[] = []
  let config = BUNDLED_CONFIG
  let model = 'none'
  try {
    const loaded = await loadConfig(env.EDGEWARD_CONFIG, now)
    config = loaded.config
    if (loaded.problem !== null) missing.push(loaded.problem)
    model = await activeModelVersion(env.EDGEWARD_CONFIG, config, now)
  } catch {
    missing.push('pipeline_error')
  }
  const collect = collectOutcome(rewritten)
  const challenge = challengeOutcome(rewritten)
  const appToken = appTokenOutcome(rewritten)
  // The guard's block / rate limit (or what it would have done in shadow) and the ref its answer carries.
  const guard = reservedGuardOutcome(rewritten)
  await logDecision(facts, env, config, guard?.decision ?? unscoredDecision('reserved', config.source.mode), {
    ref: guard?.ref ?? newRef(),
    now,
    model,
    originStatus: null,
    missing,
    route: 'edgeward',
    ...(appToken?.ok === true ? { app: appToken.app } : {}),
    device: collect?.ok === true ? collect.deviceId : (challenge?.deviceId ?? null),
    detail:
      guard !== undefined && guard.decision.action !== 'allow'
        ? guard.detail
        : collect !== undefined
        ? collect.ok
          ? `collect:${collect.newDevice ? 'new_device' : 'refreshed'}`
          : `collect:${collect.reason}`
        : appToken !== undefined
        ? `app_token:${appToken.ok ? 'issued' : appToken.reason}`
        : (challenge?.detail ?? refusalDetail(facts.normalisedPath, response.status, adminRefusal(rewritten))),
    reservedStatus: response.status,
  })
  return response
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const facts = readRequestFacts(request, env)
    if (isReservedPath(facts.normalisedPath)) return answerReserved(request, facts, env, ctx)
    return protect(request, facts, env, ctx)
  },

  // Cron Trigger: refresh the published crawler IP ranges into KV.
  async scheduled(controller, env): Promise<void> {
    const { config } = await loadConfig(env.EDGEWARD_CONFIG, controller.scheduledTime)
    const report = await refreshCrawlerRanges(env.EDGEWARD_CONFIG, config, controller.scheduledTime)
    console.log(JSON.stringify({ event: 'crawler_ranges_refreshed', report }))
  },
} satisfies ExportedHandler<Env>
