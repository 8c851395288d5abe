// Takes a signed-in user's account data; returns the account, profile and transfer pages.
// Must not be served to anyone without a session: the routes check that before calling here.
import { formatMoney } from '../money'
import type { Profile } from '../state'
import { html } from './html'
import { page } from './layout'

export function accountPage(user: string, balanceCents: number): string {
  return page(
    'Your account',
    html`<p>Signed in as <strong>${user}</strong>.</p>
<p>Available balance: <strong>${formatMoney(balanceCents)}</strong></p>
<section aria-labelledby="transfer"><h2 id="transfer">Send money</h2>
<form method="post" action="/transfer">
  <label for="to">To (account number or email)</label>
  <input id="to" name="to" required maxlength="64">
  <label for="amount">Amount in dollars</label>
  <input id="amount" name="amount" inputmode="decimal" required pattern="\\d+(\\.\\d{1,2})?">
  <button type="submit">Send</button>
</form></section>
<p><a href="/profile">Edit your profile and contact details</a></p>`,
    user,
  )
}

export function profilePage(user: string, profile: Profile, saved = false): string {
  const status = saved ? html`<p role="status">Your profile has been updated.</p>` : ''
  return page(
    'Your profile',
    html`${status}
<form method="post" action="/profile">
  <label for="name">Name</label>
  <input id="name" name="name" autocomplete="name" maxlength="100" value="${profile.name}">
  <label for="email">Contact email</label>
  <input id="email" name="email" type="email" autocomplete="email" value="${profile.email}">
  <label for="phone">Phone</label>
  <input id="phone" name="phone" type="tel" autocomplete="tel" value="${profile.phone}">
  <button type="submit">Save</button>
</form>`,
    user,
  )
}

export function transferDonePage(user: string, to: string, amountCents: number, balanceCents: number): string {
  return page(
    'Transfer sent',
    html`<p role="status">You sent <strong>${formatMoney(amountCents)}</strong> to <strong>${to}</strong>.</p>
<p>Remaining balance: ${formatMoney(balanceCents)}</p>
<p><a href="/account">Back to your account</a></p>`,
    user,
  )
}
