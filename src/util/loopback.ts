// Which URLs may go over plain http: only to this machine (local dev, a local stand-in). Takes a URL
// string; no I/O. One place, so a cookie's `Secure`, a range API's base and the WAF API's base agree.

/** localhost, [::1] or a 127.x.y.z address — not a name that merely starts with `127.`. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/** `url` parsed, or null when it is not a URL. */
function parsed(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}

/** Plain http to a loopback host. */
export function isPlainHttpLoopback(url: string): boolean {
  const u = parsed(url)
  return u !== null && u.protocol === 'http:' && isLoopbackHost(u.hostname)
}

/** https anywhere, or plain http to a loopback host: where a secret (a token, a password prefix) may be sent. */
export function isHttpsOrLoopback(url: string): boolean {
  return parsed(url)?.protocol === 'https:' || isPlainHttpLoopback(url)
}
