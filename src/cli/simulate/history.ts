// Account owners' past: every demo account's owner has signed in before, 1–3 times in the last
// 2–29 days, from their home network (an ASN and country drawn as people's networks are drawn),
// fixed per account for a run. The simulator imports that past through the Worker's admin API
// (POST /__edgeward/admin/history) before the families start, as an operator imports its login
// log. A person's session signs in from a place its account knows with probability `returning`
// (drawn once per run from [0.80, 0.97]); then one more past sign-in from the session's own ASN and
// country is imported before its first sign-in POST. Otherwise (travel, a new ISP, a friend's
// Wi-Fi) nothing is. Attackers never import anything. Seeded; the HTTP side batches (≤ 500 a call).
import type { NetworkKind, TestCf } from './network'
import { networkFor } from './network'
import { random, type Random } from './random'
import { DEMO_ACCOUNTS, demoUser, type SessionContext } from './world'

export interface HistoryEntry {
  readonly username: string
  /** Epoch ms of the past sign-in. */
  readonly at: number
  readonly asn: number
  readonly country: string
}

/** The owner's home place: where their past sign-ins came from. */
export interface Home {
  readonly network: NetworkKind
  readonly asn: number
  readonly country: string
}

const DAY_MS = 86_400_000
/** Past sign-ins are this many days old: inside the Worker's 30-day memory, never in the future. */
export const PAST_DAYS: readonly [number, number] = [2, 29]
/** The range `returning` is drawn from: most sign-ins come from a place the account has used. */
export const RETURNING_RANGE: readonly [number, number] = [0.8, 0.97]
/** The Worker's limit per import call. */
export const MAX_PER_CALL = 500

/** How people's own networks are drawn when they are alone (humanBrowser's base mix). */
const HOME_NETWORKS: ReadonlyArray<readonly [NetworkKind, number]> = [['residential', 80], ['mobile', 20]]

const homes = new Map<number, readonly Home[]>()

/** Every demo account's home (index n − 1 for account n), fixed per run seed. Pure. */
export function ownerHomes(seed: number): readonly Home[] {
  let out = homes.get(seed)
  if (out === undefined) {
    const rng = random(seed, 'owners')
    out = Array.from({ length: DEMO_ACCOUNTS }, (_, i) => {
      const r = rng.fork(`home/${i + 1}`)
      const network = r.weighted(HOME_NETWORKS)
      const { asn, country } = networkFor(network, r)
      return { network, asn, country }
    })
    homes.set(seed, out)
  }
  return out
}

/** Account n's owner's home. */
export const homeOf = (seed: number, account: number): Home => ownerHomes(seed)[account - 1]!

/** A time in the past window, relative to `now`. */
const pastAt = (rng: Random, now: number): number => Math.round(now - rng.between(PAST_DAYS[0], PAST_DAYS[1]) * DAY_MS)

/** Every owner's past sign-ins (1–3 each, from home), relative to `now`. Pure. */
export function ownersPast(seed: number, now: number): HistoryEntry[] {
  const rng = random(seed, 'owners/past')
  const out: HistoryEntry[] = []
  ownerHomes(seed).forEach((home, i) => {
    const r = rng.fork(String(i + 1))
    for (let k = r.int(1, 3); k > 0; k--) out.push({ username: demoUser(i + 1), at: pastAt(r, now), asn: home.asn, country: home.country })
  })
  return out
}

/** This run's share of people's sign-ins from a place their account has used before. Pure. */
export function returningShare(seed: number): number {
  return random(seed, 'owners/returning').between(RETURNING_RANGE[0], RETURNING_RANGE[1])
}

/** Whether a person's session signs in from a known place, and the entry to import when it does.
 * Drawn from its own fork of the session's stream, so the session's other draws stay as they were. */
export function sessionPlace(rng: Random, returning: number, account: number, cf: Pick<TestCf, 'asn' | 'country'>, now: number): HistoryEntry | null {
  const r = rng.fork('history')
  if (!r.chance(returning)) return null
  return { username: demoUser(account), at: pastAt(r, now), asn: cf.asn, country: cf.country }
}

export interface ImportTotals {
  readonly calls: number
  readonly entries: number
  readonly imported: number
  readonly skipped: number
}

/** A 503 (some accounts not written) is sent again this many times: the Worker says a batch sent twice is safe. */
const RETRIES_503 = 2

/** Calls in flight at once (the Worker writes each account on its own, so calls run side by side). */
const PARALLEL_CALLS = 4

