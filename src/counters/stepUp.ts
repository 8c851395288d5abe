// The origin's word on a step-up. Takes the value of its `x-edgeward-step-up` response header;
// returns what it confirms, or null. Pure. A sign-in forwarded with `review` and let in is not one
// of the account's places on the password's word alone: the password is what a fraudster has. It
// becomes one when the origin says the second factor passed — on the sign-in's own answer (one-step
// flows: password and code in one form), or on the answer to the code, naming the account.

import { MAX_USERNAME } from '../signals/credentials'

/** The response header an origin sets when a second factor passed; never reaches the client. */
export const STEP_UP_HEADER = 'x-edgeward-step-up'

export interface StepUpPassed {
  /** The account that passed, from the header's `user` parameter; null: the request's own sign-in. */
  readonly user: string | null
}

/**
 * `passed` or `passed;user="alice@example.com"` (an RFC 8941 token with an optional sf-string
 * parameter: printable ASCII, `\"` and `\\` escaped). Anything else — `failed`, junk, an oversized or
 * empty name — confirms nothing.
 */
export function parseStepUp(value: string | null): StepUpPassed | null {
  if (value === null) return null
  const m = /^\s*passed\s*(?:;\s*user="((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)")?\s*$/.exec(value)
  if (m === null) return null
  if (m[1] === undefined) return { user: null }
  const user = m[1].replace(/\\(["\\])/g, '$1')
  return user.length === 0 || user.length > MAX_USERNAME ? null : { user }
}
