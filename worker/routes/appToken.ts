// POST /__edgeward/app/token: a registered app (config `apps`) trades an assertion signed with its
// Ed25519 key — `{"assertion": "<JWT>"}`, application/json, ≤ 4 KB — for a 15-minute app token bound
// to its User-Agent and network: 200 `{"token", "expires_in"}`. A bad body is 400, an assertion that
// does not verify (unknown app, bad signature, expired, spent) 401; the reason goes to the log line
// only. Spending the assertion's id once is a security check: a store that does not answer in time
// refuses (fail closed). Counted and limited per source as an identity mint, like collect.
import { Hono } from 'hono'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { APP_TOKEN_PATH, APP_TOKEN_TTL_S, issueAppToken, verifyAppAssertion, type AssertionProblem } from '../../src/signals/appToken'
import { readCappedBody } from '../body'
import { loadConfig } from '../config/load'
import { withDeadline } from '../deadline'
import { readRequestFacts } from '../request'
import { randomId } from '../sdk/nonce'

const MAX_BODY_BYTES = 4096
const STORE_BUDGET_MS = 250
const SHARDS = 16
const NO_STORE = { 'cache-control': 'no-store' } as const

export type AppTokenOutcome =
  | { readonly ok: true; readonly app: string }
  | { readonly ok: false; readonly reason: AssertionProblem | 'content_type' | 'too_large' | 'not_json' | 'replayed' | 'store_unavailable' | 'no_keys' | 'sign_failed'; readonly app?: string }

const outcomes = new WeakMap<Request, AppTokenOutcome>()

/** What happened on an app-token request (for the decision log line); undefined if not one. */
export function appTokenOutcome(request: Request): AppTokenOutcome | undefined {
  return outcomes.get(request)
}

/** True the first time this assertion id is spent; false after; null when the store did not answer in time. */
async function spendAssertion(env: Env, app: string, jti: string, expiresAt: number): Promise<boolean | null> {
  try {
    const shard = JSON.stringify(['app-assertions', (jti.charCodeAt(0) || 0) % SHARDS])
    const stub = env.CHALLENGE_NONCES.get(env.CHALLENGE_NONCES.idFromName(shard))
    const answer = await withDeadline(Promise.resolve(stub.consume(`app:${app}:${jti}`, expiresAt)), STORE_BUDGET_MS)
    return answer.ok ? answer.value : null
  } catch {
    return null
  }
}

export const appTokenRoutes = new Hono<{ Bindings: Env }>()

appTokenRoutes.post(APP_TOKEN_PATH, async (c) => {
  const req = c.req.raw
  const refuse = (outcome: AppTokenOutcome & { ok: false }, status: 400 | 401 | 503): Response => {
    outcomes.set(req, outcome)
    return c.json({ error: status === 400 ? 'bad_request' : status === 401 ? 'unauthorized' : 'unavailable' }, status, NO_STORE)
  }
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') return refuse({ ok: false, reason: 'content_type' }, 400)
  const bytes = await readCappedBody(req.body, MAX_BODY_BYTES)
  if (bytes === 'too_large') return refuse({ ok: false, reason: 'too_large' }, 400)
  let assertion: unknown
  try {
    const body: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes))
    assertion = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).assertion : undefined
  } catch {
    return refuse({ ok: false, reason: 'not_json' }, 400)
  }
  const now = Date.now()
  const { config } = await loadConfig(c.env.EDGEWARD_CONFIG, now)
  const verified = await verifyAppAssertion(assertion, config.source.apps, now)
  if (!verified.ok) return refuse({ ok: false, reason: verified.reason }, verified.reason === 'missing' || verified.reason === 'malformed' || verified.reason === 'too_large' ? 400 : 401)
  const { app, jti, expiresAt } = verified.value
  const first = await spendAssertion(c.env, app, jti, expiresAt)
  if (first === null) return refuse({ ok: false, reason: 'store_unavailable', app }, 503)
  if (!first) return refuse({ ok: false, reason: 'replayed', app }, 401)
  const keys = await loadCookieKeys(c.env.EDGEWARD_COOKIE_KEYS)
  if (!keys.ok) return refuse({ ok: false, reason: 'no_keys', app }, 503)
  const facts = readRequestFacts(req, c.env)
  const binding = await bindingHashes(req.headers.get('user-agent'), facts.ip)
  let token: string
  try {
    token = await issueAppToken({ app, id: randomId(), now, ...binding }, keys.value)
  } catch {
    return refuse({ ok: false, reason: 'sign_failed', app }, 503)
  }
  outcomes.set(req, { ok: true, app })
  return c.json({ token, expires_in: APP_TOKEN_TTL_S }, 200, NO_STORE)
})
