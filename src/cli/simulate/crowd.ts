// Where people sit: takes how many sessions a people family has and the run's window, returns one
// seat per session — its address, the shared site it belongs to (office, campus, carrier-grade
// NAT, corporate gateway, privacy exit) or none (a household), and for offices a start time
// clustered with its colleagues'. Seeded; pure apart from the address pool it draws from.
import type { IpPool } from './ips'
import { networkFor, type NetworkHalf, type NetworkKind } from './network'
import type { Random } from './random'

export const SITE_KINDS = ['household', 'office', 'campus', 'cgnat', 'corporate', 'privacy'] as const
export type SiteKind = (typeof SITE_KINDS)[number]

/** A shared address (or a campus's few): everyone on it has the same network. */
export interface Site {
  readonly id: string
  readonly kind: Exclude<SiteKind, 'household'>
  readonly network: NetworkKind
  readonly half: NetworkHalf
}

export interface Seat {
  readonly ip: string
  readonly site: Site | null
  /** ms after the run start; null = the family decides (uniform over the window). */
  readonly startMs: number | null
}

/** Share of sessions per kind and how many people share one site (uniform in [lo, hi]). */
export interface CrowdMix {
  readonly shares: Readonly<Record<SiteKind, number>>
  readonly size: Readonly<Record<Exclude<SiteKind, 'household'>, readonly [number, number]>>
  /** Offices: everyone arrives within this many ms of the first. */
  readonly officeSpreadMs: number
}

/** People over HTTP in a full run: about half at home, the rest behind shared addresses. */
export const PEOPLE_MIX: CrowdMix = {
  shares: { household: 0.5, office: 0.14, campus: 0.08, cgnat: 0.18, corporate: 0.05, privacy: 0.05 },
  size: { office: [5, 30], campus: [20, 60], cgnat: [20, 60], corporate: [3, 15], privacy: [1, 4] },
  officeSpreadMs: 180_000,
}

const NETWORK_OF: Readonly<Record<Exclude<SiteKind, 'household'>, (rng: Random) => NetworkKind>> = {
  // An office's line is a business broadband line or, in bigger firms, a secure web gateway.
  office: (rng) => (rng.chance(0.75) ? 'residential' : 'corporate'),
  campus: () => 'campus',
  cgnat: () => 'mobile',
  corporate: (rng) => (rng.chance(0.6) ? 'corporate' : 'cloud_desktop'),
  privacy: () => 'privacy',
}

/**
 * Seats for `n` sessions. Sites are filled one after another until their kind's share is used up;
 * the order of seats is shuffled so session indices do not line up with sites.
 */
export function planCrowd(n: number, windowMs: number, rng: Random, ips: IpPool, mix: CrowdMix = PEOPLE_MIX): Seat[] {
  const seats: Seat[] = []
  let siteNo = 0
  for (const kind of SITE_KINDS) {
    if (kind === 'household') continue
    let left = Math.round(n * mix.shares[kind])
    while (left > 0 && seats.length < n) {
      const [lo, hi] = mix.size[kind]
      const people = Math.min(left, n - seats.length, rng.int(lo, hi))
      const network = NETWORK_OF[kind](rng)
      const site: Site = { id: `${kind}-${siteNo++}`, kind, network, half: networkFor(network, rng) }
      // A campus NATs onto a few addresses of one /24; everyone else shares one address.
      const addresses = kind === 'campus' ? ips.block(rng.int(2, 4)) : [ips.spread()]
      const opens = rng.between(0, Math.max(1, windowMs - mix.officeSpreadMs))
      for (let i = 0; i < people; i++) {
        const startMs = kind === 'office' ? opens + rng.between(0, Math.min(mix.officeSpreadMs, windowMs)) : null
        seats.push({ ip: rng.pick(addresses), site, startMs })
      }
      left -= people
    }
  }
  while (seats.length < n) seats.push({ ip: ips.spread(), site: null, startMs: null })
  return rng.shuffle(seats)
}
