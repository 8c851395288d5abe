// Takes a user and a clock, or a cookie value; returns a signed session token, or the user it names.
// Must not trust any cookie it cannot verify: forged, expired, oversized or garbled → no session.
import { userExists } from './users'
import { base64url, base64urlBytes } from '../../src/util/base64url'
import type { DemoState } from './state'

export const SESSION_COOKIE = 'demo_session'
export const SESSION_TTL_SECONDS = 3600
const MAX_TOKEN_LENGTH = 1024

/** The state's HMAC-SHA-256 key, generated once (per state, so per isolate for the shared state). */
function sessionKey(state: DemoState): Promise<CryptoKey> {
  state.sessionKey ??= crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]) as Promise<CryptoKey>
  return state.sessionKey
}

/** A token `base64url(JSON {u, exp}).base64url(HMAC)` naming the user until now + TTL. */
export async function issueSession(state: DemoState, user: string, nowMs: number): Promise<string> {
  const exp = Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS
  const payload = base64url(new TextEncoder().encode(JSON.stringify({ u: user, exp })))
  const key = await sessionKey(state)
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(payload))
  return `${payload}.${base64url(new Uint8Array(mac))}`
}

function parsePayload(bytes: Uint8Array): { u: string; exp: number } | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes))
    if (typeof value !== 'object' || value === null) return undefined
    const { u, exp } = value as Record<string, unknown>
    return typeof u === 'string' && typeof exp === 'number' ? { u, exp } : undefined
  } catch {
    return undefined
  }
}

/** The user a valid, unexpired token names (and who still exists), or undefined. */
export async function verifySession(
  state: DemoState,
  token: string | undefined,
  nowMs: number,
): Promise<string | undefined> {
  if (!token || token.length > MAX_TOKEN_LENGTH) return undefined
  const parts = token.split('.')
  if (parts.length !== 2) return undefined
  const [payload = '', mac = ''] = parts
  const macBytes = base64urlBytes(mac)
  const payloadBytes = base64urlBytes(payload)
  if (!macBytes || !payloadBytes) return undefined
  const valid = await crypto.subtle.verify(
    'HMAC',
    await sessionKey(state),
    macBytes,
    new TextEncoder().encode(payload),
  )
  if (!valid) return undefined
  const claims = parsePayload(payloadBytes)
  if (!claims || claims.exp <= Math.floor(nowMs / 1000)) return undefined
  return userExists(state, claims.u) ? claims.u : undefined
}
