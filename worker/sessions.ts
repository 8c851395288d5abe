// Stolen sessions (src/signals/sessionCookie.ts): judges a request's session cookie against where it
// was bound, and binds a session cookie the origin sets. Takes the request facts, config and bindings;
// returns a judgement for the rules and the response with its companion cookie. Never the raw cookie in
// storage or the log; fails open (no judgement) when the bindings do not answer in time.
//
// Fast path: the owner's browser carries `__edgeward_sb`, a MAC over the site, the session cookie's
// value and its binding (device, country, expiry): one HMAC, no object call. A session cookie that
// arrives without a companion that verifies for it (a thief who lifted only the session cookie) is
// looked up by its keyed hash in the SessionBindings shards. One edgeward never bound (set before it was
// deployed, or by a route it never saw) is adopted where it is first seen: a companion for that client
// only, nothing stored, so neither the owner nor anyone else is judged on it.
import { siteOf, sessionShardName } from '../src/counters/keys'
import { isPlainHttpLoopback } from '../src/util/loopback'
import { base64urlText } from '../src/util/base64url'
import { bindingCookieIn, MAX_SESSION_VALUES, SESSION_BINDING_COOKIE, sessionCookiesIn, sessionCookieSet, sessionMove, type SessionBinding, type SessionMove } from '../src/signals/sessionCookie'
import type { CompiledConfig } from '../src/config/compileConfig'
import { BACKGROUND_BUDGET_MS, stubOf } from './counters/denyClient'
import { settleWithin } from './counters/settle'
import { originTarget } from './origin/forward'
import { hashSession, sessionBindingMac } from './privacy'
import type { RequestFacts } from './request'

/** The demo origin's own session cookie (worker/demo/session.ts): watched when the config names none. */
const DEMO_SESSION_COOKIE = 'demo_session'
const MAX_PAYLOAD_CHARS = 512

export interface SessionJudgement {
  /** The request's session cookie values (canonical, in memory only): usually one, none without a session. */
  readonly values: readonly string[]
  /** How it moved from where it was bound (any value that moved); null: no session cookie, none bound, or no answer in time. */
  readonly move: SessionMove | null
  /** One session cookie edgeward never bound: the answer gives this client a companion of its own. */
  readonly adopt: boolean
}

const NO_SESSION: SessionJudgement = { values: [], move: null, adopt: false }
/** Past MAX_SESSION_VALUES: no browser sends that many, and judging the first few would let the rest through. */
const TOO_MANY: SessionMove = { device: true, country: false }

/** `sessions.cookie_names`; in front of the embedded demo with none configured, the demo's own. */
export function sessionCookieNames(config: CompiledConfig, env: Env): readonly string[] {
  const names = config.source.sessions.cookie_names
  return names.length === 0 && originTarget(env.ORIGIN_URL).kind === 'demo' ? [DEMO_SESSION_COOKIE] : names
}

/** A judgement of each value: its binding moved, it is bound nowhere (null), or the bindings did not answer (undefined). */
type ValueJudgement = SessionMove | null | undefined

export async function judgeSession(input: {
  readonly facts: RequestFacts
  readonly env: Env
  readonly config: CompiledConfig
  readonly here: SessionBinding
  readonly now: number
  readonly budgetMs: number
  readonly missing: string[]
}): Promise<SessionJudgement> {
  const { facts, env, here, now, missing } = input
  const cookieHeader = facts.headers.get('cookie')
  const values = sessionCookiesIn(cookieHeader, sessionCookieNames(input.config, env))
  if (values.length === 0) return NO_SESSION
  if (values.length > MAX_SESSION_VALUES) return { values, move: TOO_MANY, adopt: false }
  const site = siteOf(facts.url.hostname)
  const companion = parseCompanion(bindingCookieIn(cookieHeader), now)
  const judgeOne = async (value: string): Promise<ValueJudgement> => {
    if (companion !== null && sameText(await sessionBindingMac(site, value, companion.payload, env, missing), companion.mac)) return sessionMove(companion.binding, here)
    const bindings = env.SESSION_BINDINGS
    if (bindings === undefined) return undefined
    const h = await hashSession(site, value, env, missing)
    const [r] = await settleWithin([() => stubOf(bindings, sessionShardName(h)).lookup({ now, session: h })], input.budgetMs)
    if (r === undefined || r.state !== 'ok') {
      if (!missing.some((m) => m.startsWith('sessions_'))) missing.push(r?.state === 'timeout' ? 'sessions_timeout' : 'sessions_error')
      return undefined
    }
    return r.value === null ? null : sessionMove(r.value, here)
  }
  const judged = await Promise.all(values.map(judgeOne))
  const bound = judged.filter((j): j is SessionMove => j != null)
  const move = bound.length === 0 ? null : { device: bound.some((m) => m.device), country: bound.some((m) => m.country) }
  return { values, move, adopt: values.length === 1 && judged[0] === null }
}

/**
 * The origin's answer, with a companion for the session cookie it sets (and that session bound in the
 * shards, after the response) or for the adopted one the request carried. A session that moved binds
 * nothing — its successor stays unbound rather than bound to the thief — except on a sign-in: the
 * password was shown again, and a person whose binding went stale gets in with a fresh one. A 101
 * (WebSocket) answer is left as it is. Never throws: a binding that fails is `sessions_error`.
 */
