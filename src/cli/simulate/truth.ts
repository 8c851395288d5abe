// Ground truth of one run: which session (and family, label) owns each client address, and what
// each request got back as the client saw it. Collects; computes nothing. One IP, one session.
import { FAMILY_INFO, type Family } from './catalog'

export interface SessionTruth {
  readonly family: Family
  readonly session: string
  readonly label: 0 | 1
  readonly ip: string
}

export interface RequestRecord {
  readonly session: string
  readonly family: Family
  readonly ip: string
  readonly method: string
  readonly path: string
  readonly startedAt: number
  readonly ms: number
  /** 0 when the request failed without an answer. */
  readonly status: number
  readonly mitigated: string | null
  readonly ref: string | null
  /** Why a request got no answer (status 0). */
  readonly error?: string
}

export interface Truth {
  addSession(family: Family, session: string, ip: string): SessionTruth
  record(r: RequestRecord): void
  sessions(): readonly SessionTruth[]
  requests(): readonly RequestRecord[]
  byIp(): ReadonlyMap<string, SessionTruth>
  /** Running totals for the progress line. */
  readonly totals: { requests: number; mitigated: number; errors: number; sessionsDone: number }
  sessionDone(): void
}

export function createTruth(): Truth {
  const sessions: SessionTruth[] = []
  const ips = new Map<string, SessionTruth>()
  const requests: RequestRecord[] = []
  const totals = { requests: 0, mitigated: 0, errors: 0, sessionsDone: 0 }
  return {
    addSession(family, session, ip) {
      if (ips.has(ip)) throw new TypeError(`address ${ip} already belongs to ${ips.get(ip)?.session}`)
      const s: SessionTruth = { family, session, label: FAMILY_INFO[family].label, ip }
      sessions.push(s)
      ips.set(ip, s)
      return s
    },
    record(r) {
      requests.push(r)
      totals.requests++
      if (r.mitigated !== null) totals.mitigated++
      if (r.status === 0) totals.errors++
    },
    sessions: () => sessions,
    requests: () => requests,
    byIp: () => ips,
    totals,
    sessionDone() {
      totals.sessionsDone++
    },
  }
}
