// Declared crawlers by purpose (docs/crawlers.md). `crawlers_verified` (label 0): a search engine, an AI
// training crawler, an AI answer engine and a person's AI assistant, each from the simulator's stand-in
// for its own vendor's published ranges (VERIFIED_SOURCES: Google's, OpenAI's — each written to KV and
// named in the config as a crawler source bound to its vendor's tokens before the run, so a claim
// verifies only against its own vendor's range, as in production):
// they read /robots.txt first and then only pages it allows. `crawlers_spoofed` (label 1): the same
// User-Agents from addresses of their own on hosting and home networks, reading product pages.
// crawlerFigures says whether each verified category got exactly its policy and how many spoofers got through.
import type { LabelledRow } from '../join'
import type { NetworkKind } from '../network'
import type { Random } from '../random'
import type { Seat } from '../crowd'
import { actorFor, cfFor, over, pause, type SessionContext, type World } from '../world'
import { DEFAULT_CRAWLER_POLICY } from '../../../signals/crawlers/policy'
import type { CrawlerCategory } from '../../../signals/crawlers/categories'
import { round4, wilson, type Interval } from '../../../util/wilson'

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4
import { scaled, type FamilySpec } from './spec'

/**
 * One stand-in published range per vendor, inside 127.0.66.0/24 (outside the pool's 127.1+,
 * src/cli/simulate/ips.ts): `googlebot` keeps the bundled config's name (its built-in tokens),
 * `openai` is bound to OpenAI's three crawlers. `base` is the first host the seats use.
 */
export const VERIFIED_SOURCES = {
  google: { name: 'googlebot', url: 'https://developers.google.com/static/search/apis/ipranges/googlebot.json', range: '127.0.66.0/25', base: 10, tokens: undefined },
  openai: { name: 'openai', url: 'https://openai.com/gptbot.json', range: '127.0.66.128/25', base: 138, tokens: ['GPTBot', 'OAI-SearchBot', 'ChatGPT-User'] },
} as const
type Vendor = keyof typeof VERIFIED_SOURCES