export async function bindSession(
  response: Response,
  input: {
    readonly facts: RequestFacts
    readonly env: Env
    readonly config: CompiledConfig
    readonly ctx: ExecutionContext
    readonly here: SessionBinding
    readonly judged: SessionJudgement
    /** The request was a sign-in (a credential attempt on a login route). */
    readonly signIn: boolean
    readonly now: number
    readonly missing: string[]
  },
): Promise<Response> {
  try {
    return await bindOrKeep(response, input)
  } catch {
    input.missing.push('sessions_error')
    return response
  }
}

async function bindOrKeep(response: Response, input: Parameters<typeof bindSession>[1]): Promise<Response> {
  const { facts, env, config, here, judged, now, missing } = input
  if (response.status === 101 || response.webSocket != null) return response
  if (!input.signIn && judged.move !== null && (judged.move.device || judged.move.country)) return response
  const names = sessionCookieNames(config, env)
  if (names.length === 0) return response
  const set = sessionCookieSet(response.headers.getSetCookie(), names, now)
  const fresh = set !== null && !judged.values.includes(set.value)
  const value = fresh ? set.value : judged.adopt ? (judged.values[0] ?? null) : null
  if (value === null) return response
  const keepS = config.source.sessions.keep_hours * 3600
  const maxAgeS = Math.min(fresh && set.maxAgeS !== null ? set.maxAgeS : keepS, keepS)
  const expiresAt = now + maxAgeS * 1000
  const site = siteOf(facts.url.hostname)
  const payload = base64urlText(JSON.stringify({ d: here.device, c: here.country, e: Math.floor(expiresAt / 1000) }))
  const mac = await sessionBindingMac(site, value, payload, env, missing)
  const bindings = env.SESSION_BINDINGS
  if (fresh && bindings !== undefined) {
    const h = await hashSession(site, value, env, missing)
    input.ctx.waitUntil(settleWithin([() => stubOf(bindings, sessionShardName(h)).bind({ now, session: h, binding: here, expiresAt })], BACKGROUND_BUDGET_MS))
  }
  const out = new Response(response.body, response)
  out.headers.append('set-cookie', companionCookie(`${payload}.${mac}`, maxAgeS, facts.url))
  return out
}

/**
 * A device cookie re-issued under a new id (collect: the old one came from another network or browser)
 * carries its session's binding over: the companion, if it verifies for the request's session cookie
 * and names the old id, is re-issued naming the new one, the country and expiry kept. Else null.
 * A person whose phone moved to another network keeps their session; a thief holding the whole cookie
 * jar gains nothing it did not have (its first request already showed the owner's id), and a country
 * never moves with it.
 */
export async function carryBinding(input: {
  readonly headers: Headers
  readonly url: URL
  readonly env: Env
  readonly config: CompiledConfig
  readonly from: string
  readonly to: string
  readonly now: number
}): Promise<string | null> {
  const { headers, url, env, now } = input
  const cookieHeader = headers.get('cookie')
  const values = sessionCookiesIn(cookieHeader, sessionCookieNames(input.config, env))
  const companion = parseCompanion(bindingCookieIn(cookieHeader), now)
  if (values.length !== 1 || companion === null || companion.binding.device !== input.from) return null
  const value = values[0]!
  const site = siteOf(url.hostname)
  const unused: string[] = []
  if (!sameText(await sessionBindingMac(site, value, companion.payload, env, unused), companion.mac)) return null
  const payload = base64urlText(JSON.stringify({ d: input.to, c: companion.binding.country, e: companion.expiresS }))
  const mac = await sessionBindingMac(site, value, payload, env, unused)
  return companionCookie(`${payload}.${mac}`, Math.max(1, companion.expiresS - Math.floor(now / 1000)), url)
}

function companionCookie(value: string, maxAgeS: number, url: URL): string {
  const secure = isPlainHttpLoopback(url.href) ? '' : '; Secure'
  return `${SESSION_BINDING_COOKIE}=${value}; Max-Age=${maxAgeS}; Path=/; HttpOnly${secure}; SameSite=Lax`
}

interface Companion {
  readonly payload: string
  readonly mac: string
  readonly binding: SessionBinding
  /** When it expires (s since the epoch). */
  readonly expiresS: number
}

/** A companion cookie's payload and MAC, if well formed and unexpired (its MAC is checked by the caller). */
function parseCompanion(raw: string | null, now: number): Companion | null {
  if (raw === null) return null
  const dot = raw.lastIndexOf('.')
  if (dot <= 0 || dot > MAX_PAYLOAD_CHARS) return null
  const payload = raw.slice(0, dot)
  const mac = raw.slice(dot + 1)
  if (!/^[0-9a-f]{32}$/.test(mac)) return null
  let claims: unknown
  try {
    claims = JSON.parse(fromBase64Url(payload))
  } catch {
    return null
  }
  const { d, c, e } = (claims ?? {}) as Record<string, unknown>
  if ((d !== null && typeof d !== 'string') || (c !== null && typeof c !== 'string') || typeof e !== 'number' || e * 1000 <= now) return null
  return { payload, mac, binding: { device: d, country: c }, expiresS: e }
}

/** Equal, in time independent of where two MACs of one length differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}


function fromBase64Url(text: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new TypeError('not base64url')
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)))
}
