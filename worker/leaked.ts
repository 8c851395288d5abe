// The leaked-credential check on the request path: takes a credential attempt's range probes (the
// SHA-1 prefix and suffix of its password, and of its `lower(username):password` pair), asks the
// configured Pwned-Passwords-compatible range APIs for the 5-hex prefixes only — memo, then the
// Cache API, then the network, all within `leaked.deadline_ms` — and returns whether each suffix is
// listed. Fails open: a late, failed or garbled range is null here and named in `missing`
// (`leaked_password_timeout`, `leaked_pair_error`, …). Never logs, and keys every cache by the range
// URL, which carries the 5-hex prefix and nothing else of the password (docs/leaked.md).
import type { CompiledConfig } from '../src/config/compileConfig'
import { RangeMemo } from '../src/leaked/memo'
import { isRangePrefix, listedIn, parseRangeBody, type LeakedFacts, type RangeProbe } from '../src/leaked/range'
import { withDeadline } from './deadline'

export interface LeakedProbes {
  readonly password: RangeProbe
  /** Null: no single username to pair the password with. */
  readonly pair: RangeProbe | null
}

/** Ranges answered in this isolate: at most MEMO_ENTRIES (a Pwned Passwords range is ~40 KB with padding), for MEMO_TTL_MS. */
export const MEMO_ENTRIES = 256
export const MEMO_TTL_MS = 10 * 60_000
/** How long the Cache API (and Cloudflare's own cache of the subrequest) keeps a range. */
export const CACHE_TTL_S = 86_400
/** A range body past this is not a range (Pwned Passwords' are ~40 KB): `bad_body`, unread. */
export const MAX_RANGE_BYTES = 1_048_576

/** Parsed ranges (suffix → count, padding dropped) by range URL. */
const memo = new RangeMemo<ReadonlyMap<string, number>>(MEMO_ENTRIES, MEMO_TTL_MS)

export function resetLeakedMemoForTests(): void {
  memo.clear()
}

export interface LeakedEndpoints {
  readonly rangeUrl: string | null
  readonly pairRangeUrl: string | null
  /** `leaked.deadline_ms`; for npm start's local range server at least DEV_DEADLINE_MS. */
  readonly deadlineMs: number
}

/**
 * The local range server is a hop out of wrangler dev's workerd into Node on a developer's machine,
 * not a colo's cache: on a busy 2-core machine the first sign-in's ranges missed 50 ms. The demo
 * waits this long for it rather than show every first try missing.
 */
export const DEV_DEADLINE_MS = 500

/**
 * The range APIs in force: the config's; while it names none, and only under `npm start`
 * (EDGEWARD_TRUST_TEST_HEADERS), the local range server the dev script started.
 */
export function leakedEndpoints(config: CompiledConfig, env: Env): LeakedEndpoints {
  const c = config.source.leaked
  if (c.range_url !== null || c.pair_range_url !== null || env.EDGEWARD_TRUST_TEST_HEADERS !== 'true') {
    return { rangeUrl: c.range_url, pairRangeUrl: c.pair_range_url, deadlineMs: c.deadline_ms }
  }
  return {
    rangeUrl: devUrl(env.EDGEWARD_DEV_LEAKED_RANGE_URL),
    pairRangeUrl: devUrl(env.EDGEWARD_DEV_LEAKED_PAIR_RANGE_URL),
    deadlineMs: Math.max(c.deadline_ms, DEV_DEADLINE_MS),
  }
}

const devUrl = (v: string | undefined): string | null => (v !== undefined && /^http:\/\/127\.\d+\.\d+\.\d+:\d+(\/[^?#]*)?$/.test(v) ? v : null)

export const leakedCheckOn = (e: LeakedEndpoints): boolean => e.rangeUrl !== null || e.pairRangeUrl !== null

type Lookup = { ok: true; range: ReadonlyMap<string, number> } | { ok: false; reason: 'timeout' | 'error' | 'bad_body' }

export async function checkLeaked(
  probes: LeakedProbes,
  endpoints: LeakedEndpoints,
  config: CompiledConfig,
  missing: string[],
  defer: (p: Promise<unknown>) => void,
  now: number,
): Promise<LeakedFacts> {
  const { deadlineMs } = endpoints
  const minCount = config.source.leaked.min_count
  const ask = async (base: string | null, probe: RangeProbe | null): Promise<Lookup | null> => {
    if (base === null || probe === null) return null
    const answer = await withDeadline(lookup(base, probe.prefix, defer, now), deadlineMs)
    return answer.ok ? answer.value : { ok: false, reason: answer.reason }
  }
  const [password, pair] = await Promise.all([ask(endpoints.rangeUrl, probes.password), ask(endpoints.pairRangeUrl, probes.pair)])
  const listed = (l: Lookup | null, probe: RangeProbe | null, kind: 'password' | 'pair'): boolean | null => {
    if (l === null || probe === null) return null
    if (!l.ok) {
      missing.push(`leaked_${kind}_${l.reason}`)
      return null
    }
    return listedIn(l.range, probe, minCount)
  }
  const pairListed = listed(pair, probes.pair, 'pair')
  const passwordListed = listed(password, probes.password, 'password')
  return { password: pairListed === true ? true : passwordListed, pair: pairListed }
}

async function lookup(base: string, prefix: string, defer: (p: Promise<unknown>) => void, now: number): Promise<Lookup> {
  if (!isRangePrefix(prefix)) throw new TypeError('a range prefix is 5 upper-case hex digits')
  const url = `${base.replace(/\/+$/, '')}/range/${prefix}`
  const memoised = memo.get(url, now)
  if (memoised !== undefined) return { ok: true, range: memoised }
  let body = await cacheMatch(url)
  const fromCache = body !== null
  if (body === null) {
    let response: Response
    try {
      // Add-Padding: the answer's size says nothing of the prefix (padding lines have count 0).
      response = await fetch(url, { headers: { 'add-padding': 'true', accept: 'text/plain' }, cf: { cacheTtl: CACHE_TTL_S, cacheEverything: true } })
    } catch {
      return { ok: false, reason: 'error' }
    }
    if (response.status !== 200) {
      await response.body?.cancel()
      return { ok: false, reason: 'error' }
    }
    if (Number(response.headers.get('content-length') ?? 0) > MAX_RANGE_BYTES) {
      await response.body?.cancel()
      return { ok: false, reason: 'bad_body' }
    }
    body = await response.text()
    if (body.length > MAX_RANGE_BYTES) return { ok: false, reason: 'bad_body' }
  }
  const parsed = parseRangeBody(body)
  if (!parsed.ok) return { ok: false, reason: 'bad_body' }
  memo.set(url, parsed.value, now)
  if (!fromCache) defer(cachePut(url, body))
  return { ok: true, range: parsed.value }
}

/** The Cache API where there is one (not on workers.dev); any failure is a miss. */
async function cacheMatch(url: string): Promise<string | null> {
  try {
    const hit = await caches.default.match(url)
    return hit === undefined ? null : await hit.text()
  } catch {
    return null
  }
}

async function cachePut(url: string, body: string): Promise<void> {
  try {
    await caches.default.put(url, new Response(body, { headers: { 'content-type': 'text/plain', 'cache-control': `public, max-age=${CACHE_TTL_S}` } }))
  } catch {
    // No cache here: the memo still holds it.
  }
}
