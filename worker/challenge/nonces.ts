// Single use of challenge ids: takes the env, a challenge id and its expiry; returns whether this
// is its first redemption, or `unavailable` when the store misses its budget (the caller then
// refuses: single use is a security check, it fails closed). No retries.
import { err, ok, type Result } from '../../src/util/result'
import { withDeadline } from '../deadline'
import type { NonceStore, WaitRedemption } from './NonceStore'
import { NONCE_STORE_BUDGET_MS } from './constants'

export const NONCE_SHARDS = 16

/** The shard of a challenge id: its first character's code, modulo the shard count. */
export function nonceShard(id: string): string {
  return `challenge-nonces-${(id.charCodeAt(0) || 0) % NONCE_SHARDS}`
}

export async function redeemChallenge(
  env: Env,
  id: string,
  expiresAt: number,
  budgetMs = NONCE_STORE_BUDGET_MS,
): Promise<Result<'first_use' | 'replayed', 'unavailable'>> {
  let stub: DurableObjectStub<NonceStore>
  try {
    stub = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(nonceShard(id)))
  } catch (e) {
    return err('unavailable', e instanceof Error ? e.message.slice(0, 120) : undefined)
  }
  const result = await withDeadline(Promise.resolve(stub.consume(id, expiresAt)), budgetMs)
  if (!result.ok) return err('unavailable', result.reason)
  return ok(result.value ? 'first_use' : 'replayed')
}

/**
 * Redeems a no-JavaScript wait token in its network's shard: single use and the per-network cap in one
 * call. `unavailable` when the store misses its budget: single use fails closed.
 */
export async function redeemWait(
  env: Env,
  wait: { readonly id: string; readonly expiresAt: number; readonly net: string; readonly max: number; readonly windowMs: number },
  now: number,
  budgetMs = NONCE_STORE_BUDGET_MS,
): Promise<Result<WaitRedemption, 'unavailable'>> {
  try {
    const stub: DurableObjectStub<NonceStore> = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(nonceShard(wait.net)))
    const result = await withDeadline(Promise.resolve(stub.redeemWait(wait.id, wait.expiresAt, wait.net, now, wait.max, wait.windowMs)), budgetMs)
    return result.ok ? ok(result.value) : err('unavailable', result.reason)
  } catch (e) {
    return err('unavailable', e instanceof Error ? e.message.slice(0, 120) : undefined)
  }
}
