// Header and network signals: takes plain request data (headers as a Headers or [name, value]
// pairs, request.cf, optionally the URL), returns a typed HeaderSignals. Pure; never throws.
import { clientHintsMismatch, parseClientHints, type HintMismatch } from './clientHints'
import { readNetworkSignals, type NetworkSignals } from './network'
import { parseUserAgent, type UserAgentInfo } from './userAgent'

export interface HeaderInput {
  readonly headers: Headers | ReadonlyArray<readonly [string, string]>
  readonly cf: Record<string, unknown> | undefined
  /** Request URL; decides whether the browser would send hints / Sec-Fetch. Absent → assume https. */
  readonly url?: string
  readonly extraHostingAsns?: ReadonlySet<number>
}

export interface HeaderSignals extends NetworkSignals {
  readonly userAgent: UserAgentInfo
  readonly uaMissing: boolean
  readonly clientHintsMismatch: HintMismatch | null
  readonly secFetchMissing: boolean
  readonly acceptMissing: boolean
  readonly acceptLanguageMissing: boolean
  /** Request headers, edgeward and CDN-added headers excluded. */
  readonly headerCount: number
  /** FNV-1a (hex) of the sorted, lower-cased header names counted above. */
  readonly headerSetHash: string
  /**
   * Always false: workerd's `Headers` iterates names lower-cased and sorted (Fetch "sort
   * and combine"), so the client's header order is not observable in a Worker. Kept as a
   * constant so training and serving agree; fill it if the platform ever exposes order.
   */
  readonly headerOrderAnomaly: false
}

/** Headers the CDN or edgeward add (or that clients cannot be trusted to own). */
const EXCLUDED = /^(cf-|x-edgeward-|x-forwarded-|x-real-ip$|true-client-ip$|cdn-loop$|forwarded$|via$)/

/** Browsers that send Sec-Fetch-* (to potentially trustworthy origins) from these majors on. */
const SEC_FETCH_SINCE: Readonly<Partial<Record<UserAgentInfo['family'], number>>> = {
  chrome: 80, edge: 80, opera: 67, samsung: 12, firefox: 90, safari: 17,
}

const isPairs = (h: HeaderInput['headers']): h is ReadonlyArray<readonly [string, string]> => Array.isArray(h)

function toPairs(h: HeaderInput['headers']): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = []
  if (isPairs(h)) for (const [name, value] of h) out.push([name.toLowerCase(), value])
  else h.forEach((value, name) => out.push([name.toLowerCase(), value]))
  return out
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

/** https, or a loopback host (Chromium treats http://localhost and 127.0.0.0/8 as trustworthy). */
export function isSecureTransport(url: string | undefined): boolean {
  if (url === undefined) return true
  try {
    const u = new URL(url)
    if (u.protocol === 'https:') return true
    const host = u.hostname
    return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]'
  } catch {
    return true
  }
}

export function readHeaderSignals(input: HeaderInput): HeaderSignals {
  const pairs = toPairs(input.headers)
  const get = (name: string): string | null => pairs.find(([n]) => n === name)?.[1] ?? null
  const ua = parseUserAgent(get('user-agent'))
  const secure = isSecureTransport(input.url)
  const hints = parseClientHints(get('sec-ch-ua'), get('sec-ch-ua-mobile'), get('sec-ch-ua-platform'))
  const counted = [...new Set(pairs.map(([n]) => n).filter((n) => !EXCLUDED.test(n)))].sort()
  const since = SEC_FETCH_SINCE[ua.family]
  const expectsSecFetch = secure && since !== undefined && (ua.major ?? 0) >= since
  const hasSecFetch = get('sec-fetch-site') !== null || get('sec-fetch-mode') !== null
  return {
    ...readNetworkSignals(input.cf, input.extraHostingAsns),
    userAgent: ua,
    uaMissing: ua.family === 'none',
    clientHintsMismatch: clientHintsMismatch(ua, hints, secure),
    secFetchMissing: expectsSecFetch && !hasSecFetch,
    acceptMissing: get('accept') === null,
    acceptLanguageMissing: get('accept-language') === null,
    headerCount: counted.length,
    headerSetHash: fnv1a(counted.join(',')),
    headerOrderAnomaly: false,
  }
}
