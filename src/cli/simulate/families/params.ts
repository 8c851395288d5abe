// Per-run attack parameters: each run draws every automated family's pace, batch sizes, usernames
// per source, retries, tools and networks from wide ranges (seeded by the run's seed), so a model
// or rule tuned on one run's numbers meets other numbers on the next. Pure.
import type { NetworkKind } from '../network'
import { random, type Random } from '../random'
import type { Tool } from '../tools'
import type { World } from '../world'

type Weighted<T> = ReadonlyArray<readonly [T, number]>

export interface AttackParams {
  /** Tries (logins, checkouts, signups, adds, pages) per source. */
  readonly tries: number
  /** Median ms between tries, and the spread of its log. */
  readonly paceMs: number
  readonly sigma: number
  /** Share of tries that first GET the form or page. */
  readonly formFirst: number
  readonly tools: Weighted<Tool>
  readonly networks: Weighted<NetworkKind>
  /** Distributed stuffing: sessions (addresses), most tries per address, share retrying an earlier username. */
  readonly addresses: number
  readonly maxPerAddress: number
  readonly retryShare: number
  /** Usernames a one-source stuffer cycles through (with several passwords each when fewer than tries). */
  readonly usernames: number
}

/** Log-uniform in [lo, hi]: paces from 80 ms to seconds are all plausible. */
const logUniform = (r: Random, lo: number, hi: number): number => Math.exp(r.between(Math.log(lo), Math.log(hi)))

const SCRIPT_TOOLS: readonly Tool[] = ['python_requests', 'go_http', 'spoof_ua', 'openbullet', 'curl', 'axios', 'java', 'httpx', 'guzzle', 'curl_impersonate', 'tls_client']
const ATTACK_NETWORKS: readonly NetworkKind[] = ['hosting', 'vpn', 'residential_proxy', 'mobile_proxy']

/** A random weighting over `items`: some tools or networks dominate one run and vanish in the next. */
function mix<T>(r: Random, items: readonly T[], keep: number): Weighted<T> {
  return r.shuffle(items).slice(0, Math.max(1, keep)).map((t) => [t, r.between(0.2, 1)] as const)
}

const RANGES: Readonly<Record<string, { tries: [number, number]; pace: [number, number] }>> = {
  credential_stuffing: { tries: [25, 120], pace: [80, 3000] },
  distributed_stuffing: { tries: [1, 3], pace: [5000, 40_000] },
  carding: { tries: [12, 60], pace: [200, 6000] },
  signup_spam: { tries: [10, 60], pace: [150, 6000] },
  scraping: { tries: [60, 250], pace: [60, 2000] },
  cart_hoarding: { tries: [15, 60], pace: [300, 6000] },
  // Per address: one or two, minutes apart at most (password_spray, bulk_signup).
  password_spray: { tries: [1, 2], pace: [2000, 30_000] },
  bulk_signup: { tries: [1, 2], pace: [2000, 30_000] },
}

const cache = new WeakMap<World, Map<string, AttackParams>>()

/** This run's parameters for `family` (the same for every session of the family in the run). */
export function attackParams(world: World, family: keyof typeof RANGES): AttackParams {
  const byFamily = cache.get(world) ?? cache.set(world, new Map()).get(world)!
  const known = byFamily.get(family)
  if (known !== undefined) return known
  const r = random(world.seed, `params/${world.variant}/${family}`)
  const range = RANGES[family]!
  const p: AttackParams = {
    tries: r.int(range.tries[0], range.tries[1]),
    paceMs: logUniform(r, range.pace[0], range.pace[1]),
    sigma: r.between(0.1, 0.8),
    formFirst: r.chance(0.4) ? r.between(0.3, 1) : 0,
    tools: mix(r, SCRIPT_TOOLS, r.int(1, 5)),
    networks: mix(r, ATTACK_NETWORKS, r.int(1, 4)),
    addresses: r.int(150, 450),
    maxPerAddress: r.int(1, 3),
    retryShare: r.between(0, 0.3),
    usernames: r.int(10, 120),
  }
  byFamily.set(family, p)
  return p
}
