// robots.txt at the edge: the file itself is always let through (never challenged, never blocked),
// the origin's copy — fetched by edgeward itself, never a client's answer — is kept per isolate for
// `crawlers.robots_ttl_s`, and which crawler (address and product token) fetched it is remembered, so
// a later request for a path it disallows is a signal.
// All per isolate: another isolate may not know of a fetch, so the signal can miss, never invent.
import { ALLOW_ALL, MAX_ROBOTS_BYTES, parseRobots, type RobotsRules } from '../../src/signals/crawlers/robots'
import { withDeadline } from '../deadline'

export const ROBOTS_PATH = '/robots.txt'
/** How long "this crawler read robots.txt" is remembered; a crawler re-reads it about daily. */
const FETCHED_MS = 24 * 3600_000
const MAX_FETCHERS = 10_000
const MAX_SITES = 64
/** A robots.txt the origin could not give (error, timeout, too big) is retried after at most this. */
const FAILURE_MS = 60_000
const FETCH_BUDGET_MS = 300

const fetchers = new Map<string, number>()
const sites = new Map<string, { readonly until: number; readonly rules: RobotsRules }>()

export function resetRobotsForTests(): void {
  fetchers.clear()
  sites.clear()
}

/** Tests: every site's copy is due for a refetch (the TTL passed), its rules still held. */
export function expireRobotsForTests(): void {
  for (const [origin, held] of sites) sites.set(origin, { ...held, until: 0 })
}

const fetcherKey = (ip: string, token: string): string => `${ip}\n${token.toLowerCase()}`

/** A declared crawler (its address and token) fetched robots.txt. The oldest are dropped past MAX_FETCHERS. */
export function noteRobotsFetch(ip: string, token: string, now: number): void {
  const key = fetcherKey(ip, token)
  fetchers.delete(key)
  fetchers.set(key, now)
  if (fetchers.size > MAX_FETCHERS) fetchers.delete(fetchers.keys().next().value as string)
}

export function fetchedRobots(ip: string, token: string, now: number): boolean {
  const at = fetchers.get(fetcherKey(ip, token))
  return at !== undefined && now - at < FETCHED_MS
}

/**
 * Keeps the origin's answer to edgeward's own robots.txt fetch as the site's rules. An answer that
 * could not be read (a 5xx, a body cut short) does not replace rules already held; with none held, it
 * allows everything for FAILURE_MS.
 */
async function keepRobots(origin: string, response: Response, ttlS: number, now: number): Promise<void> {
  const rules = await rulesOf(origin, response)
  const held = sites.get(origin)
  if (rules === null && held !== undefined && held.rules !== ALLOW_ALL) return
  sites.set(origin, rules === null ? { until: now + FAILURE_MS, rules: ALLOW_ALL } : { until: now + ttlS * 1000, rules })
  if (sites.size > MAX_SITES) sites.delete(sites.keys().next().value as string)
}

/**
 * The site's robots.txt rules: the isolate's copy, else fetched through `load` within 300 ms. A
 * missing file (404), an error or a timeout allow everything (fail open), and say so in `missing`.
 */
export async function robotsRules(origin: string, load: () => Promise<Response>, ttlS: number, now: number, missing: string[]): Promise<RobotsRules> {
  const cached = sites.get(origin)
  if (cached !== undefined && now < cached.until) return cached.rules
  const got = await withDeadline(load(), FETCH_BUDGET_MS)
  if (!got.ok) {
    missing.push(`robots:${got.reason}`)
    // Rules already held stay (retried after FAILURE_MS); with none, everything is allowed meanwhile.
    const rules = cached !== undefined ? cached.rules : ALLOW_ALL
    sites.set(origin, { until: now + FAILURE_MS, rules })
    return rules
  }
  await keepRobots(origin, got.value, ttlS, now)
  return sites.get(origin)?.rules ?? ALLOW_ALL
}

/**
 * 2xx text within MAX_ROBOTS_BYTES is parsed; a 4xx (no robots.txt) or an oversized file allows
 * everything (RFC 9309); a 5xx or an unreadable body is null: not known.
 */
async function rulesOf(origin: string, response: Response): Promise<RobotsRules | null> {
  if (response.status >= 400 && response.status < 500) return ALLOW_ALL
  if (!response.ok) return null
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > MAX_ROBOTS_BYTES) return ALLOW_ALL
  try {
    const text = await response.text()
    return text.length > MAX_ROBOTS_BYTES ? ALLOW_ALL : parseRobots(origin, text)
  } catch {
    return null
  }
}
