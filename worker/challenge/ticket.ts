// Challenge tickets: the signed difficulty a challenge decision hands the browser. Takes a
// mitigation plan (or a ticket from the URL), the env and the client; returns the ticket, or
// what a ticket says. A ticket is a challenge token (src/signals/challengeToken.ts): difficulty,
// return path, User-Agent and IP-prefix binding, five-minute expiry — so the `?d=` a client
// writes can never lower the work, and a ticket cannot be carried to another client.
import type { Mitigation } from '../../src/action/respond'
import { POW_MAX_DIFFICULTY } from '../../src/action/pow'
import { challengeReturn } from '../../src/action/respond'
import { bindingHashes, type BindingHashes } from '../../src/signals/binding'
import { CHALLENGE_ID_PATTERN, issueChallengeToken, verifyChallengeToken, type ChallengeTier } from '../../src/signals/challengeToken'
import { loadCookieKeys, type LoadedKeys } from '../../src/signals/cookieKeys'

/** 16 random bytes as base64url (22 characters): challenge ids and ticket ids. */
export function newChallengeId(): string {
  let bin = ''
  for (const b of crypto.getRandomValues(new Uint8Array(16))) bin += String.fromCharCode(b)
  const id = btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  if (!CHALLENGE_ID_PATTERN.test(id)) throw new TypeError('challenge id encoding')
  return id
}

export interface TicketClient {
  readonly userAgent: string | null
  readonly ip: string
}

/**
 * The ticket for an HTML challenge page, or null (not an HTML challenge, or no keys: the link then
 * carries no ticket and the challenge page asks the most work). Never throws.
 */
export async function challengeTicketFor(m: Mitigation, env: Env, client: TicketClient, now: number, tier: ChallengeTier = 'high'): Promise<string | null> {
  if (m.body.format !== 'html' || m.body.page !== 'challenge') return null
  try {
    const keys = await loadCookieKeys(env.EDGEWARD_COOKIE_KEYS)
    if (!keys.ok) return null
    const binding = await bindingHashes(client.userAgent, client.ip)
    const difficulty = Math.min(POW_MAX_DIFFICULTY, m.body.difficulty)
    return await issueChallengeToken({ id: newChallengeId(), method: 'pow', difficulty, returnPath: m.body.returnPath, tier, now, ...binding }, keys.value)
  } catch {
    return null
  }
}

export interface TicketTerms {
  readonly difficulty: number
  readonly returnPath: string
  /** Whether a valid ticket set these terms (false: none or refused, so the most work). */
  readonly signed: boolean
  /** The ticket's signed risk tier; `high` without one (no wait offered). */
  readonly tier: ChallengeTier
}

/**
 * The terms a challenge page must use: the valid ticket's difficulty and return path; without
 * one (missing, forged, expired, another client's) the hardest difficulty and the `return` query.
 */
export async function ticketTerms(ticket: string | null, queryReturn: string | null, keys: LoadedKeys, binding: BindingHashes, now: number): Promise<TicketTerms> {
  if (ticket !== null && ticket !== '') {
    const checked = await verifyChallengeToken(ticket, keys, { now, ...binding })
    if (checked.ok && checked.value.m === 'pow') {
      return { difficulty: checked.value.d, returnPath: challengeReturn(checked.value.r), signed: true, tier: checked.value.t ?? 'high' }
    }
  }
  return { difficulty: POW_MAX_DIFFICULTY, returnPath: challengeReturn(queryReturn), signed: false, tier: 'high' }
}
