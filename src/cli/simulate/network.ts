// Where a simulated client connects from: takes a network kind and a Random, returns the
// dev-only `x-edgeward-test-cf` object (ASN, country, timezone, TLS, HTTP version, RTT). Data only.
import hostingAsnData from '../../signals/data/hosting-asns.json'
import type { Random } from './random'

export const NETWORK_KINDS = ['residential', 'mobile', 'hosting', 'vpn', 'residential_proxy'] as const
export type NetworkKind = (typeof NETWORK_KINDS)[number]

interface Isp { readonly asn: number; readonly country: string; readonly tz: readonly string[]; readonly weight: number }

/** Consumer broadband (weights roughly by subscribers in a shop like the demo's). */
export const RESIDENTIAL: readonly Isp[] = [
  { asn: 7922, country: 'US', tz: ['America/New_York', 'America/Chicago', 'America/Los_Angeles'], weight: 10 },
  { asn: 7018, country: 'US', tz: ['America/Chicago', 'America/New_York'], weight: 7 },
  { asn: 701, country: 'US', tz: ['America/New_York'], weight: 5 },
  { asn: 20115, country: 'US', tz: ['America/Chicago', 'America/Denver'], weight: 5 },
  { asn: 22773, country: 'US', tz: ['America/Phoenix', 'America/Los_Angeles'], weight: 3 },
  { asn: 209, country: 'US', tz: ['America/Denver'], weight: 2 },
  { asn: 812, country: 'CA', tz: ['America/Toronto'], weight: 2 },
  { asn: 577, country: 'CA', tz: ['America/Toronto', 'America/Montreal'], weight: 2 },
  { asn: 2856, country: 'GB', tz: ['Europe/London'], weight: 4 },
  { asn: 5089, country: 'GB', tz: ['Europe/London'], weight: 3 },
  { asn: 3320, country: 'DE', tz: ['Europe/Berlin'], weight: 4 },
  { asn: 3209, country: 'DE', tz: ['Europe/Berlin'], weight: 2 },
  { asn: 3215, country: 'FR', tz: ['Europe/Paris'], weight: 3 },
  { asn: 12322, country: 'FR', tz: ['Europe/Paris'], weight: 2 },
  { asn: 1136, country: 'NL', tz: ['Europe/Amsterdam'], weight: 2 },
  { asn: 3352, country: 'ES', tz: ['Europe/Madrid'], weight: 2 },
  { asn: 3269, country: 'IT', tz: ['Europe/Rome'], weight: 2 },
  { asn: 1221, country: 'AU', tz: ['Australia/Sydney', 'Australia/Melbourne'], weight: 2 },
  { asn: 4713, country: 'JP', tz: ['Asia/Tokyo'], weight: 1 },
  { asn: 28573, country: 'BR', tz: ['America/Sao_Paulo'], weight: 1 },
  { asn: 55836, country: 'IN', tz: ['Asia/Kolkata'], weight: 1 },
]

export const MOBILE: readonly Isp[] = [
  { asn: 21928, country: 'US', tz: ['America/New_York', 'America/Los_Angeles'], weight: 5 },
  { asn: 6167, country: 'US', tz: ['America/Chicago'], weight: 4 },
  { asn: 20057, country: 'US', tz: ['America/New_York'], weight: 3 },
  { asn: 12576, country: 'GB', tz: ['Europe/London'], weight: 2 },
  { asn: 3320, country: 'DE', tz: ['Europe/Berlin'], weight: 1 },
  { asn: 24560, country: 'IN', tz: ['Asia/Kolkata'], weight: 1 },
]

const COUNTRY_TZ: Readonly<Record<string, string>> = {
  US: 'America/New_York', NL: 'Europe/Amsterdam', DE: 'Europe/Berlin', GB: 'Europe/London', FR: 'Europe/Paris',
  SG: 'Asia/Singapore', JP: 'Asia/Tokyo', CA: 'America/Toronto', SE: 'Europe/Stockholm', RO: 'Europe/Bucharest', CH: 'Europe/Zurich',
}
const HOSTING_COUNTRIES = ['US', 'US', 'US', 'NL', 'DE', 'DE', 'GB', 'FR', 'SG', 'CA', 'JP']
const VPN_COUNTRIES = ['US', 'US', 'NL', 'GB', 'DE', 'SE', 'CH', 'RO', 'CA']

