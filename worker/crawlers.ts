// Verified crawlers without Bot Management: the Cron Trigger fetches the published IP
// ranges into KV (`crawlers:<name>`); the request path reads them (cached per isolate)
// only when a User-Agent claims to be a crawler. A failed refresh keeps the old ranges.
import { compileCidrSet, EMPTY_CIDR_SET, type CidrSet } from '../src/config/cidr'
import type { CompiledConfig } from '../src/config/compileConfig'
import { parseCrawlerRanges } from '../src/signals/crawlerRanges'
import type { TokenSource } from '../src/signals/crawlers/sources'
import { withDeadline } from './deadline'

const FETCH_BUDGET_MS = 5000
const KV_BUDGET_MS = 50
const CACHE_MS = 10 * 60_000
export const crawlerKey = (name: string): string => `crawlers:${name}`

interface Stored {
  readonly fetchedAt: number
  readonly source: string
  readonly prefixes: readonly string[]
}

export interface RefreshReport {
  readonly name: string
  readonly ok: boolean
  readonly prefixes?: number
  readonly problem?: string
}

/** The scheduled handler's work: refresh every configured source; never throws. */
export async function refreshCrawlerRanges(kv: KVNamespace, config: CompiledConfig, now: number): Promise<RefreshReport[]> {
  return Promise.all(
    config.source.verified_crawlers.sources.map(async ({ name, url }): Promise<RefreshReport> => {
      const got = await withDeadline(
        fetch(url, { headers: { accept: 'application/json' } }).then(async (r) => (r.ok ? ((await r.json()) as unknown) : Promise.reject(new Error(`HTTP ${r.status}`)))),
        FETCH_BUDGET_MS,
      )
      if (!got.ok) return { name, ok: false, problem: got.reason === 'timeout' ? 'timeout' : String((got.error as Error)?.message ?? 'fetch failed') }
      const parsed = parseCrawlerRanges(got.value)
      if (!parsed.ok) return { name, ok: false, problem: parsed.detail ?? parsed.reason }
      const stored: Stored = { fetchedAt: now, source: url, prefixes: parsed.value }
      await kv.put(crawlerKey(name), JSON.stringify(stored))
      return { name, ok: true, prefixes: parsed.value.length }
    }),
  )
}

/** One source's stored ranges, and the source (its name and the tokens it vouches for). */
export interface SourceRanges {
  readonly source: TokenSource
  readonly set: CidrSet
}

let cache: { at: number; names: string; set: CidrSet; bySource: readonly SourceRanges[] } | null = null

export function resetCrawlerCacheForTests(): void {
  cache = null
}

/** The union of all stored crawler ranges; empty (never "verified") when KV has none or is slow. */
export async function crawlerRanges(kv: KVNamespace, config: CompiledConfig, now: number): Promise<CidrSet> {
  return (await readRanges(kv, config, now)).set
}

/** Each source's stored ranges, with the tokens it vouches for: a claim verifies only against its own. */
export async function crawlerRangesBySource(kv: KVNamespace, config: CompiledConfig, now: number): Promise<readonly SourceRanges[]> {
  return (await readRanges(kv, config, now)).bySource
}

async function readRanges(kv: KVNamespace, config: CompiledConfig, now: number): Promise<{ set: CidrSet; bySource: readonly SourceRanges[] }> {
  const sources = config.source.verified_crawlers.sources
  const names = sources.map((s) => `${s.name}:${(s.tokens ?? []).join('|')}`).join(',')
  if (cache !== null && cache.names === names && now - cache.at < CACHE_MS) return cache
  const prefixes: string[] = []
  const bySource: SourceRanges[] = []
  let complete = true
  for (const source of sources) {
    const read = await withDeadline(kv.get(crawlerKey(source.name)), KV_BUDGET_MS)
    if (!read.ok) {
      complete = false
      continue
    }
    if (read.value === null) continue
    try {
      const stored = JSON.parse(read.value) as Stored
      if (!Array.isArray(stored.prefixes)) continue
      const own = stored.prefixes.filter((p): p is string => typeof p === 'string')
      prefixes.push(...own)
      if (own.length > 0) bySource.push({ source, set: compileCidrSet(own).set })
    } catch {
      // A corrupt entry verifies nobody.
    }
  }
  const set = prefixes.length === 0 ? EMPTY_CIDR_SET : compileCidrSet(prefixes).set
  // Cache a partial read only briefly, so a slow KV does not unverify crawlers for long.
  cache = { at: complete ? now : now - CACHE_MS + 30_000, names, set, bySource }
  return cache
}
