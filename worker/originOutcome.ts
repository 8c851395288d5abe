// Outcomes without origin changes: takes the answer to a login / signup / checkout POST (the
// origin's, SDK injected), counts its outcome against device, IP and username in ctx.waitUntil,
// and returns the response the client gets — the same bytes, streamed. Status codes and a header
// marker cost nothing; a body marker is looked for in a capped tee of the body, read in waitUntil.
import type { CompiledConfig } from '../src/config/compileConfig'
import type { RouteClass } from '../src/config/routeClasses'
import { classifyOutcome, type Outcome } from '../src/counters/outcome'
import { isNewDeviceSignInCohort } from '../src/counters/keys'
import { bodyMarkerSeen, headerMarkerSeen, markerFor } from '../src/counters/outcomeMarker'
import type { JourneyKeys } from '../src/counters/read'
import { readHead } from './body'
import { BACKGROUND_BUDGET_MS, recordOutcome } from './counters/client'
import { counterFlushMs } from './evaluate'

export interface OutcomeContext {
  readonly env: Env
  readonly ctx: ExecutionContext
  readonly config: CompiledConfig
  readonly keys: JourneyKeys
  readonly routeClass: RouteClass
  readonly method: string
  readonly now: number
  /** The addresses the request's username was tried from in the hour, this one included (null: unread). */
  readonly userAddresses1h: number | null
  /**
   * The sign-in was forwarded marked `review` and the origin has not said its second factor passed: a
   * success is the password's word alone. It is no let-in for the new browsers' cohort (a stuffer could
   * have its own accounts stepped up at will to dilute it); its refusals still count.
   */
  readonly unconfirmed?: boolean
}

export function countOriginOutcome(c: OutcomeContext, origin: Response): Response {
  const outcomeIf = (marked: boolean) => classifyOutcome(c.routeClass, c.method, origin.status, marked)
  const [unmarked, marked] = [outcomeIf(false), outcomeIf(true)]
  // Not an outcome whatever a marker says (GET, 5xx, 429, another route): nothing to do.
  if (unmarked === null && marked === null) return origin
  const keysFor = (outcome: Outcome) =>
    outcome === 'login_success' && c.unconfirmed === true && isNewDeviceSignInCohort(c.keys.cohort) ? { ...c.keys, cohort: null } : c.keys
  const record = (outcome: Outcome | null): Promise<void> =>
    outcome === null ? Promise.resolve() : recordOutcome(c.env, keysFor(outcome), outcome, c.now, { defer: (p) => c.ctx.waitUntil(p), userAddresses1h: c.userAddresses1h, flushEveryMs: counterFlushMs(c.env, c.config) })

  const countAs = (outcome: Outcome | null): Response => {
    c.ctx.waitUntil(record(outcome))
    return origin
  }

  const marker = markerFor(c.config.source.outcomes, c.routeClass)
  // No marker, or one that cannot change what the status says (401, 402, a signup 4xx): no tee.
  if (marker === null || marked === unmarked) return countAs(unmarked)
  if (headerMarkerSeen(marker, origin.headers)) return countAs(marked)
  if (marker.failure_body === undefined || origin.body === null) return countAs(unmarked)

  const [forClient, forMarker] = origin.body.tee()
  const judged = readHead(forMarker, c.config.source.outcomes.max_body_bytes, BACKGROUND_BUDGET_MS).then(({ head, complete }) =>
    // A read cut short (timeout, a failing body) cannot say "no marker": count nothing rather than a success.
    bodyMarkerSeen(marker, head) ? record(marked) : complete ? record(unmarked) : undefined,
  )
  c.ctx.waitUntil(judged)
  return new Response(forClient, origin)
}
