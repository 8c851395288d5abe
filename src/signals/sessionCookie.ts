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

/** Distinct session values judged per request; a request carrying more is judged moved (no browser sends them). */
export const MAX_SESSION_VALUES = 4

/**
 * A cookie value as an origin's cookie parser reads it: one pair of surrounding double quotes dropped
 * (RFC 6265 allows them) and %-escapes decoded (Express, PHP and others decode). Else `sid="v"` or
 * `sid=%76` would be a session edgeward never bound — adopted, not judged — that the origin reads as `v`.
 */
export function canonicalCookieValue(raw: string): string {
  const unquoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
  if (!unquoted.includes('%')) return unquoted
  try {
    return decodeURIComponent(unquoted)
  } catch {
    return unquoted
  }
}

/**
 * Every distinct value of the configured session cookies in a Cookie header, canonical, in header
 * order (empty and oversized ones skipped). Usually one; a client that sends two (`sid=junk; sid=stolen`)
 * is judged on each, since the origin may read either.
 */
export function sessionCookiesIn(cookieHeader: string | null, names: readonly string[]): string[] {
  if (cookieHeader === null || names.length === 0) return []
  const values: string[] = []
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0 || !names.includes(part.slice(0, eq).trim())) continue
    const value = canonicalCookieValue(part.slice(eq + 1).trim())
    if (value !== '' && value.length <= MAX_VALUE_CHARS && !values.includes(value)) values.push(value)
  }
  return values
}

/** The value of the companion cookie in a Cookie header (the first), or null. */
export function bindingCookieIn(cookieHeader: string | null): string | null {
  if (cookieHeader === null) return null
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_BINDING_COOKIE) return part.slice(eq + 1).trim() || null
  }
  return null
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
    const value = canonicalCookieValue(pair.slice(eq + 1).trim())
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
