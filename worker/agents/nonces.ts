// Single use of Web Bot Auth nonces: takes the env, the agent's nonce (with its agent and key) and
// the signature's expiry; returns whether this is its first use, or `unavailable` when the store misses
// its budget (the caller then does not verify: single use is a signature check, it fails closed).
// The challenge flow's NonceStore class, in objects of its own (`["agent-nonces",n]`).
import { err, ok, type Result } from '../../src/util/result'
import { withDeadline } from '../deadline'
import { NONCE_SHARDS } from '../challenge/nonces'

/** A signed request waits this long at most for its nonce's answer. */
export const AGENT_NONCE_BUDGET_MS = 500

export async function redeemAgentNonce(env: Env, id: string, expiresAt: number, budgetMs = AGENT_NONCE_BUDGET_MS): Promise<Result<'first_use' | 'replayed', 'unavailable'>> {
  try {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(id)))
    // Sharded by digest (a nonce's first character is the agent's to choose), keyed by digest (bounded size).
    const key = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('')
    const stub = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(JSON.stringify(['agent-nonces', digest[0]! % NONCE_SHARDS])))
    const result = await withDeadline(Promise.resolve(stub.consume(`agent:${key}`, expiresAt)), budgetMs)
    if (!result.ok) return err('unavailable', result.reason)
    return ok(result.value ? 'first_use' : 'replayed')
  } catch (e) {
    return err('unavailable', e instanceof Error ? e.name : undefined)
  }
}
