// Pure pieces of the account-abuse families (passwordSpray.ts, bulkSignup.ts, sessionReplay.ts):
// the spray's passwords and its interleaved plan, a bulk sign-up's e-mail addresses (Gmail aliases
// of a few real mailboxes, throwaway inboxes), and the SDK telemetry a person's browser posts once.
// Seeded, no I/O.
import { DEMO_ACCOUNTS, demoUser } from '../world'
import type { Random } from '../random'

/** Passwords sprayers try first: seasons and years, keyboard walks, the site's name (no demo user's: theirs are pass-NNNN). */
const SPRAY_LIST = ['Summer2026!', 'Winter2026!', 'Spring2026!', 'Autumn2025!', 'Password1!', 'Welcome1!', 'Qwerty123!', 'Letmein2026', 'Company2026!', 'Changeme1!'] as const

/** This run's 3 sprayed passwords. */
export function sprayPasswords(rng: Random): readonly string[] {
  return rng.shuffle([...SPRAY_LIST]).slice(0, 3)
}

/**
 * The spray's global attempt `n` (0-based): password n mod 3 on the accounts in `order`, so each
 * password's refusals rise a third as fast as in a password-per-round spray (the slower trip), and
 * over 3 × accounts attempts every account gets each password once.
 */
export function sprayAttempt(n: number, passwords: readonly string[], order: readonly number[]): { username: string; password: string } {
  return { username: demoUser(order[n % order.length]!), password: passwords[n % passwords.length]! }
}

/** The spray's account order: every demo account, shuffled per run. */
export function sprayOrder(rng: Random): readonly number[] {
  return rng.shuffle(Array.from({ length: DEMO_ACCOUNTS }, (_, i) => i + 1))
}

const DISPOSABLE = ['mailinator.com', 'guerrillamail.com', 'yopmail.com', 'sharklasers.com', '10minutemail.com', 'trashmail.com'] as const
const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

/** A bulk sign-up's mailboxes: `n` real Gmail inboxes the spammer holds (6–10 letters and an index: distinct). */
export function spammerMailboxes(rng: Random, n: number): readonly string[] {
  return Array.from({ length: n }, (_, i) => `${Array.from({ length: rng.int(6, 10) }, () => rng.pick([...LETTERS])).join('')}${i}`)
}

/**
 * Sign-up `k`'s address: an alias of one of `boxes` (`local+tag@gmail.com`, dots moved about, now and
 * then at googlemail.com — all one mailbox), or with probability `disposableShare` a throwaway inbox.
 */
export function bulkSignupEmail(rng: Random, k: number, boxes: readonly string[], disposableShare: number): string {
  if (boxes.length === 0 || rng.chance(disposableShare)) {
    const local = Array.from({ length: rng.int(7, 12) }, () => rng.pick([...LETTERS, ...'0123456789'])).join('')
    return `${local}@${rng.pick([...DISPOSABLE])}`
  }
  const box = boxes[k % boxes.length]!
  const cut = rng.int(1, box.length - 1)
  const local = rng.chance(0.5) ? `${box.slice(0, cut)}.${box.slice(cut)}` : box
  return `${local}+${rng.int(1, 99_999)}@${rng.chance(0.2) ? 'googlemail.com' : 'gmail.com'}`
}

/** What the SDK posts on a page load in a person's browser (src/signals/telemetry.ts), with the page's nonce. */
export function loadTelemetry(rng: Random, timezone: string, nonce: string | null): Record<string, unknown> {
  return {
    v: 1,
    phase: 'load',
    credentialFields: true,
    keyCount: 0,
    keyIntervalMeanMs: null,
    keyIntervalSdMs: null,
    pasteCredential: false,
    autofill: false,
    focusChanges: rng.int(0, 2),
    visibilityChanges: 0,
    pointerMoved: rng.chance(0.8),
    timeOnPageMs: Math.round(rng.between(400, 2500)),
    timeToSubmitMs: null,
    webdriver: false,
    automationMarkers: [],
    incognito: false,
    timezone,
    languages: ['en-US', 'en'],
    screen: { width: 1920, height: 1080, colorDepth: 24, pixelRatio: 1 },
    hardwareConcurrency: rng.pick([4, 8, 12]),
    ...(nonce === null ? {} : { nonce }),
  }
}
