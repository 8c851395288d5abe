// The no-JavaScript path (docs/challenge.md): issues the wait token a low- or medium-tier challenge
// page offers, and redeems one — signature, time, binding (User-Agent, IP prefix, /24 or /64), the
// wait, single use and the per-network cap — into a deviceless `wait` clearance, weaker than a
// solve's (CLEARANCE_WAIT_TTL_S, CLEARANCE_WAIT_MAX_USES). Takes the request, env, config and `now`.
import { challengeReturn } from '../../src/action/respond'
import type { CompiledConfig } from '../../src/config/compileConfig'
import { bindingHashes, type BindingHashes } from '../../src/signals/binding'
import { clearanceNetHash, clearanceSetCookie, clearanceTtlS, issueClearanceToken } from '../../src/signals/clearanceToken'
import type { CookieKeys } from '../../src/signals/cookieKeys'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { issueWaitToken, verifyWaitToken } from '../../src/signals/waitToken'
import { NOJS_CAP_WINDOW_MS } from './constants'
import { redeemWait } from './nonces'
import { newChallengeId } from './ticket'

export type WaitRefusal = 'wait_forged' | 'wait_expired' | 'wait_other_client' | 'wait_replayed' | 'wait_limited' | 'wait_off'

export type WaitOutcome =
  | { readonly kind: 'cleared'; readonly returnPath: string; readonly setCookie: string }
  | { readonly kind: 'early'; readonly token: string; readonly secondsLeft: number }
  | { readonly kind: 'refused'; readonly reason: WaitRefusal; readonly returnPath: string }
  | { readonly kind: 'unavailable'; readonly reason: 'no_keys' | 'nonce_store' | 'sign_failed' }

/** The wait token for a challenge page, or null (the wait is off); never throws. */
export async function offerWait(
  config: CompiledConfig,
  keys: CookieKeys,
  terms: { readonly difficulty: number; readonly returnPath: string },
  client: BindingHashes & { readonly ip: string },
  now: number,
): Promise<{ token: string; seconds: number } | null> {
  const { nojs_wait_s: seconds, nojs_per_net_10m: cap } = config.source.challenge
  if (cap === 0) return null
  try {
    const token = await issueWaitToken(
      { id: newChallengeId(), difficulty: terms.difficulty, returnPath: terms.returnPath, netHash: await clearanceNetHash(client.ip), waitS: seconds, now, ...client },
      keys,
    )
    return { token, seconds }
  } catch {
    return null
  }
}

export async function redeemWaitToken(req: Request, env: Env, config: CompiledConfig, now: number): Promise<WaitOutcome> {
  const keys = await loadCookieKeys(env.EDGEWARD_COOKIE_KEYS)
  if (!keys.ok) return { kind: 'unavailable', reason: 'no_keys' }
  const token = new URL(req.url).searchParams.get('w') ?? undefined
  const ip = req.headers.get('cf-connecting-ip') ?? '0.0.0.0'
  const binding = await bindingHashes(req.headers.get('user-agent'), ip)
  const netHash = await clearanceNetHash(ip)
  const checked = await verifyWaitToken(token, keys, { now, netHash, ...binding })
  if (!checked.ok) {
    switch (checked.reason) {
      case 'early':
        return { kind: 'early', token: token ?? '', secondsLeft: (checked.claims.rdy - now) / 1000 }
      case 'expired':
        return { kind: 'refused', reason: 'wait_expired', returnPath: '/' }
      case 'ua_mismatch':
      case 'ip_mismatch':
        return { kind: 'refused', reason: 'wait_other_client', returnPath: '/' }
      default:
        return { kind: 'refused', reason: 'wait_forged', returnPath: '/' }
    }
  }
  const c = checked.value
  const returnPath = challengeReturn(c.r)
  const cap = config.source.challenge.nojs_per_net_10m
  if (cap === 0) return { kind: 'refused', reason: 'wait_off', returnPath }
  const redeemed = await redeemWait(env, { id: c.jti, expiresAt: c.exp * 1000, net: c.net, max: cap, windowMs: NOJS_CAP_WINDOW_MS }, now)
  if (!redeemed.ok) return { kind: 'unavailable', reason: 'nonce_store' }
  if (redeemed.value === 'replayed') return { kind: 'refused', reason: 'wait_replayed', returnPath }
  if (redeemed.value === 'limited') return { kind: 'refused', reason: 'wait_limited', returnPath }
  let clearance: string
  try {
    clearance = await issueClearanceToken({ challengeId: c.jti, method: 'wait', difficulty: c.d, deviceId: null, netHash, now, ...binding }, keys.value)
  } catch {
    return { kind: 'unavailable', reason: 'sign_failed' }
  }
  return { kind: 'cleared', returnPath, setCookie: clearanceSetCookie(clearance, req.url, clearanceTtlS(null, 'wait')) }
}
