// The adaptive attacker's tactics (issue 12): names, what each does, which a run through `npm start`
// can drive, and the `--tactics` option's parser. Takes text, returns a checked set. Data only.

export const TACTICS = ['browse', 'rotate', 'hidden', 'routes', 'pow', 'ipv6', 'slow_user'] as const
export type Tactic = (typeof TACTICS)[number]
export type Tactics = ReadonlySet<Tactic>

export const isTactic = (v: unknown): v is Tactic => typeof v === 'string' && (TACTICS as readonly string[]).includes(v)

export const TACTIC_SUMMARY: Readonly<Record<Tactic, string>> = {
  browse: 'GET / and /login first with the navigation headers, stylesheet and favicon a real Chrome sends',
  rotate: 'POST /__edgeward/collect before every attempt (no cookie sent) for a fresh device cookie, replaying telemetry recorded once from Chromium (timezone edited to the address, page nonce scraped when the page has one)',
  hidden: 'usernames the Worker does not read: multipart/form-data bodies, and `Username=<decoy>&username=<victim>` (the Worker keeps the first key case-insensitively, the origin reads `username`)',
  routes: 'login route variants (/login/, /Login, /login.json) — only those the origin answers as a login page',
  pow: 'on a challenge: read the page, lower `d` in its URL, solve SHA-256 natively, verify without a device cookie (a clearance for any device), retry; at the asked difficulty when the easy one is refused',
  ipv6: 'every attempt from another address inside one IPv6 /64',
  slow_user: 'the username key the Worker reads is one whose counters object is slow (a decoy kept busy; with `hidden`, the decoy field)',
}

/** What a run against `npm start` cannot do: the client IP is the socket's (IPv4 loopback only), and
 * nothing an HTTP client sends makes one counters object slow on purpose. The workerd tests drive them. */
export const NOT_DRIVABLE_UNDER_NPM_START: Readonly<Partial<Record<Tactic, string>>> = {
  ipv6: 'the client IP under wrangler dev is the socket address; only ::1 exists locally, and local tools must not send CF-Connecting-IP',
  slow_user: 'a slow counters object needs a stub; the workerd tests (test/worker/adaptive-*.test.ts) wrap COUNTERS',
}

export const ALL_TACTICS: Tactics = new Set(TACTICS)

/** `--tactics all`, `none`, or a comma list (`rotate,pow`). */
export function parseTactics(text: string | undefined): { ok: true; value: Tactics } | { ok: false; error: string } {
  if (text === undefined || text.trim() === 'all') return { ok: true, value: ALL_TACTICS }
  if (text.trim() === 'none') return { ok: true, value: new Set() }
  const names = text.split(',').map((t) => t.trim()).filter((t) => t !== '')
  const unknown = names.filter((t) => !isTactic(t))
  if (unknown.length > 0) return { ok: false, error: `unknown tactics: ${unknown.join(', ')} (known: ${TACTICS.join(', ')}, all, none)` }
  return { ok: true, value: new Set(names as Tactic[]) }
}

export const tacticsLabel = (t: Tactics): string => (t.size === 0 ? 'none' : t.size === TACTICS.length ? 'all' : TACTICS.filter((x) => t.has(x)).join(','))