export const SIM_CRAWLERS: ReadonlyArray<{ readonly category: CrawlerCategory; readonly ua: string; readonly vendor: Vendor }> = [
  { category: 'search_engine', ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', vendor: 'google' },
  { category: 'ai_training', ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)', vendor: 'openai' },
  { category: 'ai_search', ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot', vendor: 'openai' },
  { category: 'ai_agent', ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot', vendor: 'openai' },
]
const crawlerOf = (index: number) => SIM_CRAWLERS[index % SIM_CRAWLERS.length]!

/** Pages the demo's robots.txt allows every group but AI training (worker/demo/assets.ts). */
const page = (rng: Random): string => rng.weighted([['/', 10], ['/products', 20], [`/products/${rng.int(1, 1000)}`, 55], ['/api/products', 15]] as const)

async function crawl(s: SessionContext, network: NetworkKind, readsRobots: boolean): Promise<void> {
  const { ua } = crawlerOf(s.index)
  const a = actorFor(s, { cf: cfFor(s, network, 'script'), identity: { type: 'tool', tool: { tool: 'curl', ua, profile: null } } })
  try {
    if (readsRobots) await a.get('/robots.txt')
    // A user-triggered agent fetches the one or two pages it was asked about; the others crawl on.
    const n = crawlerOf(s.index).category === 'ai_agent' ? s.rng.int(1, 2) : s.world.smoke ? 3 : s.rng.int(5, 10)
    for (let i = 0; i < n; i++) {
      await pause(s, s.rng.between(1500, 6000))
      if (over(s)) return
      await a.get(page(s.rng))
    }
  } finally {
    a.close()
  }
}

export const crawlersVerified: FamilySpec = {
  family: 'crawlers_verified',
  sessions: (w) => scaled(w, 24, 4),
  // Each at an address of its own inside its vendor's published range (a crawler fleet's many hosts).
  seats: (_w: World, n: number): readonly Seat[] =>
    Array.from({ length: n }, (_, i) => ({ ip: `127.0.66.${VERIFIED_SOURCES[crawlerOf(i).vendor].base + (i % 100)}`, site: null, startMs: null })),
  run: (s) => crawl(s, 'hosting', true),
}

export const crawlersSpoofed: FamilySpec = {
  family: 'crawlers_spoofed',
  // 72 at full scale (~450 requests): all mitigated shows the ≥ 99 % target on its lower bound (a perfect run needs 385).
  sessions: (w) => scaled(w, 72, 4),
  run: (s) => crawl(s, s.rng.chance(0.6) ? 'hosting' : 'residential', false),
}

export interface CrawlerFigures {
  /** Per verified category: requests (robots.txt aside) that got exactly the category and its default policy. */
  readonly verified: Readonly<Record<string, { readonly policy: string; readonly requests: number; readonly as_policy: number; readonly share: number | null; readonly reasons: Readonly<Record<string, number>> }>>
  /** Spoofed crawler requests (any claimed category) mitigated, and sessions with any request let through. */
  readonly spoofed: { readonly requests: number; readonly mitigated_share: number | null; readonly mitigated_share_ci95: Interval | null; readonly sessions_let_through: number }
  readonly checks: ReadonlyArray<{ readonly name: string; readonly value: number | null; readonly target: string; readonly pass: boolean | null }>
}

/** What the policy looks like on a line: `allow` → let in with `crawler_allow`; `block` → blocked with `crawler_block`. */
const EXPECTED: Readonly<Record<string, { readonly action: string; readonly reason: string }>> = {
  allow: { action: 'allow', reason: 'crawler_allow' },
  block: { action: 'block', reason: 'crawler_block' },
  rate_limit: { action: 'rate_limit', reason: 'crawler_rate_limit' },
  charge: { action: 'block', reason: 'crawler_charge' },
}

export function crawlerFigures(rows: readonly LabelledRow[]): CrawlerFigures | null {
  const mine = rows.filter((r) => (r.family === 'crawlers_verified' || r.family === 'crawlers_spoofed') && r.path !== '/robots.txt')
  if (mine.length === 0) return null
  const sessionIndex = (session: string): number => Number(session.slice(session.lastIndexOf('-') + 1))
  const verified: Record<string, { policy: string; requests: number; as_policy: number; share: number | null; reasons: Record<string, number> }> = {}
  for (const { category } of SIM_CRAWLERS) verified[category] = { policy: DEFAULT_CRAWLER_POLICY[category], requests: 0, as_policy: 0, share: null, reasons: {} }
  const spoofed = mine.filter((r) => r.family === 'crawlers_spoofed')
  for (const r of mine) {
    if (r.family !== 'crawlers_verified') continue
    const category = crawlerOf(sessionIndex(r.session)).category
    const v = verified[category]!
    const want = EXPECTED[v.policy]!
    v.requests++
    // The policy's action with the category granted. A block may say `robots_disallowed` instead of
    // `crawler_block`: the demo's robots.txt disallows everything to GPTBot, which reads it first.
    const reason = (r.reasons ?? [])[0] ?? ''
    if (r.crawler === category && r.action === want.action && (reason === want.reason || (want.action === 'block' && reason === 'robots_disallowed'))) v.as_policy++
    v.reasons[reason] = (v.reasons[reason] ?? 0) + 1
  }
  for (const v of Object.values(verified)) v.share = v.requests === 0 ? null : r4(v.as_policy / v.requests)
  const mitigated = spoofed.filter((r) => r.action !== 'allow').length
  const ci = spoofed.length === 0 ? null : round4(wilson(mitigated, spoofed.length))
  const leaked = new Set(spoofed.filter((r) => r.action === 'allow').map((r) => r.session))
  const share = spoofed.length === 0 ? null : r4(mitigated / spoofed.length)
  const checks = [
    ...Object.entries(verified).map(([category, v]) => ({ name: `verified ${category} crawler requests that got its policy (${v.policy})`, value: v.share, target: '= 1', pass: v.share === null ? null : v.share === 1 })),
    // Judged on the lower 95 % bound, as every rate target: 150 of 150 is not yet 99 %.
    { name: 'spoofed crawler requests mitigated', value: share, target: '>= 0.99 (lower 95 % bound)', pass: ci === null ? null : ci[0] >= 0.99 },
  ]
  return { verified, spoofed: { requests: spoofed.length, mitigated_share: share, mitigated_share_ci95: ci, sessions_let_through: leaked.size }, checks }
}

/** The stand-in published ranges, as the Cron Trigger would have stored them (worker/crawlers.ts). */
export const simulatedRanges = (now: number): ReadonlyArray<{ readonly key: string; readonly value: string }> =>
  Object.values(VERIFIED_SOURCES).map((s) => ({ key: `crawlers:${s.name}`, value: JSON.stringify({ fetchedAt: now, source: 'simulator', prefixes: [s.range] }) }))

/**
 * The config's `verified_crawlers.sources` with the stand-ins: the operator's other sources kept,
 * one of the same name replaced (at most 10 in all, the schema's bound).
 */
export function withSimulatedSources(sources: ReadonlyArray<{ readonly name: string }>): unknown[] {
  const ours = Object.values(VERIFIED_SOURCES).map(({ name, url, tokens }) => (tokens === undefined ? { name, url } : { name, url, tokens: [...tokens] }))
  return [...sources.filter((s) => !ours.some((o) => o.name === s.name)), ...ours].slice(-10)
}
