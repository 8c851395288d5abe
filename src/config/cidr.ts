// IP range sets: takes "1.2.3.4" / "10.0.0.0/8" / "2001:db8::/32" strings, returns a
// set compiled once that answers "does this address fall in any range". Must not be
// built per request.
import ipaddr from 'ipaddr.js'
import { memoize } from '../util/memo'
import { err, ok, type Result } from '../util/result'

type Range = readonly [ipaddr.IPv4 | ipaddr.IPv6, number]

export interface CidrSet {
  readonly v4: readonly Range[]
  readonly v6: readonly Range[]
  readonly size: number
}

export const EMPTY_CIDR_SET: CidrSet = { v4: [], v6: [], size: 0 }

export function parseCidr(text: string): Result<Range, 'bad_ip'> {
  try {
    if (text.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(text)
      return ok([unmap(addr), addr.kind() === 'ipv6' && unmap(addr).kind() === 'ipv4' ? bits - 96 : bits])
    }
    const addr = unmap(ipaddr.parse(text))
    return ok([addr, addr.kind() === 'ipv4' ? 32 : 128])
  } catch {
    return err('bad_ip', `not an IP address or CIDR range: ${JSON.stringify(text.slice(0, 64))}`)
  }
}

/** Compiles ranges; returns the problems as [index, message] pairs for path reporting. */
export function compileCidrSet(texts: readonly string[]): { set: CidrSet; problems: [number, string][] } {
  const v4: Range[] = []
  const v6: Range[] = []
  const problems: [number, string][] = []
  texts.forEach((t, i) => {
    const r = parseCidr(t)
    if (!r.ok) problems.push([i, r.detail ?? r.reason])
    else (r.value[0].kind() === 'ipv4' ? v4 : v6).push(r.value)
  })
  return { set: { v4, v6, size: v4.length + v6.length }, problems }
}

/** Parsed addresses kept per isolate: a request parses its client's several times (keys, lists, crawler ranges). */
export const IP_MEMO_SIZE = 1024
/** Longer than any address's spelling (an IPv6 with an IPv4 tail is 45): longer text is parsed, not kept. */
export const IP_MEMO_MAX_CHARS = 64

/** Parses a client address; undefined when it is not an IP. Memoised: the answer is shared, never mutate it. */
export const parseIp = memoize(IP_MEMO_SIZE, (text): ipaddr.IPv4 | ipaddr.IPv6 | undefined => {
  try {
    return unmap(ipaddr.parse(text))
  } catch {
    return undefined
  }
}, IP_MEMO_MAX_CHARS)

export function cidrSetHas(set: CidrSet, ip: ipaddr.IPv4 | ipaddr.IPv6 | undefined): boolean {
  if (ip === undefined || set.size === 0) return false
  if (ip.kind() === 'ipv4') return set.v4.some(([net, bits]) => (ip as ipaddr.IPv4).match(net as ipaddr.IPv4, bits))
  return set.v6.some(([net, bits]) => (ip as ipaddr.IPv6).match(net as ipaddr.IPv6, bits))
}

/** The /24 (IPv4) or /48 (IPv6) prefix of an address, as text; the raw text if unparsable. */
export function ipPrefix(text: string): string {
  const ip = parseIp(text)
  if (ip === undefined) return text
  if (ip.kind() === 'ipv4') {
    const o = (ip as ipaddr.IPv4).octets
    return `${o[0]}.${o[1]}.${o[2]}.0/24`
  }
  const p = (ip as ipaddr.IPv6).parts
  return `${[p[0], p[1], p[2]].map((n) => (n ?? 0).toString(16)).join(':')}::/48`
}

function unmap(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr
}
