// Reverse-proxy headers for a URL origin: takes the headers going to the origin, the URL the
// client asked for and the client's IP; sets X-Forwarded-Host, X-Forwarded-Proto and one
// Forwarded element, so an app that builds absolute links sends the browser back through
// edgeward. Must not touch X-Forwarded-For (it passes as the client sent it, DESIGN).
import ipaddr from 'ipaddr.js'

/**
 * Our values replace whatever the client sent under these names: on Cloudflare nothing in front
 * of the Worker is a proxy the origin can trust, so a client's own X-Forwarded-Host / -Proto or
 * Forwarded is only a claim, and apps read the first value (Express takes the first
 * X-Forwarded-Host; most Forwarded parsers take the first element). Appending would let a
 * client pick the host the app links to.
 */
export function setProxyHeaders(headers: Headers, clientUrl: URL, clientIp: string): void {
  const proto = clientUrl.protocol.replace(/:$/, '')
  headers.set('x-forwarded-host', clientUrl.host)
  headers.set('x-forwarded-proto', proto)
  headers.set('forwarded', `for=${forwardedNode(clientIp)};host=${quoted(clientUrl.host)};proto=${proto}`)
}

/** RFC 7239 §6: an IPv4 address bare, an IPv6 one quoted in brackets, anything else `unknown`. */
export function forwardedNode(ip: string): string {
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ip
  if (ipaddr.IPv6.isValid(ip) && /^[0-9A-Fa-f:.]+$/.test(ip)) return `"[${ip}]"`
  return 'unknown'
}

/** A host with a port has a ':' (not a token character), so it is always sent quoted. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`
}
