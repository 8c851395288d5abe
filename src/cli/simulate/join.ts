// Ground truth × decision log: takes the log lines, the sessions on each client address and what
// each session sent, returns labelled rows (the line + label, family, session) for protected paths.
// Pure. On an address of its own a line belongs to that session; on a shared address (an office,
// a campus, carrier-grade NAT) to the session whose request it is: by `ref` when edgeward answered
// with one (every mitigation does), else the request with that method and path sent closest to the
// line's time. Lines from addresses the run does not own (other tools, earlier runs) are counted.
// A line whose answer stopped one of its session's attempts before it was sent (the session said so
// by ref: truth.ts `stoppedAttempt`) is marked `stopped_attempt`, so the rows alone count it.
import type { Family } from './catalog'
import { isProtected, type LogLine } from './logLines'

export interface Owner {
  readonly family: Family
  readonly session: string
  readonly label: 0 | 1
}

/** What the join needs of one request the simulator sent (truth.ts's RequestRecord fits). */
export interface SentRequest {
  readonly session: string
  readonly ip: string
  readonly method: string
  readonly path: string
  readonly startedAt: number
  readonly ms: number
  readonly ref: string | null
  /** Its answer stopped one of the session's attempts before the attempt was sent. */
  readonly stopped_attempt?: true
}

export type LabelledRow = LogLine & {
  readonly label: 0 | 1
  readonly family: Family
  readonly session: string
  /** This line's answer stopped an attempt before it was sent (a browser family's blocked form load): report.ts counts it as a mitigated attempt. */
  readonly stopped_attempt?: true
}

export interface JoinResult {
  readonly rows: LabelledRow[]
  /** Protected lines whose address no session of this run owns. */
  readonly unowned: number
  /** Reserved-path lines (SDK collect, challenge pages) of this run's sessions, left out. */
  readonly reserved: number
  /** Lines on shared addresses matched by ref, by method + path + time, or only by time (nearest request of any kind). */
  readonly shared: { readonly by_ref: number; readonly by_request: number; readonly by_time: number }
}

type Owners = ReadonlyMap<string, Owner | readonly Owner[]>

/** Requests on shared addresses, indexed for matching; each request matches at most one line. */
function sharedIndex(requests: readonly SentRequest[], sharedIps: ReadonlySet<string>) {
  const byRef = new Map<string, SentRequest>()
  const byKey = new Map<string, SentRequest[]>()
  const byIp = new Map<string, SentRequest[]>()
  for (const r of requests) {
    if (!sharedIps.has(r.ip)) continue
    if (r.ref !== null) byRef.set(r.ref, r)
    const key = `${r.ip} ${r.method} ${r.path}`
    ;(byKey.get(key) ?? byKey.set(key, []).get(key)!).push(r)
    ;(byIp.get(r.ip) ?? byIp.set(r.ip, []).get(r.ip)!).push(r)
  }
  const used = new Set<SentRequest>()
  const nearest = (list: readonly SentRequest[] | undefined, t: number, slackMs: number): SentRequest | null => {
    let best: SentRequest | null = null
    let bestD = Infinity
    for (const r of list ?? []) {
      if (used.has(r) || t < r.startedAt - slackMs || t > r.startedAt + r.ms + slackMs) continue
      const d = Math.abs(t - r.startedAt)
      if (d < bestD) [best, bestD] = [r, d]
    }
    return best
  }
  return {
    match(line: LogLine): { session: string; how: 'by_ref' | 'by_request' | 'by_time' } | null {
      const t = Date.parse(line.ts)
      const viaRef = byRef.get(line.ref)
      const hit = viaRef !== undefined && !used.has(viaRef) ? viaRef : nearest(byKey.get(`${line.ip} ${line.method} ${line.path}`), t, 2000)
      if (hit !== null) {
        used.add(hit)
        return { session: hit.session, how: hit === viaRef ? 'by_ref' : 'by_request' }
      }
      const any = nearest(byIp.get(line.ip), t, 60_000)
      return any === null ? null : { session: any.session, how: 'by_time' }
    },
  }
}

export function joinTruth(lines: readonly LogLine[], owners: Owners, since = 0, requests: readonly SentRequest[] = []): JoinResult {
  const rows: LabelledRow[] = []
  let unowned = 0
  let reserved = 0
  const shared = { by_ref: 0, by_request: 0, by_time: 0 }
  const list = (ip: string): readonly Owner[] => {
    const o = owners.get(ip)
    return o === undefined ? [] : Array.isArray(o) ? (o as readonly Owner[]) : [o as Owner]
  }
  const sharedIps = new Set([...owners.keys()].filter((ip) => list(ip).length > 1))
  const index = sharedIndex(requests, sharedIps)
  // ref → session, for the answers that stopped an attempt before it was sent.
  const stopped = new Map(requests.flatMap((r) => (r.stopped_attempt === true && r.ref !== null ? [[r.ref, r.session] as const] : [])))
  for (const line of lines) {
    if (since > 0 && Date.parse(line.ts) < since) continue
    const here = list(line.ip)
    if (here.length === 0) {
      if (isProtected(line)) unowned++
      continue
    }
    if (!isProtected(line)) {
      reserved++
      continue
    }
    let owner = here[0]!
    if (here.length > 1) {
      const m = index.match(line)
      if (m !== null) {
        shared[m.how]++
        owner = here.find((o) => o.session === m.session) ?? owner
      }
    }
    const stop = stopped.get(line.ref) === owner.session ? { stopped_attempt: true as const } : {}
    rows.push({ ...line, label: owner.label, family: owner.family, session: owner.session, ...stop })
  }
  return { rows, unowned, reserved, shared }
}

export const toNdjson = (rows: readonly object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '')
