// Device state for one request: takes the Cookie header, User-Agent, client IP
// (CF-Connecting-IP), the EDGEWARD_COOKIE_KEYS secret and `now`; returns the cookie state plus
// the key-set problem (for the log) if any. Never throws; hashes only when a cookie is present.
import { bindingHashes } from './binding'
import { loadCookieKeys, type KeyProblem } from './cookieKeys'
import type { DeviceCookieState } from './deviceClaims'
import { readDeviceCookie } from './deviceCookie'
import { verifyDeviceToken } from './deviceToken'

export interface DeviceStateInput {
  readonly cookieHeader: string | null
  readonly userAgent: string | null
  /** CF-Connecting-IP only. */
  readonly ip: string | null
  readonly keysSecret: string | undefined
  /** Epoch milliseconds. */
  readonly now: number
}

export interface DeviceState {
  readonly cookie: DeviceCookieState
  /** Why no key set is usable (log it as e.g. `cookie_keys: missing`); null when keys loaded. */
  readonly keyProblem: KeyProblem | null
}

export async function readDeviceState(input: DeviceStateInput): Promise<DeviceState> {
  const keys = await loadCookieKeys(input.keysSecret)
  const keyProblem = keys.ok ? null : keys.reason
  const value = readDeviceCookie(input.cookieHeader)
  if (value === undefined || value === '') return { cookie: { kind: 'missing' }, keyProblem }
  const binding = await bindingHashes(input.userAgent, input.ip)
  return { cookie: await verifyDeviceToken(value, keys, { now: input.now, ...binding }), keyProblem }
}
