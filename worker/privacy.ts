// Privacy helpers for the Worker: reference ids, keyed username hashes and IPs as the
// config says to log them. Without EDGEWARD_USER_HASH_KEY a per-isolate random key is
// used (hashes stay unlinkable, and the log line says the key is missing).
import type { IpLogMode } from '../src/config/schema'
import { ipForLog } from '../src/log/ipForLog'
import { keyedHash } from '../src/log/keyedHash'

// Random values are not allowed at global scope in Workers: made on first use.
let isolateKey: string | null = null

function toHex(bytes: Uint8Array): string {
  let hex = ''
  for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  return hex
}

/** A request reference id: 16 hex chars, random; shown to the client and in the log. */
export function newRef(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(8)))
}

function hashKey(env: Env, missing: string[] | null): string {
  const key = env.EDGEWARD_USER_HASH_KEY
  if (key !== undefined && key !== '') return key
  if (missing !== null && !missing.includes('user_hash_key')) missing.push('user_hash_key')
  isolateKey ??= toHex(crypto.getRandomValues(new Uint8Array(32)))
  return isolateKey
}

export function hashUser(canonical: string, env: Env, missing: string[]): Promise<string> {
  return keyedHash(hashKey(env, missing), `user\u0000${canonical}`)
}

/**
 * A sign-in's password on a site as its password key (password spraying, src/counters/keys.ts): an HMAC under
 * the username hash key, never an unkeyed hash, so the digest cannot be tested against a word list
 * without the secret. Without the secret each isolate keys with its own random one: counts split.
 */
export function hashPassword(site: string, password: string, env: Env, missing: string[]): Promise<string> {
  return keyedHash(hashKey(env, missing), `password\u0000${site}\u0000${password}`)
}

/**
 * An origin's session cookie on a site as its binding key (stolen sessions, worker/sessions.ts): an HMAC
 * under the username hash key, so a copy of the SessionBindings objects names no usable session.
 */
export function hashSession(site: string, value: string, env: Env, missing: string[]): Promise<string> {
  return keyedHash(hashKey(env, missing), `session\u0000${site}\u0000${value}`)
}

/** The MAC of a session binding cookie: over the site, the session cookie's value and the binding it states. */
export function sessionBindingMac(site: string, value: string, payload: string, env: Env, missing: string[]): Promise<string> {
  return keyedHash(hashKey(env, missing), `session-binding\u0000${site}\u0000${value}\u0000${payload}`)
}

export async function logIp(ip: string, mode: IpLogMode, env: Env): Promise<string> {
  if (mode !== 'hashed') return ipForLog(ip, mode)
  return keyedHash(hashKey(env, null), `ip\u0000${ip}`)
}
