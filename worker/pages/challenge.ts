// The challenge pages: the 403 interstitial that sends a browser to /__edgeward/challenge (with its
// signed ticket), the page that runs the proof of work (or Turnstile) and posts it with the browser
// report, and the refusal pages. Take only
// our own values (ids, signed tokens, validated paths); reflect no request input; no handlers.
import { CHALLENGE_PAGE_PATH, CHALLENGE_VERIFY_PATH, CHALLENGE_WAIT_PATH, TURNSTILE_ACTION, TURNSTILE_SCRIPT } from '../challenge/constants'
import { POW_SCRIPT, TURNSTILE_CALLBACKS } from '../challenge/pageScript'
import { BROWSER_FIELD } from '../../src/signals/browserReport'
import { pageCsp, escapeHtml, pageShell } from './html'

export interface Page {
  readonly html: string
  /** The Content-Security-Policy this page needs. */
  readonly csp: string
}

const newNonce = (): string => crypto.randomUUID().replace(/-/g, '')

/**
 * Where the interstitial sends the browser: the challenge page for this return path, with the
 * signed ticket (a challenge token carrying the decision's difficulty) when there is one. There is
 * no difficulty in the URL: the page takes it from the ticket, or asks the most without one.
 */
export function challengeUrl(returnPath: string, ticket?: string | null): string {
  const t = ticket === undefined || ticket === null ? '' : `&t=${encodeURIComponent(ticket)}`
  return `${CHALLENGE_PAGE_PATH}?return=${encodeURIComponent(returnPath)}${t}`
}

/** The 403 interstitial of a challenged request (render.ts sets its CSP from `nonce`). */
export function challengePage(ref: string, returnPath: string, ticket?: string | null): { html: string; nonce: string } {
  const nonce = newNonce()
  const target = challengeUrl(returnPath, ticket)
  const html = pageShell({
    title: 'Checking your browser',
    nonce,
    // A browser with JavaScript off follows this instead of the script (no CSP needed for a meta refresh).
    head: `<noscript><meta http-equiv="refresh" content="0;url=${escapeHtml(target)}"></noscript>`,
    script: `location.replace(${JSON.stringify(target)})`,
    body: `<h1>Checking your browser…</h1><p>This takes a moment and happens once.</p>
<p><a href="${escapeHtml(target)}">Continue</a></p><p class="muted">Reference <code>${escapeHtml(ref)}</code>.</p>`,
  })
  return { html, nonce }
}

/** The no-JavaScript wait a low- or medium-tier challenge offers: a signed wait token and its length. */
export interface WaitOffer {
  readonly token: string
  readonly seconds: number
}

export type SolveInput = (
  | { readonly method: 'pow'; readonly token: string; readonly challengeId: string; readonly difficulty: number }
  | { readonly method: 'turnstile'; readonly token: string; readonly challengeId: string; readonly siteKey: string }
) & { readonly wait?: WaitOffer }

/** Where a wait token is redeemed. */
export const waitUrl = (token: string): string => `${CHALLENGE_WAIT_PATH}?w=${encodeURIComponent(token)}`

const seconds = (n: number): string => `${n} second${n === 1 ? '' : 's'}`

const INTRO_HEAD = `<h1>Checking your browser</h1>
<p>This site checks that visitors are people and not automated tools. It takes a few seconds and happens once; you are then taken back to the page you asked for.</p>`
const NEEDS_JS = `<noscript><h2>JavaScript is needed</h2><p>This check runs in your browser and needs JavaScript. Please turn JavaScript on and reload this page.</p></noscript>`

/** What a browser without JavaScript reads, and follows by itself, when the wait is offered. */
function waitNoscript(wait: WaitOffer): { head: string; body: string } {
  const url = escapeHtml(waitUrl(wait.token))
  return {
    head: `<noscript><meta http-equiv="refresh" content="${wait.seconds};url=${url}"></noscript>`,
    body: `<noscript><h2>Without JavaScript: a short wait</h2>
<p>JavaScript is off in your browser, so instead of the usual check you only need to wait ${seconds(wait.seconds)}. This page continues by itself.</p>
<p>If nothing happens after ${seconds(wait.seconds)}, select this link: <a href="${url}">Continue to the site</a>.</p></noscript>`,
  }
}

