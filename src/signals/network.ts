// Network signals: takes request.cf (or undefined, e.g. locally) and an optional extra set of
// hosting ASNs, returns HTTP/TLS versions, cipher strength, ASN class, country, RTT, Bot
// Management fields and the TLS fingerprints. Pure; anything missing, of the wrong type or
// not shaped like its field is null, never a throw.
import hostingAsnData from './data/hosting-asns.json'

export interface NetworkSignals {
  readonly httpVersion: number | null
  /** 1.0 … 1.3; 0 for plain HTTP; null when cf does not say. */
  readonly tlsVersion: number | null
  readonly tlsCipherWeak: boolean | null
  readonly asn: number | null
  readonly asnHosting: boolean | null
  readonly country: string | null
  readonly cfTimezone: string | null
  readonly clientTcpRttMs: number | null
  readonly botScore: number | null
  readonly verifiedBot: boolean | null
  readonly ja3Hash: string | null
  readonly ja4: string | null
}

export const HOSTING_ASNS: ReadonlySet<number> = new Set(hostingAsnData.asns.map((a) => a.asn))

const HTTP_VERSIONS: Readonly<Record<string, number>> = { 'HTTP/1.0': 1.0, 'HTTP/1.1': 1.1, 'HTTP/2': 2, 'HTTP/3': 3 }
const TLS_VERSIONS: Readonly<Record<string, number>> = { TLSv1: 1.0, 'TLSv1.0': 1.0, 'TLSv1.1': 1.1, 'TLSv1.2': 1.2, 'TLSv1.3': 1.3, SSLv3: 0.3 }

/** JA3: an MD5 hex digest. JA4: `t13d1516h2_8daaf6152771_02713d6af862` (letters, digits, `_`). */
const JA3_SHAPE = /^[0-9a-f]{32}$/
const JA4_SHAPE = /^[A-Za-z0-9_]{1,64}$/

const str = (x: unknown, max: number): string | null => (typeof x === 'string' && x !== '' ? x.slice(0, max) : null)
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null)
const obj = (x: unknown): Record<string, unknown> | undefined =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined

/** Modern AEAD suites (TLS 1.3 `AEAD-*`, TLS 1.2 `ECDHE-*-GCM` / ChaCha20-Poly1305). */
function cipherWeak(cipher: string): boolean {
  const aead = /GCM|CHACHA20-POLY1305/.test(cipher)
  return !(aead && /^(AEAD-|ECDHE-|TLS_)/.test(cipher))
}

function tlsVersionOf(cf: Record<string, unknown>, httpVersion: number | null): number | null {
  const v = cf.tlsVersion
  if (typeof v === 'string' && Object.hasOwn(TLS_VERSIONS, v)) return TLS_VERSIONS[v] ?? null // own keys only: never `constructor`
  // cf is there and speaks HTTP but names no TLS version: plain HTTP.
  if ((v === '' || v === 'NONE') && httpVersion !== null) return 0
  return null
}

export interface TlsFingerprints {
  readonly ja3Hash: string | null
  readonly ja4: string | null
}

/**
 * JA3 / JA4 of the client's TLS hello, where the plan provides them (`botManagement.ja3Hash`,
 * `botManagement.ja4`, or a top-level `ja4`). Shape-checked: they reach log lines and rules.
 */
export function readTlsFingerprints(cf: Record<string, unknown> | undefined): TlsFingerprints {
  const bm = obj(cf?.botManagement)
  const ja3 = typeof bm?.ja3Hash === 'string' ? bm.ja3Hash.toLowerCase() : null
  const ja4 = [bm?.ja4, cf?.ja4].find((x): x is string => typeof x === 'string' && JA4_SHAPE.test(x)) ?? null
  return { ja3Hash: ja3 !== null && JA3_SHAPE.test(ja3) ? ja3 : null, ja4 }
}

/** A 32-bit AS number or null: anything else is unknown (not "not hosting", not a list match). */
export function asnOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 0xffff_ffff ? v : null
}

export function readNetworkSignals(cf: Record<string, unknown> | undefined, extraHostingAsns?: ReadonlySet<number>): NetworkSignals {
  const c = cf ?? {}
  const protocol = c.httpProtocol
  const httpVersion = typeof protocol === 'string' && Object.hasOwn(HTTP_VERSIONS, protocol) ? (HTTP_VERSIONS[protocol] ?? null) : null
  const tlsVersion = tlsVersionOf(c, httpVersion)
  const cipher = str(c.tlsCipher, 64)
  const asn = asnOrNull(c.asn)
  const rtt = num(c.clientTcpRtt)
  const bm = obj(c.botManagement)
  const score = num(bm?.score)
  return {
    httpVersion,
    tlsVersion,
    tlsCipherWeak: cipher !== null && tlsVersion !== 0 ? cipherWeak(cipher) : null,
    asn,
    asnHosting: asn === null ? null : HOSTING_ASNS.has(asn) || (extraHostingAsns?.has(asn) ?? false),
    country: str(c.country, 2),
    cfTimezone: str(c.timezone, 64),
    clientTcpRttMs: rtt !== null && rtt > 0 ? rtt : null,
    botScore: score !== null && score >= 1 && score <= 99 ? score : null,
    verifiedBot: typeof bm?.verifiedBot === 'boolean' ? bm.verifiedBot : null,
    ...readTlsFingerprints(c),
  }
}
