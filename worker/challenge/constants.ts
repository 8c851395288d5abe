// The challenge flow's fixed names: its paths, the Turnstile endpoints and its time budgets.
// Constants only; no I/O.

export const CHALLENGE_PAGE_PATH = '/__edgeward/challenge'
export const CHALLENGE_VERIFY_PATH = '/__edgeward/challenge/verify'
/** The no-JavaScript path: redeems a wait token (docs/challenge.md). */
export const CHALLENGE_WAIT_PATH = '/__edgeward/challenge/wait'
/** The window of the per-network cap on no-JavaScript clearances (`challenge.nojs_per_net_10m`). */
export const NOJS_CAP_WINDOW_MS = 10 * 60_000

export const TURNSTILE_SCRIPT = 'https://challenges.cloudflare.com/turnstile/v0/api.js'
export const TURNSTILE_SITEVERIFY = 'https://challenges.cloudflare.com/turnstile/v0/siteverify'
/** The widget action we set and expect back from siteverify. */
export const TURNSTILE_ACTION = 'edgeward-challenge'
/** siteverify must answer within this; otherwise the browser is not cleared. */
export const TURNSTILE_TIMEOUT_MS = 3000

/** The single-use nonce store must answer within this; otherwise the browser is not cleared. */
export const NONCE_STORE_BUDGET_MS = 2000
/** Verify bodies are two short fields (three with Turnstile). */
export const VERIFY_MAX_BYTES = 8 * 1024
