// Takes emails and passwords; returns whether users exist, whether a login is valid, signup results.
// Must not store the 1000 built-in users: user N's email and password are computed from N.
import { setCapped } from './state'
import type { DemoState } from './state'

export const BUILT_IN_USERS = 1000

const BUILT_IN_EMAIL = /^user(\d{4})@example\.com$/

/**
 * The simulator's people, one account each (person01001@people.example … person99999, password
 * `pass-p` and N in five digits): 1,000 built-in accounts shared by 5,000 simulated people gave each
 * account five owners on five addresses in one run — a takeover's pattern, not a person's. Computed
 * like the built-in users, never stored; the built-in users stay the demo's documented accounts.
 */
const PERSON_EMAIL = /^person(\d{5})@people\.example$/
export const PERSON_ACCOUNTS = { first: 1001, last: 99_999 } as const

/** The number N of a simulated person's account email, or undefined. */
export function personAccountNumber(email: string): number | undefined {
  const match = PERSON_EMAIL.exec(normaliseEmail(email))
  const n = match?.[1] === undefined ? NaN : Number(match[1])
  return n >= PERSON_ACCOUNTS.first && n <= PERSON_ACCOUNTS.last ? n : undefined
}

/** Person N's password. */
export function personPassword(n: number): string {
  return `pass-p${String(n).padStart(5, '0')}`
}

/** Lower-cases and trims an email so lookups are case-insensitive. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** The number N (1–1000) of a built-in user's email, or undefined. */
export function builtInUserNumber(email: string): number | undefined {
  const match = BUILT_IN_EMAIL.exec(normaliseEmail(email))
  const n = match?.[1] === undefined ? NaN : Number(match[1])
  return n >= 1 && n <= BUILT_IN_USERS ? n : undefined
}

/** user N's password: `pass-` and N zero-padded to four digits. */
export function builtInPassword(n: number): string {
  return `pass-${String(n).padStart(4, '0')}`
}

export function userExists(state: DemoState, email: string): boolean {
  const key = normaliseEmail(email)
  return builtInUserNumber(key) !== undefined || personAccountNumber(key) !== undefined || state.signups.has(key)
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes))
  return [...buf].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** True when the email names a user (built-in or signed up) and the password is theirs. */
export async function checkLogin(state: DemoState, email: string, password: string): Promise<boolean> {
  const key = normaliseEmail(email)
  const n = builtInUserNumber(key)
  if (n !== undefined) return password === builtInPassword(n)
  const person = personAccountNumber(key)
  if (person !== undefined) return password === personPassword(person)
  const stored = state.signups.get(key)
  if (!stored) return false
  return (await sha256Hex(stored.salt + password)) === stored.hash
}

export const SIGNUP_RESULTS = ['created', 'taken'] as const
export type SignupResult = (typeof SIGNUP_RESULTS)[number]

/** Adds a run-time user unless the email is a built-in user or already signed up. */
export async function signUp(state: DemoState, email: string, password: string): Promise<SignupResult> {
  const key = normaliseEmail(email)
  if (userExists(state, key)) return 'taken'
  const salt = randomHex(16)
  const hash = await sha256Hex(salt + password)
  // Check again after the await: a concurrent signup for the same email may have won.
  if (userExists(state, key)) return 'taken'
  setCapped(state.signups, key, { salt, hash })
  return 'created'
}
