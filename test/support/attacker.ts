// An adaptive login script for Worker tests, as an attacker who read the public SDK writes it: it
// reads /login from each address first, as a browser does (one that does not is challenged by
// cold_sign_in whatever else it does) and takes the page's SDK nonce when it wants a proven device,
// posts telemetry recorded once in a real browser to collect for a fresh device cookie before every
// attempt, then posts the login. Runs against the embedded demo origin (wrong passwords → 401)
// through the real Worker.
import telemetry from '../fixtures/tokens/telemetry-valid.json'
import { callWorker, type Call } from './worker'

// No User-Agent is set: callWorker then sends desktop Chrome's whole header set (hints and all),
// the most browser-like a script gets without a browser.
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const DEMO = { ORIGIN_URL: 'demo' } as const

export type Identity = 'none' | 'rotate_unproven' | 'rotate_proven'

export interface Attempt {
  readonly ip: string
  readonly username: string
  readonly password: string
}

export interface AttemptResult {
  readonly action: string
  readonly status: number
  readonly line: Record<string, unknown>
  readonly collect: Record<string, unknown> | null
}

/** The nonce on the SDK tag of a page, or undefined. */
export function nonceOf(html: string): string | undefined {
  return /data-edgeward-nonce="([^"]+)"/.exec(html)?.[1]
}

/** GET a page as the script's browser would; returns the call (its body read into `html`). */
export async function getPage(path: string, ip: string, cookie?: string): Promise<{ call: Call; html: string }> {
  const call = await callWorker(path, { headers: cookie === undefined ? {} : { cookie } }, { clientIp: ip, env: DEMO })
  return { call, html: await call.response.text() }
}

/** POST telemetry (the recorded one, with `over` on top) to collect; returns the cookie pair or null. */
export async function collect(ip: string, over: Record<string, unknown> = {}, cookie?: string): Promise<{ cookie: string | null; line: Record<string, unknown> | null; call: Call }> {
  const headers = { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) }
  const call = await callWorker('/__edgeward/collect', { method: 'POST', body: JSON.stringify({ ...telemetry, ...over }), headers }, { clientIp: ip, env: DEMO })
  const token = /__edgeward=([^;]+)/.exec(call.response.headers.get('set-cookie') ?? '')?.[1]
  return { cookie: token === undefined ? null : `__edgeward=${token}`, line: call.logs[0] ?? null, call }
}

/** One login attempt with the chosen identity tactic. */
export async function attempt(a: Attempt, identity: Identity, telemetryOver: Record<string, unknown> = {}): Promise<AttemptResult> {
  let cookie: string | undefined
  let collected: Record<string, unknown> | null = null
  const { html } = await getPage('/login', a.ip)
  if (identity !== 'none') {
    const over = { ...telemetryOver }
    if (identity === 'rotate_proven') {
      const nonce = nonceOf(html)
      if (nonce === undefined) throw new Error('the login page carried no SDK nonce')
      over.nonce = nonce
    }
    const minted = await collect(a.ip, over)
    if (minted.cookie === null) throw new Error('collect gave no cookie')
    cookie = minted.cookie
    collected = minted.line
  }
  const body = new URLSearchParams({ username: a.username, password: a.password }).toString()
  const headers = { ...FORM, ...(cookie === undefined ? {} : { cookie }) }
  const call = await callWorker('/login', { method: 'POST', body, headers }, { clientIp: a.ip, env: DEMO })
  const line = call.logs.find((l) => l.path === '/login') ?? {}
  return { action: String(line.action), status: call.response.status, line, collect: collected }
}

/** Runs a script; returns the 1-based index of the first mitigated attempt (0: none) and how many reached the origin. */
export async function runScript(
  attempts: readonly Attempt[],
  identity: Identity,
  telemetryFor: (i: number) => Record<string, unknown> = () => ({}),
): Promise<{ first: number; through: number; results: AttemptResult[] }> {
  const results: AttemptResult[] = []
  for (const [i, a] of attempts.entries()) results.push(await attempt(a, identity, telemetryFor(i)))
  return { ...tally(results, (r) => r.action !== 'allow'), results }
}

/** The 1-based first attempt `mitigated` says yes to (0: none), and how many reached the origin. */
export function tally(results: readonly AttemptResult[], mitigated: (r: AttemptResult) => boolean): { first: number; through: number } {
  return { first: results.findIndex(mitigated) + 1, through: results.filter((r) => r.action === 'allow').length }
}

/**
 * Mitigated by a counter rule or the deny list — what a farmed clearance cannot lift (a score-only
 * challenge or block is the model's, whatever the thresholds).
 */
export const byRuleOrDenyList = (r: AttemptResult): boolean => r.action !== 'allow' && (r.line.source === 'rule' || r.line.source === 'deny_list')
