// The simulator's own networks: ASN pools for people, attackers and legitimate automation, written
// from public operator information, NOT from src/signals/data/hosting-asns.json. The detector's list
// and these pools overlap only in part (the big clouds and a few VPN hosts are in both; the
// bulletproof hosts, residential and mobile proxies, corporate proxies and relays are not), so
// "hosting ASN" is no longer the label by construction. test/unit/sim-pools.test.ts checks both
// that the simulator never imports the list and that the overlap stays partial. Data only.

export interface Isp { readonly asn: number; readonly country: string; readonly tz: readonly string[]; readonly weight: number }

const isp = (asn: number, country: string, tz: string | readonly string[], weight = 1): Isp => ({ asn, country, tz: typeof tz === 'string' ? [tz] : tz, weight })

/** Consumer broadband where people live (weights roughly by subscribers in a shop like the demo's). */
export const RESIDENTIAL: readonly Isp[] = [
  isp(7922, 'US', ['America/New_York', 'America/Chicago', 'America/Los_Angeles'], 10), isp(7018, 'US', ['America/Chicago', 'America/New_York'], 7),
  isp(701, 'US', 'America/New_York', 5), isp(20115, 'US', ['America/Chicago', 'America/Denver'], 5), isp(22773, 'US', ['America/Phoenix', 'America/Los_Angeles'], 3),
  isp(209, 'US', 'America/Denver', 2), isp(812, 'CA', 'America/Toronto', 2), isp(577, 'CA', ['America/Toronto', 'America/Montreal'], 2),
  isp(2856, 'GB', 'Europe/London', 4), isp(5089, 'GB', 'Europe/London', 3), isp(3320, 'DE', 'Europe/Berlin', 4), isp(3209, 'DE', 'Europe/Berlin', 2),
  isp(3215, 'FR', 'Europe/Paris', 3), isp(12322, 'FR', 'Europe/Paris', 2), isp(1136, 'NL', 'Europe/Amsterdam', 2), isp(3352, 'ES', 'Europe/Madrid', 2),
  isp(3269, 'IT', 'Europe/Rome', 2), isp(1221, 'AU', ['Australia/Sydney', 'Australia/Melbourne'], 2), isp(4713, 'JP', 'Asia/Tokyo'), isp(28573, 'BR', 'America/Sao_Paulo'), isp(55836, 'IN', 'Asia/Kolkata'),
]

/** Mobile carriers (their customers sit behind carrier-grade NAT). */
export const MOBILE: readonly Isp[] = [
  isp(21928, 'US', ['America/New_York', 'America/Los_Angeles'], 5), isp(22394, 'US', 'America/Chicago', 4), isp(20057, 'US', 'America/New_York', 3),
  isp(12576, 'GB', 'Europe/London', 2), isp(25135, 'GB', 'Europe/London', 1), isp(3320, 'DE', 'Europe/Berlin'), isp(24560, 'IN', 'Asia/Kolkata'), isp(51207, 'FR', 'Europe/Paris'),
]

/** University networks (campus NAT: many students behind a few addresses). */
export const CAMPUS: readonly Isp[] = [
  isp(3, 'US', 'America/New_York'), isp(32, 'US', 'America/Los_Angeles'), isp(25, 'US', 'America/Los_Angeles'), isp(11, 'US', 'America/New_York'),
  isp(786, 'GB', 'Europe/London', 2), isp(680, 'DE', 'Europe/Berlin', 2), isp(2200, 'FR', 'Europe/Paris'), isp(1103, 'NL', 'Europe/Amsterdam'), isp(2501, 'JP', 'Asia/Tokyo'),
]

/** Where office workers' traffic leaves: secure web gateways and zero-trust egress (hosting-like
 * networks that carry people), and the clouds behind virtual desktops. */
export const CORPORATE_PROXY: readonly Isp[] = [
  isp(53813, 'US', ['America/New_York', 'America/Chicago'], 4), isp(62044, 'CH', 'Europe/Zurich', 2), isp(55256, 'US', 'America/Los_Angeles', 2),
  isp(36692, 'US', 'America/Los_Angeles', 1), isp(13335, 'US', ['America/New_York', 'America/Chicago'], 2), isp(13335, 'GB', 'Europe/London', 1),
]
export const CLOUD_DESKTOP: readonly Isp[] = [
  isp(16509, 'US', ['America/New_York', 'America/Los_Angeles'], 3), isp(8075, 'US', ['America/Chicago', 'America/New_York'], 3), isp(8075, 'GB', 'Europe/London', 1),
  isp(16509, 'DE', 'Europe/Berlin', 1), isp(396982, 'US', 'America/Chicago', 1),
]

