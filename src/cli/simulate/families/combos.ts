// Leaked credential lists and throwaway identities for the attack families: takes a Random,
// returns combo-list entries (mostly wrong for this site, a few hits), fake emails and payees.
import type { Random } from '../random'
import { demoPassword, demoUser } from '../world'

export interface Combo {
  readonly username: string
  readonly password: string
}

const FIRST = ['james', 'mary', 'john', 'linda', 'david', 'susan', 'mike', 'karen', 'chris', 'lisa', 'alex', 'emma', 'noah', 'olivia', 'liam', 'ava', 'lucas', 'mia', 'ethan', 'sofia']
const LAST = ['smith', 'jones', 'brown', 'miller', 'davis', 'garcia', 'wilson', 'moore', 'taylor', 'anderson', 'thomas', 'martin', 'lee', 'walker', 'hall', 'young']
const MAIL = ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'aol.com', 'icloud.com', 'gmx.de', 'mail.ru']
const LEAKED_PASSWORDS = ['123456', 'password', 'qwerty123', 'iloveyou', 'welcome1', 'Summer2023!', 'letmein', 'dragon', 'monkey123', 'football', 'P@ssw0rd', 'abc123', 'sunshine1', 'princess', 'shadow12']

export function personEmail(rng: Random): string {
  const f = rng.pick(FIRST)
  const l = rng.pick(LAST)
  const style = rng.int(0, 3)
  const local = style === 0 ? `${f}.${l}` : style === 1 ? `${f}${l}${rng.int(1960, 2005)}` : style === 2 ? `${f[0]}${l}${rng.int(1, 99)}` : `${f}_${l}`
  return `${local}@${rng.pick(MAIL)}`
}

/** A reused password from another site's breach: leaked-list words, names with years. */
function leakedPassword(rng: Random): string {
  return rng.chance(0.5) ? rng.pick(LEAKED_PASSWORDS) : `${rng.pick(FIRST)}${rng.int(1, 2024)}${rng.chance(0.3) ? '!' : ''}`
}

/**
 * One combo-list entry. Most usernames exist here (the list was filtered to this site's
 * user base) or not at all; `hitRate` of existing ones carry the right password (reuse).
 */
export function combo(rng: Random, hitRate: number): Combo {
  if (rng.chance(0.35)) return { username: personEmail(rng), password: leakedPassword(rng) }
  const n = rng.int(1, 1000)
  return { username: demoUser(n), password: rng.chance(hitRate) ? demoPassword(n) : leakedPassword(rng) }
}

/** A list of `n` entries, the same for every session of a campaign. */
export function comboList(rng: Random, n: number, hitRate: number): Combo[] {
  return Array.from({ length: n }, () => combo(rng, hitRate))
}

/** Random-looking signup addresses at disposable-mail domains (what spam tools generate). */
export function throwawayEmail(rng: Random): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const local = Array.from({ length: rng.int(7, 12) }, () => rng.pick([...chars])).join('')
  return `${local}@${rng.pick(['mailinator.com', 'guerrillamail.com', 'yopmail.com', 'tempmail.dev', '10minutemail.net', 'sharklasers.com'])}`
}

export function randomPassword(rng: Random): string {
  const chars = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789!@#'
  return Array.from({ length: rng.int(10, 14) }, () => rng.pick([...chars])).join('')
}
