// The simulated families and what each one is: label (1 attack, 0 legitimate: people and
// well-behaved automation), what counts as one attempt for "first mitigation", whether it is
// automated, whether it needs Chromium. Data only.

export const FAMILIES = [
  'human_browser',
  'human_http',
  'credential_stuffing',
  'distributed_stuffing',
  'manual_ato',
  'carding',
  'signup_spam',
  'scraping',
  'cart_hoarding',
  'automated_browser_webdriver',
  'automated_browser_stealth',
  // Last, so adding it left every other family's addresses for a seed as they were.
  'benign_automation',
  // Issue 12's adaptive attacker, after every other family so their addresses for a seed stay put.
  'adaptive_single',
  'adaptive_spread',
  // Account protection's scenarios, last again for the same reason.
  'password_spray',
  'bulk_signup',
  'session_replay',
  // Declared crawlers by purpose, last again so every other family's addresses stay put.
  'crawlers_verified',
  'crawlers_spoofed',
] as const
export type Family = (typeof FAMILIES)[number]

export const isFamily = (v: unknown): v is Family => typeof v === 'string' && (FAMILIES as readonly string[]).includes(v)

/**
 * What one attempt is: a login POST, a checkout POST, a signup POST, a cart POST, any request, or a
 * request to a signed-in page (`session`: what a stolen session cookie is replayed on).
 */
export const ATTEMPT_KINDS = ['login', 'checkout', 'signup', 'cart', 'request', 'session'] as const
export type AttemptKind = (typeof ATTEMPT_KINDS)[number]

export interface FamilyInfo {
  readonly label: 0 | 1
  readonly attempt: AttemptKind
  readonly automated: boolean
  readonly chromium: boolean
  readonly summary: string
}

export const FAMILY_INFO: Readonly<Record<Family, FamilyInfo>> = {
  human_browser: { label: 0, attempt: 'request', automated: false, chromium: true, summary: 'people in Chromium: browse, type credentials (some mistype first), shop' },
  human_http: { label: 0, attempt: 'request', automated: false, chromium: false, summary: 'people without JavaScript: real browser header sets, browse, log in, shop' },
  credential_stuffing: { label: 1, attempt: 'login', automated: true, chromium: false, summary: 'one source tries a leaked combo list fast' },
  distributed_stuffing: { label: 1, attempt: 'login', automated: true, chromium: false, summary: '≥ 200 addresses, 1–2 tries each, low and slow' },
  manual_ato: { label: 1, attempt: 'login', automated: false, chromium: true, summary: 'a person with stolen credentials: VPN, new device, paste, reset → profile → transfer' },
  carding: { label: 1, attempt: 'checkout', automated: true, chromium: false, summary: 'many checkouts with random card numbers' },
  signup_spam: { label: 1, attempt: 'signup', automated: true, chromium: false, summary: 'fake account creation in bursts' },
  scraping: { label: 1, attempt: 'request', automated: true, chromium: false, summary: 'fast crawl of product pages and the product API' },
  cart_hoarding: { label: 1, attempt: 'cart', automated: true, chromium: false, summary: 'adds stock to carts, never pays (denial of inventory)' },
  automated_browser_webdriver: { label: 1, attempt: 'login', automated: true, chromium: true, summary: 'Chromium under automation, navigator.webdriver true, stuffing the login form' },
  automated_browser_stealth: { label: 1, attempt: 'login', automated: true, chromium: true, summary: 'Chromium with AutomationControlled off (webdriver false), stuffing the login form' },
  benign_automation: { label: 0, attempt: 'request', automated: true, chromium: false, summary: 'legitimate automation: uptime monitors, one-off scripts, app/partner clients signing in once with their own credentials' },
  adaptive_single: { label: 1, attempt: 'login', automated: true, chromium: false, summary: 'credential_stuffing by someone who read our code: browses like Chrome, rotates device cookies with replayed telemetry, hides usernames, solves PoW natively (docs/adaptive.md)' },
  adaptive_spread: { label: 1, attempt: 'login', automated: true, chromium: false, summary: 'distributed_stuffing with the same tactics: 40 addresses, one attempt each (docs/adaptive.md)' },
  password_spray: { label: 1, attempt: 'login', automated: true, chromium: false, summary: '3 common passwords over the demo accounts from many addresses, 1–2 tries each, interleaved' },
  bulk_signup: { label: 1, attempt: 'signup', automated: true, chromium: false, summary: 'sign-ups with Gmail aliases of a few mailboxes and throwaway inboxes, 1–2 per address over ~100 addresses' },
  session_replay: { label: 1, attempt: 'session', automated: true, chromium: false, summary: "a person's session cookie (demo_session), taken after a real sign-in, replayed from another address and device" },
  crawlers_verified: { label: 0, attempt: 'request', automated: true, chromium: false, summary: 'search, AI training, AI search and AI assistant crawlers from their published ranges: read robots.txt, then allowed pages; each category must get its policy (ai_training: block)' },
  crawlers_spoofed: { label: 1, attempt: 'request', automated: true, chromium: false, summary: "the same crawlers' User-Agents from other networks (hosting, home): spoofed claims" },
}

/** The signed-in pages of the demo origin: a stolen session's requests (attempt kind `session`). */
const SESSION_PAGES: ReadonlySet<string> = new Set(['/account', '/profile', '/transfer'])

/** The people: legitimate and not automated (human friction is about them). */
export const isPeople = (family: Family): boolean => FAMILY_INFO[family].label === 0 && !FAMILY_INFO[family].automated

/** Which requests are attempts of a kind (by method and path of a decision log line). */
export function isAttempt(kind: AttemptKind, method: string, path: string): boolean {
  if (kind === 'request') return true
  if (kind === 'session') return SESSION_PAGES.has(path)
  if (method !== 'POST') return false
  return path === `/${kind}`
}
