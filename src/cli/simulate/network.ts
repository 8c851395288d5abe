// Where a simulated client connects from: takes a network kind and a Random, returns the
// dev-only `x-edgeward-test-cf` object (ASN, country, timezone, TLS, HTTP version, RTT). The ASNs
// come from the simulator's own pools (asnPools.ts), never from the detector's hosting list.
import { CAMPUS, CLOUD_DESKTOP, CORPORATE_PROXY, DATACENTER, MOBILE, PRIVACY_EGRESS, PROXY_MOBILE, PROXY_RESIDENTIAL, RESIDENTIAL, VPN_EXITS, type Isp } from './asnPools'
import type { Random } from './random'

export const NETWORK_KINDS = [
  'residential', 'mobile', 'hosting', 'vpn', 'residential_proxy',
  // People's own: a university network, an office's secure web gateway, a cloud desktop, a privacy relay/VPN.
  'campus', 'corporate', 'cloud_desktop', 'privacy',
  // Attackers' own: SIM farms and resold phone bandwidth.
  'mobile_proxy',
] as const
export type NetworkKind = (typeof NETWORK_KINDS)[number]

export { MOBILE, RESIDENTIAL }

/** Pool, and median/spread of the RTT the edge would see, per kind (guesses; training blanks RTT). */
const KINDS: Readonly<Record<NetworkKind, { readonly pool: readonly Isp[]; readonly rtt: number; readonly sigma: number }>> = {
  residential: { pool: RESIDENTIAL, rtt: 28, sigma: 0.5 },
  mobile: { pool: MOBILE, rtt: 65, sigma: 0.5 },
  hosting: { pool: DATACENTER, rtt: 6, sigma: 0.7 },
  vpn: { pool: VPN_EXITS, rtt: 45, sigma: 0.5 },
  // A proxy exit adds its own hop: the RTT the edge sees is the exit's, often odd for the ISP.
  residential_proxy: { pool: PROXY_RESIDENTIAL, rtt: 90, sigma: 0.6 },
  mobile_proxy: { pool: PROXY_MOBILE, rtt: 120, sigma: 0.6 },
  campus: { pool: CAMPUS, rtt: 12, sigma: 0.5 },
  corporate: { pool: CORPORATE_PROXY, rtt: 18, sigma: 0.5 },
  cloud_desktop: { pool: CLOUD_DESKTOP, rtt: 8, sigma: 0.6 },
  privacy: { pool: PRIVACY_EGRESS, rtt: 40, sigma: 0.5 },
}

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

export type NetworkHalf = Pick<TestCf, 'asn' | 'country' | 'timezone' | 'clientTcpRtt'>

/** The network half: ASN, country, timezone and a plausible RTT for the kind. With `country`, only
 * the kind's exits in that country (when the pool has any; else the whole pool). Same draws either way. */
export function networkFor(kind: NetworkKind, rng: Random, country?: string): NetworkHalf {
  const k = KINDS[kind]
  const there = country === undefined ? [] : k.pool.filter((x) => x.country === country)
  const i = rng.weighted((there.length > 0 ? there : k.pool).map((x) => [x, x.weight] as const))
  return { asn: i.asn, country: i.country, timezone: rng.pick(i.tz), clientTcpRtt: Math.round(rng.lognormal(k.rtt, k.sigma)) }
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

export function testCf(kind: NetworkKind, transport: Transport, rng: Random, country?: string): TestCf {
  return { ...networkFor(kind, rng, country), ...transportFor(transport, rng), botManagement: null }
}