/** POSTs entries to the admin API in calls of ≤ 500, a few at once; any answer but 200 throws with its status and body. */
export async function postHistory(base: URL, token: string, entries: readonly HistoryEntry[]): Promise<ImportTotals> {
  let calls = 0
  let imported = 0
  let skipped = 0
  const starts = Array.from({ length: Math.ceil(entries.length / MAX_PER_CALL) }, (_, k) => k * MAX_PER_CALL)
  const one = async (i: number): Promise<void> => {
    const body = JSON.stringify({ entries: entries.slice(i, i + MAX_PER_CALL) })
    let r: Response
    for (let attempt = 0; ; attempt++) {
      r = await fetch(new URL('/__edgeward/admin/history', base), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
      calls++
      if (r.status !== 503 || attempt >= RETRIES_503) break
      await r.arrayBuffer()
      await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)))
    }
    if (r.status !== 200) throw new Error(`POST /__edgeward/admin/history → ${r.status}: ${(await r.text()).slice(0, 300)}`)
    const answer = (await r.json()) as { imported?: unknown; skipped?: unknown }
    imported += typeof answer.imported === 'number' ? answer.imported : 0
    skipped += typeof answer.skipped === 'number' ? answer.skipped : 0
  }
  const lanes = Array.from({ length: Math.min(PARALLEL_CALLS, starts.length) }, async () => {
    for (let i = starts.shift(); i !== undefined; i = starts.shift()) await one(i)
  })
  await Promise.all(lanes)
  return { calls, entries: entries.length, imported, skipped }
}

/** What the families see of the run's history: the `returning` share, and an import for a session. */
export interface RunHistory {
  readonly returning: number
  /** Imports one session's known place (batched with others'); resolves once the Worker has it. */
  remember(entry: HistoryEntry): Promise<void>
}

export interface SessionImporter extends RunHistory {
  /** Sends what is waiting now (the end of a run). */
  flush(): Promise<void>
  totals(): ImportTotals & { readonly sessions: number }
  /** The first failed import, or null. */
  error(): Error | null
}

/**
 * Batches the sessions' imports: what arrives within `delayMs` goes in one call (at most 500), so
 * thousands of people cost a few calls a second at most. A failed call rejects its sessions' promises,
 * is kept as the run's error and calls `onError` (the run ends).
 */
export function sessionImporter(base: URL, token: string, returning: number, onError: (e: Error) => void, delayMs = 200,
  post: typeof postHistory = postHistory): SessionImporter {
  let waiting: Array<{ entry: HistoryEntry; done: (e?: Error) => void }> = []
  let timer: ReturnType<typeof setTimeout> | null = null
  let chain: Promise<void> = Promise.resolve()
  let failed: Error | null = null
  let calls = 0
  let entries = 0
  let imported = 0
  let skipped = 0
  let sessions = 0
  const send = (): Promise<void> => {
    if (timer !== null) (clearTimeout(timer), (timer = null))
    const batch = waiting.splice(0, MAX_PER_CALL)
    if (batch.length === 0) return chain
    chain = chain.then(async () => {
      if (failed !== null) return batch.forEach((b) => b.done(failed!))
      try {
        const t = await post(base, token, batch.map((b) => b.entry))
        calls += t.calls
        entries += t.entries
        imported += t.imported
        skipped += t.skipped
        batch.forEach((b) => b.done())
      } catch (e) {
        failed = e instanceof Error ? e : new Error(String(e))
        batch.forEach((b) => b.done(failed!))
        onError(failed)
      }
    })
    if (waiting.length > 0) return send()
    return chain
  }
  return {
    returning,
    remember(entry) {
      sessions++
      const p = new Promise<void>((resolve, reject) => waiting.push({ entry, done: (e) => (e === undefined ? resolve() : reject(e)) }))
      // A session may await it later: a failure before then is the run's error, not an unhandled one.
      p.catch(() => undefined)
      if (waiting.length >= MAX_PER_CALL) void send()
      else if (timer === null) timer = setTimeout(() => void send(), delayMs)
      return p
    },
    flush: send,
    totals: () => ({ calls, entries, imported, skipped, sessions }),
    error: () => failed,
  }
}

/**
 * A person's session about to sign in to `account` from `cf`: with probability `returning` its place
 * is one the owner has used, so it goes into the account's past first. Start it when the place is
 * known and await it before the first sign-in POST. No history in the run (a dry plan): nothing.
 */
export function signInPlace(s: Pick<SessionContext, 'world' | 'rng'>, account: number, cf: Pick<TestCf, 'asn' | 'country'>): Promise<void> {
  const h = s.world.history
  if (h === undefined || h === null) return Promise.resolve()
  const entry = sessionPlace(s.rng, h.returning, account, cf, Date.now())
  return entry === null ? Promise.resolve() : h.remember(entry)
}
