// What a clearance's use record says: takes the use record of a verified clearance (uses, failed
// logins since its first use); returns whether it clears, and the decision when a cleared client
// keeps failing. Which challenges a clearance may lift (the model's; an identity rule's with a
// clearance bound to the device) is decide()'s `liftable` and `liftBy`.
// Pure: no I/O, no clock.
import { POW_MAX_DIFFICULTY } from '../action/pow'
import type { Decision } from './decision'

/**
 * Rules whose evidence is the source's new identities, not this client's own attempts, are marked
 * `lift: device` in the config (by default `many_new_devices`): a new device at an address where many
 * devices were minted and sign-ins keep failing. Their challenge asks a new identity to cost something,
 * and a clearance earned by that device is that cost: it is lifted by a clearance bound to this device
 * (never a deviceless one), while the device has named at most DEVICE_LIFT_MAX_USERS usernames. Every
 * other rule's challenge stays unliftable — solving a puzzle says nothing about how many passwords a
 * client tries. Without this, a person who signs in from a new browser behind a busy address (an
 * office where five colleagues mistyped) solved the challenge and was refused again, "already
 * verified", for up to 10 minutes. What it costs an attacker: docs/challenge.md.
 */
/** A device-lifted identity challenge: the device may have named this many usernames in 10 min (one, or one mistyped and then right). */
export const DEVICE_LIFT_MAX_USERS = 2

/**
 * A solved challenge lifts no challenge of a sign-in to a username never refused before from a
 * device that has named more than DEVICE_LIFT_MAX_USERS usernames in 10 minutes (a guess it left
 * unsent at a challenge counts), or whose sign-ins were refused for more usernames than this (usernames let in
 * since do not count): a person mistypes a username once and a password a few times — retries of
 * the same username, which stay cleared — but a browser that goes on to a third account after two
 * refusals is guessing, and a puzzle says nothing about how many passwords a client tries. Without
 * it an automated real browser solved the model's challenge once and went on guessing under its
 * clearance until the stuffing rule's 5th username. Its new usernames stay challenged for 10
 * minutes, solved or not ("already verified"), or it mints a new device, which the identity rules count.
 */
export const CLEARANCE_MAX_REFUSED_USERS = 1

/** Requests one clearance may lift. Then the client solves again (a person rarely needs 20). */
export const CLEARANCE_MAX_USES = 20
/** Requests a clearance earned by waiting without JavaScript may lift: fewer than a solve's. */
export const CLEARANCE_WAIT_MAX_USES = 5

/** The use limit of a clearance earned by `method` (`wait`: the no-JavaScript path). */
export const clearanceMaxUses = (method: string): number => (method === 'wait' ? CLEARANCE_WAIT_MAX_USES : CLEARANCE_MAX_USES)
/**
 * Failed logins from the cleared client (its device, else its IP) since the clearance was first
 * used that revoke it: a person who mistypes three times and then gets it right stays cleared.
 */
export const CLEARANCE_REVOKE_FAILURES = 4
/** A revoked clearance whose client has this many failed logins in 10 minutes is blocked, not re-challenged. */
export const CLEARANCE_BLOCK_FAILURES = 2 * CLEARANCE_REVOKE_FAILURES

/** A clearance's use record, as the use store answers it (this use counted). */
export interface ClearanceUse {
  /** Uses including this one. */
  readonly uses: number
  /** Failed logins since its first use; null when the counters could not say. */
  readonly failuresSince: number | null
  /** Revoked by failures at this or an earlier use (sticky). */
  readonly revoked: boolean
}

/**
 * How a revoked clearance's client is treated: `block`, challenged at the `hardest` difficulty, or
 * challenged `again` at the decision's own (a deviceless clearance, below).
 */
export type RevokedEscalation = 'block' | 'hardest' | 'again'

export type ClearanceJudgement =
  | { readonly kind: 'cleared' }
  | { readonly kind: 'exhausted' }
  | { readonly kind: 'revoked'; readonly escalation: RevokedEscalation }

/**
 * Whether a counted use clears; `failuresNow`: the client's failed logins in the last 10 minutes.
 * A deviceless clearance's failures are its address's, which a neighbour behind the same NAT
 * shares: it stops lifting, but is never escalated (a script drops the cookie and gets exactly
 * this anyway; only a browser, which cannot, would pay the hardest work or a block).
 */
export function judgeClearanceUse(use: ClearanceUse, failuresNow: number | null, deviceBound: boolean, maxUses: number = CLEARANCE_MAX_USES): ClearanceJudgement {
  if (use.revoked) {
    if (!deviceBound) return { kind: 'revoked', escalation: 'again' }
    return { kind: 'revoked', escalation: failuresNow !== null && failuresNow >= CLEARANCE_BLOCK_FAILURES ? 'block' : 'hardest' }
  }
  if (use.uses > maxUses) return { kind: 'exhausted' }
  return { kind: 'cleared' }
}

/** Whether a use record is revoked by failures (the store keeps the answer). */
export const revokedByFailures = (failuresSince: number | null): boolean => failuresSince !== null && failuresSince >= CLEARANCE_REVOKE_FAILURES

/**
 * The decision for a client whose clearance was revoked: challenged again (at the hardest
 * difficulty for `hardest`), or blocked when it has kept failing (`block`). Shadow mode changes
 * what it would do only. Never softens a decision.
 */
export function escalateRevoked(decision: Decision, escalation: RevokedEscalation): Decision {
  const block = escalation === 'block'
  const reasons = [block ? 'clearance_revoked_block' : 'clearance_revoked', ...decision.reasons]
  const { mode } = decision
  if (block) {
    if (mode === 'enforce') return { ...withoutDifficulty(decision), action: 'block', wouldAction: 'block', reasons }
    return { ...decision, wouldAction: 'block', reasons }
  }
  if (escalation === 'hardest' && decision.action === 'challenge') return { ...decision, difficulty: POW_MAX_DIFFICULTY, reasons }
  return { ...decision, reasons }
}

function withoutDifficulty(decision: Decision): Omit<Decision, 'action'> {
  const { action: _action, ...rest } = decision
  if ('difficulty' in rest) {
    const { difficulty: _d, ...plain } = rest as typeof rest & { difficulty: number }
    return plain
  }
  return rest
}
