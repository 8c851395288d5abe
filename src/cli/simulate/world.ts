// What every family runner gets: the target, ground truth, address pool, seeded randomness, the
// variant (base or shifted beyond training), time bounds and, when enabled, Chromium. Types + helpers.
import { createActor, type Actor, type Identity } from './actor'
import type { Family } from './catalog'
import type { Chromium } from './chromium'
import type { Site } from './crowd'
import type { RunHistory } from './history'
import { testCf, transportFor, type NetworkKind, type TestCf, type Transport } from './network'
import { random, type Random } from './random'
import type { Truth } from './truth'

/** base: what training sees. shifted: held-out variations (timings, header sets, ASNs, more addresses). */
export const VARIANTS = ['base', 'shifted'] as const
export type Variant = (typeof VARIANTS)[number]

export interface World {
  readonly target: URL
  readonly truth: Truth
  readonly seed: number
  readonly variant: Variant
  readonly scale: number
  readonly smoke: boolean
  /** Session starts are spread over [0, windowMs) after the run starts. */
  readonly windowMs: number
  readonly startedAt: number
  /** No new request after this (epoch ms): the run is bounded in time. */
  readonly deadline: number
  readonly chromium: Chromium | null
  /** Multiplies every think time (smoke runs are faster). */
  readonly pace: number
  /** Set when the run must end now (the server under test died). */
  readonly abort: { stopped: boolean }
  /** The operator's own app, registered in the config (docs/apps.md): its id and private key. Absent: none. */
  readonly app?: { readonly id: string; readonly privateKey: CryptoKey } | null
  /** The owners' past (history.ts): people import a known place before signing in. Absent: no history. */
  readonly history?: RunHistory | null
}

export interface SessionContext {
  readonly world: World
  readonly family: Family
  readonly index: number
  readonly session: string
  /** This session's own source address (allocated when the run is planned, so runs repeat). */
  readonly ip: string
  /** The shared site (office, campus, carrier NAT…) this session's address belongs to, or null (its own). */
  readonly site: Site | null
  readonly rng: Random
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)))

/** Think time, scaled by the world's pace and cut short at the deadline. */
export function pause(s: SessionContext, ms: number): Promise<void> {
  const left = s.world.deadline - Date.now()
  return sleep(Math.min(ms * s.world.pace, Math.max(0, left)))
}

export const over = (s: SessionContext): boolean => s.world.abort.stopped || Date.now() >= s.world.deadline

export interface ActorSpec {
  readonly cf: TestCf
  readonly identity: Identity
}

/** A client for this session at its own address, registered in the ground truth. */
export function actorFor(s: SessionContext, spec: ActorSpec): Actor {
  s.world.truth.addSession(s.family, s.session, s.ip, s.site?.id ?? null)
  return createActor({ target: s.world.target, family: s.family, session: s.session, ip: s.ip, identity: spec.identity, cf: spec.cf, truth: s.world.truth })
}

/** The test-cf for a network kind and transport, drawn from the session's stream. At a shared site
 * the network is the site's (one ASN and country for everyone on it), whatever `network` says.
 * `country`: an exit in that country where the kind has one (a fraudster's proxy near the victim). */
export function cfFor(s: SessionContext, network: NetworkKind, transport: Transport, country?: string): TestCf {
  if (s.site === null) return testCf(network, transport, s.rng, country)
  const rtt = Math.max(1, Math.round(s.site.half.clientTcpRtt * s.rng.lognormal(1, 0.2)))
  return { ...s.site.half, clientTcpRtt: rtt, ...transportFor(transport, s.rng), botManagement: null }
}

/** The network kind a session is really on: its site's, or the one it would choose alone. */
export const networkOf = (s: SessionContext, alone: NetworkKind): NetworkKind => s.site?.network ?? alone

/** Demo accounts: user N is userNNNN@example.com with password pass-NNNN. */
/**
 * Account N's username and password: the demo's built-in users for 1–1000 (DESIGN.md: user0001 …
 * user1000), and past them the demo's people accounts (person01001@people.example …, worker/demo/users.ts).
 */
export const demoUser = (n: number): string => (n <= DEMO_ACCOUNTS ? `user${String(n).padStart(4, '0')}@example.com` : `person${String(n).padStart(5, '0')}@people.example`)
export const demoPassword = (n: number): string => (n <= DEMO_ACCOUNTS ? `pass-${String(n).padStart(4, '0')}` : `pass-p${String(n).padStart(5, '0')}`)

/** The demo's built-in accounts (DESIGN.md: user0001 … user1000): the ones attack lists hold. */
export const DEMO_ACCOUNTS = 1000

/**
 * The account of person `index` of a people family: one person, one account. The first 1,000 (by
 * `index + offset`) get the built-in accounts in a per-run shuffle — the accounts attack lists hold,
 * so people still sign in to accounts under attack — and every person past them an account of
 * their own (1001 on: the demo's people accounts). Sharing the 1,000 gave each account five owners
 * on five addresses in a full run, a takeover's pattern: `username_from_many_ips` fired between
 * them, and addresses of many people never read as shared (a person is an account signed in from at
 * most two addresses in an hour). `offset` keeps families apart.
 */
export function personAccount(s: Pick<SessionContext, 'world' | 'index'>, offset = 0): number {
  const k = s.index + offset
  return k < DEMO_ACCOUNTS ? accountOrder(s.world.seed)[k]! : k + 1
}

const ORDERS = new Map<number, readonly number[]>()
function accountOrder(seed: number): readonly number[] {
  let order = ORDERS.get(seed)
  if (order === undefined) {
    order = random(seed, 'accounts').shuffle(Array.from({ length: DEMO_ACCOUNTS }, (_, i) => i + 1))
    ORDERS.set(seed, order)
  }
  return order
}
