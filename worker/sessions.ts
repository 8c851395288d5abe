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
import { isPlainHttpLoopback } from '../src/signals/deviceCookie'
import { bindingCookieIn, SESSION_BINDING_COOKIE, sessionCookieIn, sessionCookieSet, sessionMove, type SessionBinding, type SessionMove } from '../src/signals/sessionCookie'
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
  /** The request's session cookie value (in memory only), or null. */
  readonly value: string | null
  /** How it moved from where it was bound; null: no session cookie, one never bound, or no answer in time. */
  readonly move: SessionMove | null
  /** A session cookie edgeward never bound: the answer gives this client a companion of its own. */
  readonly adopt: boolean
}

const NONE: SessionJudgement = { value: null, move: null, adopt: false }

/** `sessions.cookie_names`; in front of the embedded demo with none configured, the demo's own. */
export function sessionCookieNames(config: CompiledConfig, env: Env): readonly string[] {
  const names = config.source.sessions.cookie_names
  return names.length === 0 && originTarget(env.ORIGIN_URL).kind === 'demo' ? [DEMO_SESSION_COOKIE] : names
}

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
  const session = sessionCookieIn(cookieHeader, sessionCookieNames(input.config, env))
  if (session === null) return NONE
  const site = siteOf(facts.url.hostname)
  const companion = parseCompanion(bindingCookieIn(cookieHeader), now)
  if (companion !== null) {
    const mac = await sessionBindingMac(site, session.value, companion.payload, env, missing)
    if (sameText(mac, companion.mac)) return { value: session.value, move: sessionMove(companion.binding, here), adopt: false }
  }
  const bindings = env.SESSION_BINDINGS
  if (bindings === undefined) return { value: session.value, move: null, adopt: false }
  const h = await hashSession(site, session.value, env, missing)
  const [r] = await settleWithin([() => stubOf(bindings, sessionShardName(h)).lookup({ now, session: h })], input.budgetMs)
  if (r === undefined || r.state !== 'ok') {
    missing.push(r?.state === 'timeout' ? 'sessions_timeout' : 'sessions_error')
    return { value: session.value, move: null, adopt: false }
  }
  if (r.value === null) return { value: session.value, move: null, adopt: true }
  return { value: session.value, move: sessionMove(r.value, here), adopt: false }
}

/**
 * The origin's answer, with a companion for the session cookie it sets (and that session bound in the
 * shards, after the response) or for the adopted one the request carried. A session that moved binds
 * nothing: its successor stays unbound rather than bound to the thief.
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
    readonly now: number
    readonly missing: string[]
  },
): Promise<Response> {
  const { facts, env, config, here, judged, now, missing } = input
  if (judged.move !== null && (judged.move.device || judged.move.country)) return response
  const names = sessionCookieNames(config, env)
  if (names.length === 0) return response
  const set = sessionCookieSet(response.headers.getSetCookie(), names, now)
  const fresh = set !== null && set.value !== judged.value
  const value = fresh ? set.value : judged.adopt ? judged.value : null
  if (value === null) return response
  const keepS = config.source.sessions.keep_hours * 3600
  const maxAgeS = Math.min(fresh && set.maxAgeS !== null ? set.maxAgeS : keepS, keepS)
  const expiresAt = now + maxAgeS * 1000
  const site = siteOf(facts.url.hostname)
  const payload = toBase64Url(JSON.stringify({ d: here.device, c: here.country, e: Math.floor(expiresAt / 1000) }))
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
  const session = sessionCookieIn(cookieHeader, sessionCookieNames(input.config, env))
  const companion = parseCompanion(bindingCookieIn(cookieHeader), now)
  if (session === null || companion === null || companion.binding.device !== input.from) return null
  const site = siteOf(url.hostname)
  const unused: string[] = []
  if (!sameText(await sessionBindingMac(site, session.value, companion.payload, env, unused), companion.mac)) return null
  const payload = toBase64Url(JSON.stringify({ d: input.to, c: companion.binding.country, e: companion.expiresS }))
  const mac = await sessionBindingMac(site, session.value, payload, env, unused)
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

function toBase64Url(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new TypeError('not base64url')
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)))
}
