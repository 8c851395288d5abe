// The counter and deny key of a client address. Takes an IP (any spelling) and the IPv6 prefix
// length; returns canonical text: an IPv4 address itself, an IPv6 address by its network
// (`2001:db8:1:2::/64` at 64 bits). Pure. Rotating addresses inside one /64 (what one IPv6
// subscriber is given) then neither resets per-IP counters nor escapes an IP deny entry.
import ipaddr from 'ipaddr.js'
import { IP_MEMO_MAX_CHARS, IP_MEMO_SIZE, parseIp } from '../config/cidr'
import { memoize } from '../util/memo'

export const DEFAULT_IPV6_PREFIX_BITS = 64
export const MIN_IPV6_PREFIX_BITS = 32

/** The key of `ip`: raw text when it is not an IP (never thrown on), the whole address at 128 bits. */
export function ipCounterKey(ip: string, v6Bits: number = DEFAULT_IPV6_PREFIX_BITS): string {
  return keyMemo(`${v6Bits} ${ip}`)
}

/** Keys kept per isolate by "bits address": a request asks for its client's key several times. */
const keyMemo = memoize(
  IP_MEMO_SIZE,
  (entry) => {
    const space = entry.indexOf(' ')
    return counterKeyOf(entry.slice(space + 1), Number(entry.slice(0, space)))
  },
  IP_MEMO_MAX_CHARS + 8,
)

function counterKeyOf(ip: string, v6Bits: number): string {
  const addr = parseIp(ip.trim())
  if (addr === undefined) return ip
  if (addr.kind() === 'ipv4') return addr.toString()
  const bits = Number.isInteger(v6Bits) ? Math.min(128, Math.max(MIN_IPV6_PREFIX_BITS, v6Bits)) : DEFAULT_IPV6_PREFIX_BITS
  if (bits === 128) return addr.toString()
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`).toString()}/${bits}`
}

/**
 * Reads an IP deny target's value (admin input): an address, or an IPv6 network as the list
 * shows it (`2001:db8:1:2::/64`). Returns the address or network in canonical text, or undefined.
 */
export function parseIpTarget(text: string): string | undefined {
  const t = text.trim()
  if (!t.includes('/')) return parseIp(t)?.toString()
  try {
    const [addr, bits] = ipaddr.parseCIDR(t)
    if (addr.kind() !== 'ipv6' || bits < MIN_IPV6_PREFIX_BITS || bits >= 128) return undefined
    return `${ipaddr.IPv6.networkAddressFromCIDR(t).toString()}/${bits}`
  } catch {
    return undefined
  }
}
