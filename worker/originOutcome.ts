// Outcomes without origin changes: takes the answer to a login / signup / checkout POST (the
// origin's, SDK injected), counts its outcome against device, IP and username in ctx.waitUntil,
// and returns the response the client gets — the same bytes, streamed. Status codes and a header
// marker cost nothing; a body marker is looked for in a capped tee of the body, read in waitUntil.
import type { CompiledConfig } from '../src/config/compileConfig'
import type { RouteClass } from '../src/config/routeClasses'
import { classifyOutcome } from '../src/counters/outcome'
import { bodyMarkerSeen, headerMarkerSeen, markerFor } from '../src/counters/outcomeMarker'
import type { JourneyKeys } from '../src/counters/read'
import { readHead } from './body'
import { BACKGROUND_BUDGET_MS, recordOutcome } from './counters/client'

export interface OutcomeContext {
  readonly env: Env
  readonly ctx: ExecutionContext
  readonly config: CompiledConfig
  readonly keys: JourneyKeys
  readonly routeClass: RouteClass
  readonly method: string
  readonly now: number
}

export function countOriginOutcome(c: OutcomeContext, origin: Response): Response {
  const { status } = origin
  // Not an outcome whatever a marker says (GET, 5xx, 429, another route): nothing to do.
  if (classifyOutcome(c.routeClass, c.method, status, true) === null) return origin
  const record = (marked: boolean): Promise<void> => {
    const outcome = classifyOutcome(c.routeClass, c.method, status, marked)
    return outcome === null ? Promise.resolve() : recordOutcome(c.env, c.keys, outcome, c.now, { defer: (p) => c.ctx.waitUntil(p) })
  }

  const marker = markerFor(c.config.source.outcomes, c.routeClass)
  const headerSeen = marker !== null && headerMarkerSeen(marker, origin.headers)
  // The status already says failure (401, 402, a signup 4xx): no marker can change that, no tee.
  const statusSays = classifyOutcome(c.routeClass, c.method, status, false)
  const settled = statusSays !== null && statusSays === classifyOutcome(c.routeClass, c.method, status, true)
  if (marker === null || headerSeen || settled || marker.failure_body === undefined || origin.body === null) {
    c.ctx.waitUntil(record(headerSeen))
    return origin
  }
  const [forClient, forMarker] = origin.body.tee()
  const cap = c.config.source.outcomes.max_body_bytes
  const judged = readHead(forMarker, cap, BACKGROUND_BUDGET_MS).then(({ head, complete }) =>
    // A read cut short (timeout, a failing body) cannot say "no marker": count nothing rather than a success.
    bodyMarkerSeen(marker, head) ? record(true) : complete ? record(false) : undefined,
  )
  c.ctx.waitUntil(judged)
  return new Response(forClient, origin)
}