const byKind = (kinds: readonly string[]): number[] => hostingAsnData.asns.filter((a) => kinds.includes(a.kind)).map((a) => a.asn)
export const HOSTING_ASNS: readonly number[] = byKind(['hosting', 'cloud'])
export const VPN_ASNS: readonly number[] = byKind(['vpn'])

export interface TestCf {
  readonly asn: number
  readonly country: string
  readonly timezone: string
  readonly httpProtocol: string
  readonly tlsVersion: string
  readonly tlsCipher: string
  readonly clientTcpRtt: number
  /**
   * Always null: a zone without Bot Management has no botManagement object. Without this the
   * placeholder cf of `wrangler dev` (score 99 on every request) would leak into training data.
   */
  readonly botManagement: null
}

export type Transport = 'browser' | 'script' | 'old_script'

const isp = (rng: Random, list: readonly Isp[]): Isp => rng.weighted(list.map((i) => [i, i.weight] as const))

/** The network half: ASN, country, timezone and a plausible RTT for the kind. */
export function networkFor(kind: NetworkKind, rng: Random): Pick<TestCf, 'asn' | 'country' | 'timezone' | 'clientTcpRtt'> {
  switch (kind) {
    case 'residential':
    case 'residential_proxy': {
      const i = isp(rng, RESIDENTIAL)
      // A proxy exit adds its own hop: the RTT the edge sees is the exit's, often odd for the ISP.
      const rtt = kind === 'residential' ? rng.lognormal(28, 0.5) : rng.lognormal(90, 0.6)
      return { asn: i.asn, country: i.country, timezone: rng.pick(i.tz), clientTcpRtt: Math.round(rtt) }
    }
    case 'mobile': {
      const i = isp(rng, MOBILE)
      return { asn: i.asn, country: i.country, timezone: rng.pick(i.tz), clientTcpRtt: Math.round(rng.lognormal(65, 0.5)) }
    }
    case 'hosting': {
      const country = rng.pick(HOSTING_COUNTRIES)
      return { asn: rng.pick(HOSTING_ASNS), country, timezone: COUNTRY_TZ[country] ?? 'UTC', clientTcpRtt: Math.round(rng.lognormal(6, 0.7)) }
    }
    case 'vpn': {
      const country = rng.pick(VPN_COUNTRIES)
      return { asn: rng.pick(VPN_ASNS), country, timezone: COUNTRY_TZ[country] ?? 'UTC', clientTcpRtt: Math.round(rng.lognormal(45, 0.5)) }
    }
  }
}

/** The transport half: what a browser or a script library negotiates. */
export function transportFor(t: Transport, rng: Random): Pick<TestCf, 'httpProtocol' | 'tlsVersion' | 'tlsCipher'> {
  switch (t) {
    case 'browser':
      return {
        httpProtocol: rng.weighted([['HTTP/2', 70], ['HTTP/3', 25], ['HTTP/1.1', 5]]),
        tlsVersion: 'TLSv1.3',
        tlsCipher: rng.weighted([['AEAD-AES128-GCM-SHA256', 70], ['AEAD-CHACHA20-POLY1305-SHA256', 20], ['AEAD-AES256-GCM-SHA384', 10]]),
      }
    case 'script':
      return rng.chance(0.6)
        ? { httpProtocol: 'HTTP/1.1', tlsVersion: 'TLSv1.3', tlsCipher: 'AEAD-AES256-GCM-SHA384' }
        : { httpProtocol: rng.pick(['HTTP/1.1', 'HTTP/2']), tlsVersion: 'TLSv1.2', tlsCipher: 'ECDHE-RSA-AES128-GCM-SHA256' }
    case 'old_script':
      return { httpProtocol: 'HTTP/1.1', tlsVersion: rng.pick(['TLSv1.2', 'TLSv1.1']), tlsCipher: rng.pick(['AES128-SHA', 'ECDHE-RSA-AES128-SHA']) }
  }
}

export function testCf(kind: NetworkKind, transport: Transport, rng: Random): TestCf {
  return { ...networkFor(kind, rng), ...transportFor(transport, rng), botManagement: null }
}
