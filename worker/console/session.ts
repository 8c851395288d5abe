// Console sessions: a short-lived HS256 JWT (jose) in an HttpOnly, SameSite=Strict cookie scoped to
// the console's path, and a CSRF token bound to the session. Takes the session secrets (the signing key
// is derived from the admin token AND a server secret: a new token ends every session, and a cookie
// alone cannot be used to test token guesses offline), the request's User-Agent and the caller's time;
// returns Results. A forged, expired or unbound cookie is "no session", never a throw.
import { errors, jwtVerify, SignJWT } from 'jose'
import { hmacKey } from '../../src/log/keyedHash'
import { err, ok, type Result } from '../../src/util/result'
import { sameSecret } from '../counters/admin'
import { randomId } from '../sdk/nonce'

export const CONSOLE_PATH = '/__edgeward/console'
export const SESSION_COOKIE = 'edgeward_console'
/** Sessions end after this long; signing in again is one form. */
export const SESSION_TTL_S = 30 * 60
const AUDIENCE = 'edgeward-console'
const encoder = new TextEncoder()

export interface ConsoleSession {
  readonly sid: string
  readonly expiresAt: number
}

export type SessionProblem = 'none' | 'expired' | 'bad_signature' | 'unbound' | 'malformed'

const hmac = async (key: CryptoKey, data: string): Promise<Uint8Array> => new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(data)))

const b64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

/**
 * What a session key is derived from: the admin token and a secret the Worker holds besides it
 * (EDGEWARD_USER_HASH_KEY). Keyed by the server secret, a session cookie is no oracle for the token:
 * checking a guessed token against a cookie's signature needs the server secret too.
 */
export interface SessionSecrets {
  readonly token: string
  readonly server: string
}

/** The session secrets of an env, or null when either is missing (no console session can be issued or read). */
export function sessionSecrets(env: { readonly EDGEWARD_ADMIN_TOKEN?: string | undefined; readonly EDGEWARD_USER_HASH_KEY?: string | undefined }): SessionSecrets | null {
  const token = env.EDGEWARD_ADMIN_TOKEN
  const server = env.EDGEWARD_USER_HASH_KEY
  return token === undefined || token === '' || server === undefined || server === '' ? null : { token, server }
}

/**
 * The session signing key: an HMAC under the server secret of the admin token, never either secret
 * itself. Derived and imported once per isolate and secrets pair (src/log/keyedHash.ts's approach:
 * resolved keys only, a small bound), not on every page and form.
 */
async function sessionKey(s: SessionSecrets): Promise<CryptoKey> {
  const id = `${s.server}\u0000${s.token}`
  const cached = sessionKeys.get(id)
  if (cached !== undefined) return cached
  const raw = await hmac(await hmacKey(s.server), `edgeward console session key v2|${s.token}`)
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
  if (sessionKeys.size >= SESSION_KEY_CACHE_SIZE) sessionKeys.clear()
  sessionKeys.set(id, key)
  return key
}
const sessionKeys = new Map<string, CryptoKey>()
const SESSION_KEY_CACHE_SIZE = 4

/** A short digest of the User-Agent the session was issued to (a stolen cookie must also copy it). */
async function uaBinding(ua: string | null): Promise<string> {
  return b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(ua ?? '')))).slice(0, 22)
}


export async function issueSession(secrets: SessionSecrets, ua: string | null, now: number): Promise<{ jwt: string; session: ConsoleSession }> {
  const sid = randomId()
  const iat = Math.floor(now / 1000)
  const jwt = await new SignJWT({ sid, ua: await uaBinding(ua) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + SESSION_TTL_S)
    .sign(await sessionKey(secrets))
  return { jwt, session: { sid, expiresAt: (iat + SESSION_TTL_S) * 1000 } }
}

export async function readSession(jwt: string | undefined, secrets: SessionSecrets, ua: string | null, now: number): Promise<Result<ConsoleSession, SessionProblem>> {
  if (jwt === undefined || jwt === '') return err('none')
  if (jwt.length > 2_048) return err('malformed')
  try {
    const { payload } = await jwtVerify(jwt, await sessionKey(secrets), {
      algorithms: ['HS256'],
      audience: AUDIENCE,
      currentDate: new Date(now),
      requiredClaims: ['exp', 'iat', 'sid', 'ua'],
    })
    if (typeof payload.sid !== 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return err('malformed')
    // A token issued "in the future" or living longer than a session can is not ours.
    if (payload.exp - payload.iat > SESSION_TTL_S || payload.iat * 1000 > now + 60_000) return err('malformed')
    if (payload.ua !== (await uaBinding(ua))) return err('unbound')
    return ok({ sid: payload.sid, expiresAt: payload.exp * 1000 })
  } catch (e) {
    if (e instanceof errors.JWTExpired) return err('expired')
    if (e instanceof errors.JWSSignatureVerificationFailed) return err('bad_signature')
    return err('malformed')
  }
}

/** The CSRF token of a session: an HMAC of its id under the session key. */
export async function csrfToken(secrets: SessionSecrets, sid: string): Promise<string> {
  return b64url(await hmac(await sessionKey(secrets), `csrf|${sid}`))
}

export async function csrfMatches(given: string | undefined, secrets: SessionSecrets, sid: string): Promise<boolean> {
  if (given === undefined || given === '' || given.length > 100) return false
  return sameSecret(given, await csrfToken(secrets, sid))
}

/** Set-Cookie for the session (`value` empty and maxAge 0 clears it). Secure when the console is served over https. */
export function sessionCookie(value: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=${CONSOLE_PATH}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
}

/**
 * A state-changing request must come from the console's own pages: `Sec-Fetch-Site`, when the browser
 * sends it, must be same-origin, and `Origin`, when sent, must be this origin. Non-browser clients send
 * neither; they still need the session and the CSRF token.
 */
export function fromOwnOrigin(headers: Headers, origin: string): boolean {
  const site = headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin') return false
  const o = headers.get('origin')
  return o === null || o === origin
}
