// Binding: what ties a device cookie to one client — a hash of the User-Agent and of the IP
// prefix (/24 for IPv4, /48 for IPv6). Takes strings, returns short hashes; no clock, no I/O.

import { base64url } from '../util/base64url'

export interface BindingHashes {
  readonly uaHash: string
  readonly ipPrefixHash: string
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

function v4Octets(ip: string): number[] | null {
  const m = IPV4.exec(ip)
  if (m === null) return null
  const octets = m.slice(1).map(Number)
  return octets.every((o) => o <= 255) ? octets : null
}

/** Expands an IPv6 address into 8 hextets, or null. Accepts a trailing dotted IPv4. */
function v6Hextets(ip: string): number[] | null {
  let s = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const tail = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s)
  if (tail?.[1] !== undefined) {
    const o = v4Octets(tail[1])
    if (o === null) return null
    s = `${s.slice(0, -tail[1].length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`
  }
  if (!/^[0-9a-fA-F:]+$/.test(s) || s.split('::').length > 2) return null
  const [head = '', rest] = s.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = rest === undefined || rest === '' ? [] : rest.split(':')
  const fill = rest === undefined ? 0 : 8 - left.length - right.length
  if (fill < 0 || (rest === undefined && left.length !== 8)) return null
  const parts = [...left, ...Array<string>(fill).fill('0'), ...right]
  if (parts.length !== 8 || parts.some((p) => p.length < 1 || p.length > 4)) return null
  return parts.map((p) => parseInt(p, 16))
}

/** The client's network prefix as text: "203.0.113.0/24", "2001:db8:1::/48", or "none". */
export function ipPrefix(ip: string | null | undefined): string {
  const raw = (ip ?? '').trim()
  if (raw === '') return 'none'
  const o = v4Octets(raw)
  if (o !== null) return `${o[0]}.${o[1]}.${o[2]}.0/24`
  const h = v6Hextets(raw)
  if (h === null) return 'invalid'
  // IPv4-mapped (::ffff:a.b.c.d) is an IPv4 client.
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) {
    return `${h[6]! >> 8}.${h[6]! & 255}.${h[7]! >> 8}.0/24`
  }
  return `${h.slice(0, 3).map((x) => x.toString(16)).join(':')}::/48`
}

/** SHA-256 of a domain-separated value, first 96 bits as base64url (16 characters). */
export async function shortHash(domain: string, value: string): Promise<string> {
  const data = new TextEncoder().encode(`${domain}\u0000${value}`)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
  return base64url(digest.subarray(0, 12))
}

export const BINDING_MEMO_SIZE = 256
const MEMO_SIZE = BINDING_MEMO_SIZE
const memo = new Map<string, Promise<BindingHashes>>()

/** Entries in the binding memo (tests assert it stays within BINDING_MEMO_SIZE). */
export const bindingMemoSize = (): number => memo.size

/** The binding hashes for a request: User-Agent (as sent, capped) and IP prefix. Memoised (LRU). */
export function bindingHashes(userAgent: string | null | undefined, ip: string | null | undefined): Promise<BindingHashes> {
  const ua = (userAgent ?? '').slice(0, 1024)
  const prefix = ipPrefix(ip)
  const key = `${prefix}\n${ua}`
  const hit = memo.get(key)
  if (hit !== undefined) {
    memo.delete(key)
    memo.set(key, hit)
    return hit
  }
  const computed = Promise.all([shortHash('edgeward-ua', ua), shortHash('edgeward-ip', prefix)]).then(([uaHash, ipPrefixHash]) => ({ uaHash, ipPrefixHash }))
  memo.set(key, computed)
  if (memo.size > MEMO_SIZE) memo.delete(memo.keys().next().value as string)
  return computed
}
