// Takes what a sign-in, sign-up or reset page shows; returns the complete HTML page.
// Must not echo a password back, and must not say whether an email has an account on reset.
import { html } from './html'
import type { SafeHtml } from './html'
import { page } from './layout'
import type { Viewer } from './layout'

function alert(message: string | undefined): SafeHtml | '' {
  return message ? html`<p class="alert" role="alert">${message}</p>` : ''
}

/** The sign-in form; after a failure it shows the error and keeps the username. */
export function loginPage(error?: string, username = ''): string {
  return page(
    'Sign in',
    html`${alert(error)}
<form method="post" action="/login">
  <label for="username">Email</label>
  <input id="username" name="username" type="email" autocomplete="username" required value="${username}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
<p><a href="/password-reset">Forgot your password?</a> · <a href="/signup">Open an account</a></p>`,
  )
}

export function welcomePage(user: string): string {
  return page(
    'Welcome',
    html`<p role="status">Welcome back, <strong>${user}</strong>. You are signed in.</p>
<p><a href="/account">Go to your account</a> · <a href="/products">Visit the shop</a></p>`,
    user,
  )
}

export function signupPage(viewer: Viewer, error?: string, email = ''): string {
  return page(
    'Open an account',
    html`${alert(error)}
<form method="post" action="/signup">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" required value="${email}">
  <label for="password">Password (at least 8 characters)</label>
  <input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required>
  <button type="submit">Open account</button>
</form>`,
    viewer,
  )
}

export function signupDonePage(email: string): string {
  return page(
    'Account created',
    html`<p role="status">Your account <strong>${email}</strong> is ready.</p>
<p><a href="/login">Sign in</a></p>`,
  )
}

export function resetPage(viewer: Viewer): string {
  return page(
    'Reset your password',
    html`<form method="post" action="/password-reset">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" required>
  <button type="submit">Send reset link</button>
</form>`,
    viewer,
  )
}

export function resetSentPage(viewer: Viewer): string {
  return page(
    'Check your email',
    html`<p role="status">If that address has an account, we have sent it a reset link.</p>
<p><a href="/login">Back to sign in</a></p>`,
    viewer,
  )
}
