// Crawler categories by purpose: the names, and how a tag set of the crawler-user-agents dataset
// maps to one. Pure data; the generator (src/cli/crawler-data.ts) and the classifier share it.

/**
 * `search_engine` indexes for a search engine; `ai_training` collects for model training; `ai_search`
 * indexes for an AI answer engine (cites and links back); `ai_agent` fetches a page because a person
 * just asked an assistant to; `seo` audits links and rankings; `monitor` checks uptime or content;
 * `other` is every other declared crawler (feeds, previews, archives, research).
 */
export const CRAWLER_CATEGORIES = ['search_engine', 'ai_training', 'ai_search', 'ai_agent', 'seo', 'monitor', 'other'] as const
export type CrawlerCategory = (typeof CRAWLER_CATEGORIES)[number]
export const isCrawlerCategory = (v: unknown): v is CrawlerCategory => typeof v === 'string' && (CRAWLER_CATEGORIES as readonly string[]).includes(v)

/**
 * Categories whose crawlers publish a way to verify them (IP ranges, Web Bot Auth): a claim of one
 * that does not verify is a spoofed User-Agent. seo / monitor / other claims are judged as declared bots.
 */
export const VERIFIABLE_CATEGORIES: ReadonlySet<CrawlerCategory> = new Set(['search_engine', 'ai_training', 'ai_search', 'ai_agent'])

/** Checked first when a User-Agent matches several categories: the most specific purpose wins. */
export const CATEGORY_ORDER: readonly CrawlerCategory[] = ['ai_agent', 'ai_search', 'ai_training', 'search_engine', 'monitor', 'seo', 'other']

/**
 * The dataset tags the AI split by one tag (`ai-crawler`); these are ours, by the vendors' own
 * descriptions of each agent: fetched on a person's request (ai_agent), or indexed for an answer
 * engine (ai_search). Keyed by the dataset's exact pattern. Everything else tagged `ai-crawler` is
 * ai_training unless also tagged `search-engine` (then ai_search).
 */
export const AI_PURPOSE: Readonly<Record<string, CrawlerCategory>> = {
  'ChatGPT-User': 'ai_agent',
  'Claude-User': 'ai_agent',
  'Claude-Web': 'ai_agent',
  'Perplexity-User': 'ai_agent',
  PerplexityUser: 'ai_agent',
  'MistralAI-User': 'ai_agent',
  'Amzn-User': 'ai_agent',
  'kagi-fetcher': 'ai_agent',
  'Google-NotebookLM': 'ai_agent',
  'Gemini-Deep-Research': 'ai_agent',
  'linkReader\\/': 'ai_agent',
  'Amzn-SearchBot': 'ai_search',
  'AzureAI-SearchBot': 'ai_search',
  'Aranet-SearchBot': 'ai_search',
  LinkupBot: 'ai_search',
  PhindBot: 'ai_search',
  ZanistaBot: 'ai_search',
  iaskspider: 'ai_search',
  Anomura: 'ai_search',
  'atlassian-bot': 'ai_search',
  TavilyBot: 'ai_search',
}

/**
 * Google's user-triggered fetchers (a person asked for the page: read aloud, verify a site, a feed, a
 * publisher's preview) and App Engine apps' own fetches are not its search crawler, whatever the
 * dataset tags them: `other`, a declared bot, never a search-engine claim.
 */
export const NOT_SEARCH: ReadonlySet<string> = new Set(['Google-Read-Aloud', 'Google-Site-Verification', 'GoogleProducer', 'Google Favicon', 'AppEngine-Google', 'Google-PhysicalWeb'])

/** Tags that are tools, not crawlers: curl, python-requests, Puppeteer stay the isbot / headless checks' business. */
const NOT_CRAWLERS = new Set(['http-library', 'browser-automation'])

/** The category of one dataset entry, or null when it is a tool rather than a crawler. */
export function categoryOfEntry(pattern: string, tags: readonly string[]): CrawlerCategory | null {
  const named = AI_PURPOSE[pattern]
  if (named !== undefined) return named
  if (tags.includes('ai-crawler')) return tags.includes('search-engine') ? 'ai_search' : 'ai_training'
  if (tags.some((t) => NOT_CRAWLERS.has(t))) return null
  if (NOT_SEARCH.has(pattern)) return 'other'
  if (tags.includes('search-engine')) return 'search_engine'
  if (tags.includes('monitoring')) return 'monitor'
  if (tags.includes('seo')) return 'seo'
  return 'other'
}
