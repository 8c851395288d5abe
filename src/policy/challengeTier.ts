// The risk tier of a challenge decision: takes its risk, its proof-of-work difficulty and the route's
// thresholds; returns `low`, `medium` or `high`. Only `low` and `medium` may be passed without
// JavaScript, by waiting (docs/challenge.md). Pure: no I/O, no clock.
import { POW_MAX_DIFFICULTY } from '../action/pow'
import type { Thresholds } from '../config/schema'
import type { ChallengeTier } from '../signals/challengeToken'

/**
 * `high`: a risk at or above the route's block threshold (a page view the model would block is
 * challenged instead), or the hardest difficulty (a revoked clearance's escalation). `low`: below the
 * midpoint between the challenge and block thresholds. `medium`: the rest.
 */
export function challengeTier(risk: number, difficulty: number, thresholds: Thresholds): ChallengeTier {
  if (!Number.isFinite(risk) || risk >= thresholds.block || difficulty >= POW_MAX_DIFFICULTY) return 'high'
  return risk < (thresholds.challenge + thresholds.block) / 2 ? 'low' : 'medium'
}

/** Whether a challenge of this tier offers the no-JavaScript wait. */
export const waitAllowed = (tier: ChallengeTier | undefined): boolean => tier === 'low' || tier === 'medium'
