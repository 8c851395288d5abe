// Verifies a posted challenge answer: takes the verify request, the env and `now`; checks the
// form, the signed challenge (header, type, claims, expiry, binding), the browser report against
// the request's headers, the proof of work or Turnstile, and single use; returns an outcome with
// the clearance cookie (bound to the device, else to network and User-Agent) or a tagged reason.
import { challengeReturn } from '../../src/action/respond'
import { checkPow } from '../../src/action/pow'
import { bindingHashes } from '../../src/signals/binding'
import { BROWSER_FIELD, judgeBrowserReport, type BrowserProblem } from '../../src/signals/browserReport'
import { verifyChallengeToken, type ChallengeMethod, type ChallengeProblem } from '../../src/signals/challengeToken'
import { clearanceNetHash, clearanceSetCookie, clearanceTtlS, issueClearanceToken } from '../../src/signals/clearanceToken'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { readDeviceCookie } from '../../src/signals/deviceCookie'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { readCappedBody } from '../body'
import { VERIFY_MAX_BYTES } from './constants'
import { redeemChallenge } from './nonces'
import { TURNSTILE_UNAVAILABLE, turnstileSettings, verifyTurnstile, type TurnstileProblem } from './turnstile'

export type VerifyRefusal =
  | ChallengeProblem
  | TurnstileProblem
  | BrowserProblem
  | 'content_type' | 'cross_site' | 'too_large' | 'not_utf8' | 'pow_malformed' | 'pow_insufficient' | 'replayed'

export type VerifyUnavailable = 'no_keys' | 'nonce_store' | 'sign_failed' | TurnstileProblem

export type VerifyOutcome =
  | { readonly kind: 'cleared'; readonly method: ChallengeMethod; readonly returnPath: string; readonly setCookie: string; readonly deviceId: string | null }
  /**
   * `retry`: where "try again" may lead, and with which ticket — the posted challenge itself, only
   * when its signature and binding verified (so a retry keeps the work it was set, never less).
   */
  | { readonly kind: 'refused'; readonly reason: VerifyRefusal; readonly retry: Retry }
  | { readonly kind: 'unavailable'; readonly reason: VerifyUnavailable }

interface Retry {
  readonly returnPath: string
  readonly ticket?: string
}
const HOME: Retry = { returnPath: '/' }
const refused = (reason: VerifyRefusal, retry: Retry = HOME): VerifyOutcome => ({ kind: 'refused', reason, retry })

function isForm(contentType: string | null): boolean {
  const [type = '', ...params] = (contentType ?? '').toLowerCase().split(';').map((s) => s.trim())
  return type === 'application/x-www-form-urlencoded' && params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8')
}

async function readForm(req: Request): Promise<URLSearchParams | VerifyRefusal> {
  if (!isForm(req.headers.get('content-type'))) return 'content_type'
  if (req.headers.get('sec-fetch-site') === 'cross-site') return 'cross_site'
  if (Number(req.headers.get('content-length') ?? '0') > VERIFY_MAX_BYTES) return 'too_large'
  const bytes = await readCappedBody(req.body, VERIFY_MAX_BYTES)
  if (bytes === 'too_large') return 'too_large'
  try {
    return new URLSearchParams(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes))
  } catch {
    return 'not_utf8'
  }
}

export async function verifyChallenge(req: Request, env: Env, now: number): Promise<VerifyOutcome> {
  const form = await readForm(req)
  if (typeof form === 'string') return refused(form)
  const keys = await loadCookieKeys(env.EDGEWARD_COOKIE_KEYS)
  if (!keys.ok) return { kind: 'unavailable', reason: 'no_keys' }
  const ip = req.headers.get('cf-connecting-ip') ?? '0.0.0.0'
  const binding = await bindingHashes(req.headers.get('user-agent'), ip)
  const checked = await verifyChallengeToken(form.get('challenge') ?? undefined, keys, { now, ...binding })
  if (!checked.ok) return refused(checked.reason)
  const c = checked.value
  const retry: Retry = { returnPath: challengeReturn(c.r), ...(c.m === 'pow' ? { ticket: form.get('challenge') ?? undefined } : {}) }

  // The page's own report of the browser must agree with this request's headers, and show no driver.
  const browser = judgeBrowserReport(form.get(BROWSER_FIELD), {
    userAgent: req.headers.get('user-agent'),
    acceptLanguage: req.headers.get('accept-language'),
    secChUa: req.headers.get('sec-ch-ua'),
    secChUaMobile: req.headers.get('sec-ch-ua-mobile'),
    secChUaPlatform: req.headers.get('sec-ch-ua-platform'),
  })
  if (!browser.ok) return refused(browser.reason, retry)

  const turnstile = c.m === 'turnstile' ? turnstileSettings(env) : null
  if (c.m === 'pow') {
    const pow = await checkPow(c.jti, form.get('solution') ?? '', c.d)
    if (!pow.ok) return refused(pow.reason === 'malformed' ? 'pow_malformed' : 'pow_insufficient', retry)
  } else if (turnstile === null) {
    return { kind: 'unavailable', reason: 'turnstile_not_configured' }
  } else if ((form.get('cf-turnstile-response') ?? '') === '') {
    return refused('turnstile_missing', retry)
  }

  // Single use before anything else costs a subrequest: a replay never reaches siteverify.
  const redeemed = await redeemChallenge(env, c.jti, c.exp * 1000)
  if (!redeemed.ok) return { kind: 'unavailable', reason: 'nonce_store' }
  if (redeemed.value === 'replayed') return refused('replayed', retry)

  if (turnstile !== null) {
    const answer = await verifyTurnstile({
      secret: turnstile.secret,
      response: form.get('cf-turnstile-response'),
      remoteIp: ip,
      hostname: new URL(req.url).hostname,
      challengeId: c.jti,
    })
    if (!answer.ok) return TURNSTILE_UNAVAILABLE.has(answer.reason) ? { kind: 'unavailable', reason: answer.reason } : refused(answer.reason, retry)
  }

  const device = await verifyDeviceToken(readDeviceCookie(req.headers.get('cookie')), keys, { now, ...binding })
  const deviceId = device.kind === 'valid' && !device.replayed ? device.deviceId : null
  let token: string
  try {
    const netHash = await clearanceNetHash(ip)
    token = await issueClearanceToken({ challengeId: c.jti, method: c.m, difficulty: c.d, deviceId, netHash, now, ...binding }, keys.value)
  } catch {
    return { kind: 'unavailable', reason: 'sign_failed' }
  }
  return { kind: 'cleared', method: c.m, returnPath: retry.returnPath, setCookie: clearanceSetCookie(token, req.url, clearanceTtlS(deviceId)), deviceId }
}
