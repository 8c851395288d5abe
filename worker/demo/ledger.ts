// Takes a user and amounts in cents; returns balances and profiles, and records transfers.
// Must not persist anything: balances and profiles live in the isolate's demo state only.
import { setCapped } from './state'
import type { DemoState, Profile } from './state'
import { builtInUserNumber } from './users'

/** Opening balance: built-in user N has $1,000–$9,999 (from N); a run-time signup has $100. */
export function openingBalance(user: string): number {
  const n = builtInUserNumber(user)
  return n === undefined ? 100_00 : (1_000 + ((n * 7_919) % 9_000)) * 100
}

export function balanceOf(state: DemoState, user: string): number {
  return state.balances.get(user) ?? openingBalance(user)
}

export const TRANSFER_RESULTS = ['sent', 'insufficient_funds'] as const
export type TransferResult = (typeof TRANSFER_RESULTS)[number]

/** Debits the user's balance by the amount unless that would take it below zero. */
export function transfer(state: DemoState, user: string, amountCents: number): TransferResult {
  const balance = balanceOf(state, user)
  if (amountCents > balance) return 'insufficient_funds'
  setCapped(state.balances, user, balance - amountCents)
  return 'sent'
}

export function profileOf(state: DemoState, user: string): Profile {
  return state.profiles.get(user) ?? { name: '', email: user, phone: '' }
}

/** Replaces the fields given; fields left out keep their value. */
export function updateProfile(state: DemoState, user: string, change: Partial<Profile>): Profile {
  const current = profileOf(state, user)
  const next: Profile = {
    name: change.name ?? current.name,
    email: change.email ?? current.email,
    phone: change.phone ?? current.phone,
  }
  setCapped(state.profiles, user, next)
  return next
}
