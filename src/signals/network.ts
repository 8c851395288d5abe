// Network signals: takes request.cf (or undefined, e.g. locally) and an optional extra set of
// hosting ASNs, returns HTTP/TLS versions, cipher strength, ASN class, country, RTT and Bot
// Management fields. Pure; anything missing or of the wrong type is null, never a throw.
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
  if (typeof v === 'string' && v in TLS_VERSIONS) return TLS_VERSIONS[v] ?? null
  // cf is there and speaks HTTP but names no TLS version: plain HTTP.
  if ((v === '' || v === 'NONE') && httpVersion !== null) return 0
  return null
}

export function readNetworkSignals(cf: Record<string, unknown> | undefined, extraHostingAsns?: ReadonlySet<number>): NetworkSignals {
  const c = cf ?? {}
  const protocol = c.httpProtocol
  const httpVersion = typeof protocol === 'string' ? (HTTP_VERSIONS[protocol] ?? null) : null
  const tlsVersion = tlsVersionOf(c, httpVersion)
  const cipher = str(c.tlsCipher, 64)
  const asn = num(c.asn)
  const rtt = num(c.clientTcpRtt)
  const bm = obj(c.botManagement)
  const score = num(bm?.score)
  return {
    httpVersion,
    tlsVersion,
    tlsCipherWeak: cipher !== null && tlsVersion !== 0 ? cipherWeak(cipher) : null,
    asn: asn !== null && Number.isInteger(asn) && asn > 0 ? asn : null,
    asnHosting: asn === null ? null : HOSTING_ASNS.has(asn) || (extraHostingAsns?.has(asn) ?? false),
    country: str(c.country, 2),
    cfTimezone: str(c.timezone, 64),
    clientTcpRttMs: rtt !== null && rtt > 0 ? rtt : null,
    botScore: score !== null && score >= 1 && score <= 99 ? score : null,
    verifiedBot: typeof bm?.verifiedBot === 'boolean' ? bm.verifiedBot : null,
    ja3Hash: str(bm?.ja3Hash, 64),
    ja4: str(bm?.ja4, 64) ?? str(c.ja4, 64),
  }
}
