// Turnstile: takes the env (is it configured?) or a widget response with the request's host, IP
// and challenge id; asks siteverify within a deadline and returns a Result. Fails closed: a
// timeout, a network error or an answer we cannot read never clears a browser.
import * as v from 'valibot'
import { err, ok, type Result } from '../../src/util/result'
import { withDeadline } from '../deadline'
import { TURNSTILE_ACTION, TURNSTILE_SITEVERIFY, TURNSTILE_TIMEOUT_MS } from './constants'

export interface TurnstileSettings {
  readonly siteKey: string
  readonly secret: string
}

const SITE_KEY = /^[A-Za-z0-9_-]{1,64}$/
/** Widget responses are at most 2048 characters. */
export const TURNSTILE_RESPONSE_MAX = 2048

/** Both a well-formed site key and a secret, or null (then the page uses proof of work). */
export function turnstileSettings(env: Env): TurnstileSettings | null {
  const siteKey = env.EDGEWARD_TURNSTILE_SITE_KEY?.trim() ?? ''
  const secret = env.EDGEWARD_TURNSTILE_SECRET?.trim() ?? ''
  if (!SITE_KEY.test(siteKey) || secret === '') return null
  return { siteKey, secret }
}

export const TURNSTILE_PROBLEMS = [
  'turnstile_missing', 'turnstile_not_configured', 'turnstile_timeout', 'turnstile_network', 'turnstile_status',
  'turnstile_unreadable', 'turnstile_failed', 'turnstile_hostname', 'turnstile_action', 'turnstile_cdata',
] as const
export type TurnstileProblem = (typeof TURNSTILE_PROBLEMS)[number]

/** Problems that mean "could not ask", not "asked and refused". */
export const TURNSTILE_UNAVAILABLE: ReadonlySet<TurnstileProblem> = new Set(['turnstile_timeout', 'turnstile_network', 'turnstile_status', 'turnstile_unreadable'])

const AnswerSchema = v.object({
  success: v.boolean(),
  hostname: v.optional(v.string()),
  action: v.optional(v.string()),
  cdata: v.optional(v.string()),
  'error-codes': v.optional(v.array(v.string())),
})

export interface TurnstileCheck {
  readonly secret: string
  /** The widget's `cf-turnstile-response` form field. */
  readonly response: string | null
  readonly remoteIp: string
  /** The hostname the page was served on (no port). */
  readonly hostname: string
  /** Our challenge id, set as the widget's cdata. */
  readonly challengeId: string
}

async function ask(check: TurnstileCheck, signal: AbortSignal): Promise<Result<unknown, TurnstileProblem>> {
  const body = new URLSearchParams({ secret: check.secret, response: check.response ?? '', remoteip: check.remoteIp })
  let res: Response
  try {
    res = await fetch(TURNSTILE_SITEVERIFY, { method: 'POST', body, signal })
  } catch (e) {
    return err(e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError') ? 'turnstile_timeout' : 'turnstile_network')
  }
  if (!res.ok) return err('turnstile_status', String(res.status))
  try {
    return ok(await res.json())
  } catch {
    return err('turnstile_unreadable')
  }
}

export async function verifyTurnstile(check: TurnstileCheck, timeoutMs = TURNSTILE_TIMEOUT_MS): Promise<Result<true, TurnstileProblem>> {
  if (check.response === null || check.response === '' || check.response.length > TURNSTILE_RESPONSE_MAX) return err('turnstile_missing')
  const controller = new AbortController()
  const answered = await withDeadline(ask(check, controller.signal), timeoutMs)
  if (!answered.ok) {
    controller.abort()
    return err(answered.reason === 'timeout' ? 'turnstile_timeout' : 'turnstile_network')
  }
  if (!answered.value.ok) return answered.value
  const parsed = v.safeParse(AnswerSchema, answered.value.value)
  if (!parsed.success) return err('turnstile_unreadable')
  const a = parsed.output
  if (!a.success) return err('turnstile_failed', (a['error-codes'] ?? []).slice(0, 4).join(','))
  if (a.hostname === undefined || a.hostname.toLowerCase() !== check.hostname.toLowerCase()) return err('turnstile_hostname')
  // Action and cdata are integrity-protected by Turnstile and our page always sets both: each must
  // be there and be ours. Absent means a token from another widget (another site's, or one without
  // our challenge id), so it is refused like a wrong one.
  if (a.action !== TURNSTILE_ACTION) return err('turnstile_action')
  if (a.cdata !== check.challengeId) return err('turnstile_cdata')
  return ok(true)
}