/** The page that solves the challenge in the browser and posts the answer to verify. */
export function challengeSolvePage(input: SolveInput): Page {
  const nonce = newNonce()
  const noJs = input.wait === undefined ? { head: '', body: NEEDS_JS } : waitNoscript(input.wait)
  // Without JavaScript the script's status line would say "Starting the check…" for ever: hidden.
  const head = `<noscript><style>#ew-status{display:none}</style></noscript>${noJs.head}`
  const intro = `${INTRO_HEAD}\n${noJs.body}`
  const id = escapeHtml(input.challengeId)
  const hidden = `<input type="hidden" name="challenge" value="${escapeHtml(input.token)}"><input type="hidden" name="${BROWSER_FIELD}" value="">`
  const status = `<p id="ew-status" role="status" aria-live="polite">Starting the check…</p>`
  if (input.method === 'pow') {
    const form = `<form id="ew-form" method="post" action="${CHALLENGE_VERIFY_PATH}" data-challenge="${id}" data-difficulty="${escapeHtml(String(input.difficulty))}">
${hidden}<input type="hidden" name="solution" value=""></form>`
    const html = pageShell({ title: 'Checking your browser', nonce, head, script: POW_SCRIPT, externalScripts: ['/__edgeward/sdk.js'], body: `${intro}\n${status}\n${form}` })
    return { html, csp: pageCsp(nonce) }
  }
  const widget = `<div class="cf-turnstile" data-sitekey="${escapeHtml(input.siteKey)}" data-action="${TURNSTILE_ACTION}" data-cdata="${id}" data-callback="edgewardTurnstileDone" data-error-callback="edgewardTurnstileError"></div>`
  const form = `<form id="ew-form" method="post" action="${CHALLENGE_VERIFY_PATH}">\n${hidden}\n${widget}</form>`
  const html = pageShell({
    title: 'Checking your browser',
    nonce,
    head,
    script: TURNSTILE_CALLBACKS,
    externalScripts: ['/__edgeward/sdk.js', TURNSTILE_SCRIPT],
    body: `${intro}\n${status}\n${form}`,
  })
  return { html, csp: pageCsp(nonce, { scriptSrc: ['https://challenges.cloudflare.com'], frameSrc: ['https://challenges.cloudflare.com'] }) }
}

/** No keys, or the single-use store or Turnstile unreachable: fail closed, say so plainly. */
export function challengeUnavailablePage(): Page {
  const html = pageShell({
    title: 'Verification unavailable',
    body: `<h1>We can't verify your browser right now</h1>
<p>The site's security check is unavailable at the moment, so it cannot let this request through. Please try again in a few minutes.</p>`,
  })
  return { html, csp: pageCsp() }
}

/** A refused answer: generic on purpose (the reason goes to the log only). */
export function challengeFailedPage(returnPath: string, ticket?: string): Page {
  const html = pageShell({
    title: 'Verification failed',
    body: `<h1>Verification failed</h1>
<p>Your browser could not be verified. This happens when a check expires, is used twice, or is sent from another browser or network.</p>
<p><a href="${escapeHtml(challengeUrl(returnPath, ticket))}">Try again</a></p>`,
  })
  return { html, csp: pageCsp() }
}

/** Sent back here while holding a valid clearance: the site still refuses this browser. No loop. */
export function challengeClearedPage(returnPath: string): Page {
  const html = pageShell({
    title: 'Already verified',
    body: `<h1>Your browser is already verified</h1>
<p>The check was passed, but the site still cannot show you this page. If this keeps happening, please contact the site.</p>
<p><a href="${escapeHtml(returnPath)}">Back to the page</a></p>`,
  })
  return { html, csp: pageCsp() }
}

/**
 * The wait page: a wait token redeemed before its time (a browser that followed early, or a person who
 * clicked too soon). Not a failure: it refreshes to the same token when the wait is over. No script.
 */
export function challengeWaitPage(token: string, secondsLeft: number): Page {
  const url = escapeHtml(waitUrl(token))
  const left = Math.max(1, Math.ceil(secondsLeft))
  const html = pageShell({
    title: 'One moment, please',
    head: `<meta http-equiv="refresh" content="${left};url=${url}">`,
    body: `<h1>One moment, please</h1>
<p>This site checks that visitors are people and not automated tools. JavaScript is off in your browser, so the check is a short wait instead of a puzzle.</p>
<p role="status">About ${seconds(left)} left. This page continues by itself; you are then taken back to the page you asked for.</p>
<p>If nothing happens, select this link after ${seconds(left)}: <a href="${url}">Continue to the site</a>.</p>`,
  })
  return { html, csp: pageCsp() }
}

/** A wait token refused (forged, expired, another client's, used, or the network's cap): generic on purpose. */
export function challengeWaitRefusedPage(returnPath: string): Page {
  const html = pageShell({
    title: 'Verification failed',
    body: `<h1>Verification failed</h1>
<p>The check without JavaScript could not be completed. This happens when it expires, is used twice, is opened from another browser or network, or when many checks came from your network recently.</p>
<p>Please wait a few minutes, then go back to the page and try again, or turn JavaScript on.</p>
<p><a href="${escapeHtml(returnPath)}">Back to the page</a></p>`,
  })
  return { html, csp: pageCsp() }
}
