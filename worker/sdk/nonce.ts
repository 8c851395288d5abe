// SDK nonces on the platform: signs one for a page view (HTMLRewriter puts it on the SDK tag) and
// spends one at collect (single use, in the NonceStore objects the challenge flow also uses, under
// their own names). Takes the env, the client's User-Agent and IP, the caller's time; never throws.
// Single use is a security check: a store that does not answer in time leaves the device unproven.
import { bindingHashes, type BindingHashes } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { issueSdkNonce, verifySdkNonce, type SdkNonceProblem } from '../../src/signals/sdkNonce'
import { base64url } from '../../src/util/base64url'
import { err, ok, type Result } from '../../src/util/result'
import { withDeadline } from '../deadline'

/** Spent nonces are spread over this many NonceStore objects, by the id's first character. */
export const SDK_NONCE_SHARDS = 32
/** The store's answer is awaited this long on the collect path (collect is not on a page's critical path). */
export const SDK_NONCE_STORE_BUDGET_MS = 250

/** The NonceStore object holding a spent SDK nonce id; never one of the challenge shards' names. */
export function sdkNonceShard(id: string): string {
  return JSON.stringify(['sdk-nonces', (id.charCodeAt(0) || 0) % SDK_NONCE_SHARDS])
}

/** 16 random bytes as base64url (22 characters): a nonce's, or an app token's, id. */
export function randomId(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(16)))
}

/** A fresh nonce for the page this client is about to get, or null (no keys, or signing failed). */
export async function pageNonce(env: Env, userAgent: string | null, ip: string | null, now: number): Promise<string | null> {
  try {
    const keys = await loadCookieKeys(env.EDGEWARD_COOKIE_KEYS)
    if (!keys.ok) return null
    return await issueSdkNonce({ id: randomId(), now, ...(await bindingHashes(userAgent, ip)) }, keys.value)
  } catch {
    return null
  }
}

/**
 * Checks a nonce presented at collect (signature, lifetime, same client) and spends it. `ok` only
 * the first time; `replayed` after; `store_unavailable` when the store misses its budget.
 */
export async function spendSdkNonce(
  env: Env,
  token: string | undefined,
  binding: BindingHashes,
  now: number,
  budgetMs = SDK_NONCE_STORE_BUDGET_MS,
): Promise<Result<true, SdkNonceProblem>> {
  const checked = await verifySdkNonce(token, await loadCookieKeys(env.EDGEWARD_COOKIE_KEYS), { now, ...binding })
  if (!checked.ok) return checked
  const { id, expiresAt } = checked.value
  let first: Promise<boolean>
  try {
    const stub = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(sdkNonceShard(id)))
    first = Promise.resolve(stub.consume(`sdk:${id}`, expiresAt))
  } catch {
    return err('store_unavailable')
  }
  const answer = await withDeadline(first, budgetMs)
  if (!answer.ok) return err('store_unavailable')
  return answer.value ? ok(true) : err('replayed')
}