/** What people's privacy tools exit through: Private Relay (Akamai, Cloudflare, Fastly egress),
 * Mullvad, Proton and the big commercial VPNs. */
export const PRIVACY_EGRESS: readonly Isp[] = [
  isp(36183, 'US', ['America/New_York', 'America/Los_Angeles'], 3), isp(13335, 'US', 'America/Chicago', 2), isp(54113, 'US', 'America/New_York', 1),
  isp(39351, 'SE', 'Europe/Stockholm', 1), isp(209103, 'CH', 'Europe/Zurich', 1), isp(9009, 'NL', 'Europe/Amsterdam', 1), isp(136787, 'US', 'America/New_York', 1),
]

/**
 * Datacenters as attackers and integrations rent them: the big clouds (also on the detector's list)
 * and the cheap, small and bulletproof hosts that such lists miss.
 */
export const DATACENTER: readonly Isp[] = [
  isp(16509, 'US', 'America/New_York', 4), isp(14061, 'US', 'America/New_York', 3), isp(16276, 'FR', 'Europe/Paris', 2), isp(24940, 'DE', 'Europe/Berlin', 3),
  isp(20473, 'US', 'America/Chicago', 2), isp(51167, 'DE', 'Europe/Berlin', 2), isp(15169, 'US', 'America/Chicago', 1), isp(8075, 'US', 'America/Chicago', 1),
  // Not on the detector's list: smaller clouds and hosts, some of them bulletproof.
  isp(36007, 'US', 'America/New_York', 2), isp(8560, 'DE', 'Europe/Berlin', 2), isp(210644, 'NL', 'Europe/Amsterdam', 2), isp(44477, 'NL', 'Europe/Amsterdam', 2),
  isp(49505, 'RU', 'Europe/Moscow', 2), isp(63473, 'US', 'America/Los_Angeles', 1), isp(199524, 'LU', 'Europe/Luxembourg', 2), isp(136907, 'SG', 'Asia/Singapore', 1),
  isp(47583, 'LT', 'Europe/Vilnius', 2), isp(35916, 'US', 'America/Chicago', 1), isp(40676, 'US', 'America/Los_Angeles', 1), isp(9002, 'GB', 'Europe/London', 1),
]

/** Commercial VPN exits as a fraudster buys them. */
export const VPN_EXITS: readonly Isp[] = [
  isp(9009, 'NL', 'Europe/Amsterdam', 3), isp(60068, 'GB', 'Europe/London', 2), isp(147049, 'US', 'America/New_York', 2), isp(212238, 'DE', 'Europe/Berlin', 1),
  // Not on the detector's list.
  isp(11878, 'US', 'America/Los_Angeles', 1), isp(206092, 'SE', 'Europe/Stockholm', 1), isp(174, 'US', 'America/Chicago', 1), isp(20860, 'GB', 'Europe/London', 1),
]

/** Residential-proxy exits: hijacked or paid-for home connections, more of the world than the
 * shop's customers come from. */
export const PROXY_RESIDENTIAL: readonly Isp[] = [
  ...RESIDENTIAL,
  isp(12389, 'RU', 'Europe/Moscow', 3), isp(45899, 'VN', 'Asia/Ho_Chi_Minh', 3), isp(7552, 'VN', 'Asia/Ho_Chi_Minh', 2), isp(8151, 'MX', 'America/Mexico_City', 2),
  isp(9121, 'TR', 'Europe/Istanbul', 2), isp(9299, 'PH', 'Asia/Manila', 2), isp(4788, 'MY', 'Asia/Kuala_Lumpur', 1), isp(4761, 'ID', 'Asia/Jakarta', 2), isp(6830, 'PL', 'Europe/Warsaw', 2),
]

/** Mobile-proxy exits: SIM farms and phone apps reselling their bandwidth. */
export const PROXY_MOBILE: readonly Isp[] = [
  ...MOBILE,
  isp(132199, 'PH', 'Asia/Manila', 2), isp(10139, 'PH', 'Asia/Manila', 1), isp(16135, 'TR', 'Europe/Istanbul', 1), isp(45609, 'IN', 'Asia/Kolkata', 2), isp(8359, 'RU', 'Europe/Moscow', 2),
]
