// The origin's step-up, as edgeward learns it: takes the origin's answer, strips its
// `x-edgeward-step-up` header (the client never sees it) and, when it says a second factor passed for
// a named account, remembers the request's place on that account's key (in ctx.waitUntil) — as the
// admin import remembers an operator's login log, so an account is keyed one way.
import type { AccountPlace } from '../src/counters/history'
import { parseStepUp, STEP_UP_HEADER, type StepUpPassed } from '../src/counters/stepUp'
import { importHistory } from './counters/admin'

/** The answer without the header, and what the header confirmed (null: nothing, or not sent). */
export function takeStepUp(origin: Response): { readonly response: Response; readonly passed: StepUpPassed | null } {
  const value = origin.headers.get(STEP_UP_HEADER)
  if (value === null) return { response: origin, passed: null }
  const response = new Response(origin.body, origin)
  response.headers.delete(STEP_UP_HEADER)
  return { response, passed: parseStepUp(value) }
}

/** Remembers `place` as one of `username`'s. Never rejects; without a username hash key, nothing (as the import). */
export async function rememberStepUp(env: Env, username: string, place: AccountPlace, now: number): Promise<void> {
  await importHistory(env, [{ username, at: now, ...place }], now)
}
