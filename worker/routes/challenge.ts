// GET /__edgeward/challenge?return=<path>[&t=<ticket>]: issues a signed, single-use challenge at the
// ticket's signed difficulty (the hardest without a valid ticket; a `d` the client writes is never
// read) and answers the page that solves it. POST /__edgeward/challenge/verify: checks the answer
// and the browser report → 303 to the return path with the clearance cookie, 403 if refused, 503
// if it cannot check. No reflection.
import { Hono } from 'hono'
import { clearanceMaxUses } from '../../src/policy/clearance'
import { waitAllowed } from '../../src/policy/challengeTier'
import { bindingHashes, type BindingHashes } from '../../src/signals/binding'
import { issueChallengeToken, type ChallengeTier } from '../../src/signals/challengeToken'
import { clearanceNetHash, readClearanceCookie, verifyClearance } from '../../src/signals/clearanceToken'
import { loadCookieKeys, type CookieKeys } from '../../src/signals/cookieKeys'
import { readDeviceCookie } from '../../src/signals/deviceCookie'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { ok } from '../../src/util/result'
import { clearanceUsable } from '../challenge/clearanceUse'
import { CHALLENGE_PAGE_PATH, CHALLENGE_VERIFY_PATH, CHALLENGE_WAIT_PATH, NONCE_STORE_BUDGET_MS } from '../challenge/constants'
import { newChallengeId, ticketTerms } from '../challenge/ticket'
import { turnstileSettings } from '../challenge/turnstile'
import { verifyChallenge } from '../challenge/verify'
import { offerWait, redeemWaitToken } from '../challenge/wait'
import { BUNDLED_CONFIG, loadConfig } from '../config/load'
import type { CompiledConfig } from '../../src/config/compileConfig'
import { canonicalIp } from '../../src/counters/deny'
import { countOnAddress } from '../counters/sourceEvent'
import { counterFlushMs } from '../evaluate'
import {
  challengeClearedPage, challengeFailedPage, challengeSolvePage, challengeUnavailablePage, challengeWaitPage, challengeWaitRefusedPage, type Page,
} from '../pages/challenge'

/** What a challenge route did, for the decision log line (`detail`, `device`). */
export interface ChallengeOutcome {
  /** `challenge:issued:pow:16`, `challenge:cleared:pow`, `challenge:refused:replayed`, `challenge:unavailable:no_keys`. */
  readonly detail: string
  readonly deviceId: string | null
}

const outcomes = new WeakMap<Request, ChallengeOutcome>()

/** The outcome of a challenge request (the Request the reserved app was given), or undefined. */
export function challengeOutcome(request: Request): ChallengeOutcome | undefined {
  return outcomes.get(request)
}

/**
 * True when the browser already holds a clearance good for this difficulty, with uses left and not
 * revoked: it was sent back here although cleared (a rule's challenge, which no clearance lifts),
 * so the site still refuses it. Solving again would loop forever.
 */
async function alreadyCleared(env: Env, req: Request, keys: CookieKeys, difficulty: number, tier: ChallengeTier, binding: BindingHashes, now: number): Promise<boolean> {
  const cookies = req.headers.get('cookie')
  const clearance = readClearanceCookie(cookies)
  if (clearance === undefined) return false
  const loaded = ok(keys)
  const device = await verifyDeviceToken(readDeviceCookie(cookies), loaded, { now, ...binding })
  const deviceId = device.kind === 'valid' && !device.replayed ? device.deviceId : null
  const netHash = await clearanceNetHash(req.headers.get('cf-connecting-ip') ?? '0.0.0.0')
  const state = await verifyClearance(clearance, loaded, { now, deviceId, netHash, minDifficulty: difficulty, ...binding })
  // A wait (no JavaScript) does not answer a high-tier challenge: the browser is set the puzzle instead.
  if (state.kind === 'valid' && state.method === 'wait' && !waitAllowed(tier)) return false
  return state.kind === 'valid' && (await clearanceUsable(env, state.id, clearanceMaxUses(state.method), NONCE_STORE_BUDGET_MS))
}

function pageResponse(page: Page, status: 200 | 403 | 503): Response {
  return new Response(page.html, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': page.csp,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    },
  })
}

export const challengeRoutes = new Hono<{ Bindings: Env }>()

