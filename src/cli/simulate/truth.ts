// Ground truth of one run: which sessions (and family, label) own each client address, and what
// each request got back as the client saw it (and which answers stopped an attempt before it was
// sent). Collects; computes nothing. An address belongs to one
// session, unless every session on it declared it shared (an office, a campus, carrier-grade NAT).
import { FAMILY_INFO, type Family } from './catalog'

export interface SessionTruth {
  readonly family: Family
  readonly session: string
  readonly label: 0 | 1
  readonly ip: string
  /** The shared site (office, campus, CGNAT address…) this address belongs to, if any. */
  readonly site: string | null
}

export interface RequestRecord {
  readonly session: string
  readonly family: Family
  readonly ip: string
  readonly method: string
  readonly path: string
  readonly startedAt: number
  /** From the request leaving the client to its answer's end (connect included). */
  readonly ms: number
  /** Time spent in the simulator's own queue first (its cap on requests in flight), not the server's. */
  readonly queuedMs?: number
  /** 0 when the request failed without an answer. */
  readonly status: number
  readonly mitigated: string | null
  readonly ref: string | null
  /** Why a request got no answer (status 0). */
  readonly error?: string
  /** Its answer stopped one of the session's attempts before the attempt was sent (`stoppedAttempt`). */
  readonly stopped_attempt?: true
}

/** A person who set out to sign in with their password: whether the correct one reached the account (the origin's 200). */
export interface SignInJourney {
  readonly session: string
  readonly javascript: boolean
  readonly reached: boolean
}

export interface Truth {
  addSession(family: Family, session: string, ip: string, site?: string | null): SessionTruth
  record(r: RequestRecord): void
  /**
   * The session's answer with this ref (a blocked, rate-limited or unsolved-challenged form load)
   * stopped one attempt before its credential was sent: the session says so, the join marks the
   * decision line, the report counts it as an attempt mitigated. Only what the client saw.
   */
  stoppedAttempt(session: string, ref: string): void
  sessions(): readonly SessionTruth[]
  requests(): readonly RequestRecord[]
  /** A person's sign-in journey, as it ended (not one the run's window cut short). */
  signInJourney(j: SignInJourney): void
  signInJourneys(): readonly SignInJourney[]
  /** Every session on each address (one, except at shared sites). */
  byIp(): ReadonlyMap<string, readonly SessionTruth[]>
  /** Running totals for the progress line. */
  readonly totals: { requests: number; mitigated: number; errors: number; sessionsDone: number }
  sessionDone(): void
}

export function createTruth(): Truth {
  const sessions: SessionTruth[] = []
  const ips = new Map<string, SessionTruth[]>()
  const requests: RequestRecord[] = []
  const totals = { requests: 0, mitigated: 0, errors: 0, sessionsDone: 0 }
  /** ref → the session whose attempt that answer stopped. */
  const stopped = new Map<string, string>()
  const journeys: SignInJourney[] = []
  return {
    addSession(family, session, ip, site = null) {
      const there = ips.get(ip) ?? []
      // Two sessions meet on an address only where both say it is the same shared site.
      if (there.length > 0 && (site === null || there.some((t) => t.site !== site))) throw new TypeError(`address ${ip} already belongs to ${there[0]!.session}`)
      const s: SessionTruth = { family, session, label: FAMILY_INFO[family].label, ip, site }
      sessions.push(s)
      ips.set(ip, [...there, s])
      return s
    },
    record(r) {
      requests.push(r)
      totals.requests++
      if (r.mitigated !== null) totals.mitigated++
      if (r.status === 0) totals.errors++
    },
    stoppedAttempt(session, ref) {
      stopped.set(ref, session)
    },
    signInJourney(j) {
      journeys.push(j)
    },
    signInJourneys: () => journeys,
    sessions: () => sessions,
    requests: () =>
      stopped.size === 0 ? requests : requests.map((r) => (r.ref !== null && stopped.get(r.ref) === r.session ? { ...r, stopped_attempt: true as const } : r)),
    byIp: () => ips,
    totals,
    sessionDone() {
      totals.sessionsDone++
    },
  }
}
