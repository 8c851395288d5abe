// Using a clearance on a challenged request: takes the request's cookie, binding, device, the
// client's failed-login counts and a budget; verifies the clearance (signature, time, device or
// network + User-Agent, difficulty), counts the use in its Durable Object record and returns the
// judgement (cleared, exhausted, revoked). One RPC per request the model would challenge, none
// otherwise. The store missing its budget is an infrastructure fault: the clearance is honoured
// uncounted and the line says `clearance_uses` (a person is not sent round the puzzle again).
import { clearanceMaxUses, judgeClearanceUse, type ClearanceJudgement } from '../../src/policy/clearance'
import type { BindingHashes } from '../../src/signals/binding'
import { clearanceNetHash, readClearanceCookie, verifyClearance } from '../../src/signals/clearanceToken'
import type { LoadedKeys } from '../../src/signals/cookieKeys'
import { withDeadline } from '../deadline'
import { nonceShard } from './nonces'

export interface ClearanceUseInput {
  readonly env: Env
  readonly cookieHeader: string | null
  readonly keys: LoadedKeys
  readonly binding: BindingHashes
  readonly ip: string
  /** The request's valid, non-replayed device id, or null. */
  readonly deviceId: string | null
  readonly minDifficulty: number
  /** Failed logins in the last 10 minutes: the device's, and the IP's (null: counters missing). */
  readonly failures: { readonly device: number | null; readonly ip: number | null }
  readonly budgetMs: number
  readonly now: number
  /** Only a clearance bound to `deviceId` may lift this challenge (an identity rule's): a deviceless one is not read. */
  readonly deviceBoundOnly?: boolean
  /** Whether a `wait` clearance (no JavaScript) may lift this challenge: false at a high tier. Omitted: true. */
  readonly waitLifts?: boolean
}

export type ClearanceOutcome = { readonly kind: 'none'; readonly reason: string } | ClearanceJudgement

export async function useClearance(input: ClearanceUseInput, missing: string[]): Promise<ClearanceOutcome> {
  const cookie = readClearanceCookie(input.cookieHeader)
  if (cookie === undefined) return { kind: 'none', reason: 'missing' }
  const state = await verifyClearance(cookie, input.keys, {
    now: input.now,
    ...input.binding,
    deviceId: input.deviceId,
    netHash: await clearanceNetHash(input.ip),
    minDifficulty: input.minDifficulty,
  })
  if (state.kind !== 'valid') return { kind: 'none', reason: state.kind === 'missing' ? 'missing' : state.reason }
  // Not counted: it cannot lift this challenge, and its uses stay for the ones it can.
  if (input.deviceBoundOnly === true && !state.deviceBound) return { kind: 'none', reason: 'deviceless' }
  if (input.waitLifts === false && state.method === 'wait') return { kind: 'none', reason: 'wait_high_tier' }
  // A device's clearance answers for the device's failures; a deviceless one for its address's.
  const failures = state.deviceBound ? input.failures.device : input.failures.ip
  let use
  try {
    const stub = input.env.CHALLENGE_NONCES.get(input.env.CHALLENGE_NONCES.idFromName(nonceShard(state.id)))
    use = await withDeadline(Promise.resolve(stub.useClearance(state.id, state.expiresAt, failures)), input.budgetMs)
  } catch {
    use = { ok: false as const }
  }
  if (!use.ok) {
    missing.push('clearance_uses')
    return { kind: 'cleared' }
  }
  return judgeClearanceUse(use.value, failures, state.deviceBound, clearanceMaxUses(state.method))
}

/**
 * Whether a clearance still has uses and was not revoked, without counting one: the challenge page
 * asks this before answering "already verified". Unknown (store down) counts as usable.
 */
export async function clearanceUsable(env: Env, id: string, maxUses: number, budgetMs: number): Promise<boolean> {
  try {
    const stub = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(nonceShard(id)))
    const peek = await withDeadline(Promise.resolve(stub.peekClearance(id)), budgetMs)
    return !peek.ok || (!peek.value.revoked && peek.value.uses < maxUses)
  } catch {
    return true
  }
}
