// Device cookie header text: takes a Cookie header (or a token and the transport), returns the
// __edgeward value (or the Set-Cookie line). Pure string work; never throws.
import { DEVICE_COOKIE_NAME, DEVICE_TOKEN_MAX_CHARS, DEVICE_TOKEN_TTL_S } from './deviceClaims'
import { isPlainHttpLoopback } from '../util/loopback'

/** Cookie headers beyond this are not scanned (a tamper signal on their own). */
const MAX_COOKIE_HEADER = 16 * 1024

/**
 * The first __edgeward value in a Cookie header, or undefined. A value longer than the token
 * cap is returned truncated-but-oversized (one char over) so the verifier still says `too_large`.
 */
export function readDeviceCookie(cookieHeader: string | null | undefined): string | undefined {
  if (cookieHeader === null || cookieHeader === undefined || cookieHeader === '') return undefined
  const header = cookieHeader.slice(0, MAX_COOKIE_HEADER)
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== DEVICE_COOKIE_NAME) continue
    const value = part.slice(eq + 1).trim()
    return value.length > DEVICE_TOKEN_MAX_CHARS ? value.slice(0, DEVICE_TOKEN_MAX_CHARS + 1) : value
  }
  return undefined
}


export function deviceSetCookie(token: string, requestUrl: string): string {
  const secure = isPlainHttpLoopback(requestUrl) ? '' : '; Secure'
  return `${DEVICE_COOKIE_NAME}=${token}; Max-Age=${DEVICE_TOKEN_TTL_S}; Path=/; HttpOnly${secure}; SameSite=Lax`
}