challengeRoutes.get(CHALLENGE_PAGE_PATH, async (c) => {
  const req = c.req.raw
  const query = new URL(req.url).searchParams
  const keys = await loadCookieKeys(c.env.EDGEWARD_COOKIE_KEYS)
  if (!keys.ok) {
    // No key, no signed challenge: fail closed, plainly, never a 500.
    outcomes.set(req, { detail: `challenge:unavailable:no_keys`, deviceId: null })
    return pageResponse(challengeUnavailablePage(), 503)
  }
  const turnstile = turnstileSettings(c.env)
  const binding = await bindingHashes(req.headers.get('user-agent'), req.headers.get('cf-connecting-ip') ?? '0.0.0.0')
  const now = Date.now()
  // The work comes from the signed ticket the challenge decision issued; nothing else can lower it.
  const { difficulty, returnPath, tier } = await ticketTerms(query.get('t'), query.get('return'), keys, binding, now)
  if (await alreadyCleared(c.env, req, keys.value, difficulty, tier, binding, now)) {
    outcomes.set(req, { detail: 'challenge:already_cleared', deviceId: null })
    return pageResponse(challengeClearedPage(returnPath), 403)
  }
  const challengeId = newChallengeId()
  const method = turnstile === null ? 'pow' : 'turnstile'
  // The page's own challenge keeps the ticket's tier, so "try again" after a refused answer offers the same.
  const token = await issueChallengeToken({ id: challengeId, method, difficulty, returnPath, tier, now, ...binding }, keys.value)
  // Low or medium tier (signed in the ticket): a browser without JavaScript may wait instead.
  const ip = req.headers.get('cf-connecting-ip') ?? '0.0.0.0'
  const config = waitAllowed(tier) ? await loadConfig(c.env.EDGEWARD_CONFIG, now).then((s) => s.config, () => BUNDLED_CONFIG) : null
  const wait = config === null ? null : await offerWait(config, keys.value, { difficulty, returnPath }, { ip, ...binding }, now)
  const issued = method === 'pow' ? `challenge:issued:pow:${difficulty}` : 'challenge:issued:turnstile'
  outcomes.set(req, { detail: wait === null ? issued : `${issued}:wait`, deviceId: null })
  const offer = wait === null ? {} : { wait }
  const page =
    turnstile === null
      ? challengeSolvePage({ method: 'pow', token, challengeId, difficulty, ...offer })
      : challengeSolvePage({ method: 'turnstile', token, challengeId, siteKey: turnstile.siteKey, ...offer })
  return pageResponse(page, 200)
})

challengeRoutes.post(CHALLENGE_VERIFY_PATH, async (c) => {
  const req = c.req.raw
  const outcome = await verifyChallenge(req, c.env, Date.now())
  switch (outcome.kind) {
    case 'cleared':
      outcomes.set(req, { detail: `challenge:cleared:${outcome.method}`, deviceId: outcome.deviceId })
      c.executionCtx.waitUntil(countPass(c.env, (p) => c.executionCtx.waitUntil(p), req))
      return new Response(null, {
        status: 303,
        headers: { location: outcome.returnPath, 'set-cookie': outcome.setCookie, 'cache-control': 'no-store' },
      })
    case 'refused':
      outcomes.set(req, { detail: `challenge:refused:${outcome.reason}`, deviceId: null })
      return pageResponse(challengeFailedPage(outcome.retry.returnPath, outcome.retry.ticket), 403)
    case 'unavailable':
      outcomes.set(req, { detail: `challenge:unavailable:${outcome.reason}`, deviceId: null })
      return pageResponse(challengeUnavailablePage(), 503)
  }
})

// GET /__edgeward/challenge/wait?w=<wait token>: the no-JavaScript path. Early → the wait page again
// (200, not a failure); refused → 403; redeemed → 303 to the return path with a `wait` clearance.
challengeRoutes.get(CHALLENGE_WAIT_PATH, async (c) => {
  const req = c.req.raw
  const now = Date.now()
  const config = await loadConfig(c.env.EDGEWARD_CONFIG, now).then((s) => s.config, () => BUNDLED_CONFIG)
  const outcome = await redeemWaitToken(req, c.env, config, now)
  switch (outcome.kind) {
    case 'cleared':
      outcomes.set(req, { detail: 'challenge:cleared:wait', deviceId: null })
      c.executionCtx.waitUntil(countPass(c.env, (p) => c.executionCtx.waitUntil(p), req, config))
      return new Response(null, { status: 303, headers: { location: outcome.returnPath, 'set-cookie': outcome.setCookie, 'cache-control': 'no-store' } })
    case 'early':
      outcomes.set(req, { detail: 'challenge:refused:wait_early', deviceId: null })
      return pageResponse(challengeWaitPage(outcome.token, outcome.secondsLeft), 200)
    case 'refused':
      outcomes.set(req, { detail: `challenge:refused:${outcome.reason}`, deviceId: null })
      return pageResponse(challengeWaitRefusedPage(outcome.returnPath), 403)
    case 'unavailable':
      outcomes.set(req, { detail: `challenge:unavailable:${outcome.reason}`, deviceId: null })
      return pageResponse(challengeUnavailablePage(), 503)
  }
})

/** A clearance issued is a challenge the address passed (src/policy/ignoredChallenges.ts); in waitUntil, never rejects. */
async function countPass(env: Env, defer: (p: Promise<unknown>) => void, req: Request, known?: CompiledConfig): Promise<void> {
  const now = Date.now()
  const config = known ?? (await loadConfig(env.EDGEWARD_CONFIG, now).then((s) => s.config, () => BUNDLED_CONFIG))
  const ip = canonicalIp(req.headers.get('cf-connecting-ip') ?? '')
  await countOnAddress(env, ip, 'challenge_passes', now, { defer, flushEveryMs: counterFlushMs(env, config), ipv6PrefixBits: config.source.counters.ipv6_prefix_bits })
}
