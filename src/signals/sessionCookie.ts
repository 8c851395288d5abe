// Stolen sessions: the origin's session cookie, bound at sign-in to the device and country that
// signed in. Takes Cookie / Set-Cookie header values and bindings; returns the session cookie's value
// and whether a later request carrying it comes from elsewhere. Pure: no clock, no crypto.
//
// An infostealer lifts a browser's cookies after the sign-in every login-time check saw; replayed
// from the thief's machine, the session cookie arrives with another device (or none) and, usually,
// from another country. The binding itself is worker/sessions.ts: a companion cookie signed over the
// session's value (no object call for the owner's own requests) and, for a session cookie that
// arrives without it, a keyed hash of the value in the SessionBindings shards.

/** The companion cookie: the binding of the session cookie it travels with. */
export const SESSION_BINDING_COOKIE = '__edgeward_sb'

/** Where a session was bound: the sign-in's device (null: it had none) and country (null: unknown). */
export interface SessionBinding {
  readonly device: string | null
  readonly country: string | null
}

/** How a request carrying a bound session differs from its sign-in; both false: it does not. */
export interface SessionMove {
  /** Bound to a device, and this request shows another device or none. */
  readonly device: boolean
  /** Bound in one country, and this request comes from another (both known). */
  readonly country: boolean
}

const MAX_VALUE_CHARS = 4096

/** The first configured session cookie in a Cookie header, as `{ name, value }`, or null. */
export function sessionCookieIn(cookieHeader: string | null, names: readonly string[]): { name: string; value: string } | null {
  if (cookieHeader === null || names.length === 0) return null
  const found = new Map<string, string>()
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    if (!names.includes(name) || found.has(name)) continue
    const value = part.slice(eq + 1).trim()
    if (value !== '' && value.length <= MAX_VALUE_CHARS) found.set(name, value)
  }
  for (const name of names) {
    const value = found.get(name)
    if (value !== undefined) return { name, value }
  }
  return null
}

/** The value of the companion cookie in a Cookie header, or null. */
export function bindingCookieIn(cookieHeader: string | null): string | null {
  return sessionCookieIn(cookieHeader, [SESSION_BINDING_COOKIE])?.value ?? null
}

/**
 * The session cookie an origin's answer sets (a configured name with a non-empty value that is not
 * being deleted), as `{ name, value, maxAgeS }` (`maxAgeS` null: a browser-session cookie), or null.
 */
export function sessionCookieSet(setCookies: readonly string[], names: readonly string[], nowMs: number): { name: string; value: string; maxAgeS: number | null } | null {
  if (names.length === 0) return null
  for (const line of setCookies) {
    const [pair = '', ...attrs] = line.split(';')
    const eq = pair.indexOf('=')
    if (eq <= 0) continue
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    if (!names.includes(name) || value === '' || value.length > MAX_VALUE_CHARS) continue
    let maxAgeS: number | null = null
    for (const a of attrs) {
      const [k = '', v = ''] = a.split('=').map((s) => s.trim())
      if (k.toLowerCase() === 'max-age' && /^-?\d+$/.test(v)) maxAgeS = Number(v)
      else if (k.toLowerCase() === 'expires' && maxAgeS === null) {
        const at = Date.parse(v)
        if (Number.isFinite(at)) maxAgeS = Math.floor((at - nowMs) / 1000)
      }
    }
    if (maxAgeS !== null && maxAgeS <= 0) continue // a deletion (sign-out), not a session
    return { name, value, maxAgeS }
  }
  return null
}

/** How a request (its device and country) differs from where its session was bound. */
export function sessionMove(bound: SessionBinding, here: SessionBinding): SessionMove {
  return {
    device: bound.device !== null && here.device !== bound.device,
    country: bound.country !== null && here.country !== null && here.country !== bound.country,
  }
}
