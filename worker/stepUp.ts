// The origin's step-up, as edgeward learns it: takes the origin's answer, strips its
// `x-edgeward-step-up` header (the client never sees it) and, when it says a second factor passed for
// a named account, remembers the request's place on that account's key (in ctx.waitUntil).
import type { AccountPlace } from '../src/counters/history'
import { counterName } from '../src/counters/keys'
import { parseStepUp, STEP_UP_HEADER, type StepUpPassed } from '../src/counters/stepUp'
import { canonicalUsername } from '../src/log/keyedHash'
import { BACKGROUND_BUDGET_MS } from './counters/client'
import { stubOf } from './counters/denyClient'
import { settleWithin } from './counters/settle'
import { hashUser } from './privacy'

/** The answer without the header, and what the header confirmed (null: nothing, or not sent). */
export function takeStepUp(origin: Response): { readonly response: Response; readonly passed: StepUpPassed | null } {
  const value = origin.headers.get(STEP_UP_HEADER)
  if (value === null) return { response: origin, passed: null }
  const response = new Response(origin.body, origin)
  response.headers.delete(STEP_UP_HEADER)
  return { response, passed: parseStepUp(value) }
}

/** Remembers `place` as one of `username`'s (the account's key, hashed as a sign-in's is). Never rejects. */
export async function rememberStepUp(env: Env, username: string, place: AccountPlace, now: number): Promise<void> {
  const user = await hashUser(canonicalUsername(username), env, [])
  await settleWithin([() => stubOf(env.COUNTERS, counterName('user', user)).importHistory({ now, entries: [{ at: now, place }] })], BACKGROUND_BUDGET_MS)
}
