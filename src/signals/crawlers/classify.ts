// Which crawler a User-Agent declares: takes the User-Agent and the operator's extra patterns
// (config `crawlers.user_agents`, compiled once); returns the claimed category and the crawler's
// product token (what robots.txt groups are named by), or null. Pure; never throws. A claim is only
// a claim: the category is granted by verification (worker/crawlers/judge.ts), never by this.
import data from '../data/crawler-categories.json'
import { CATEGORY_ORDER, type CrawlerCategory } from './categories'

export interface CrawlerPattern {
  readonly re: RegExp
  readonly category: CrawlerCategory
}

export interface CrawlerClaim {
  readonly category: CrawlerCategory
  /** The product token around the match (`GPTBot`, `Googlebot`): robots.txt's User-agent name for it. */
  readonly token: string
}

/**
 * Real crawler User-Agents name themselves well within this (2 of the dataset's ~2,000 examples are
 * longer); past it only the start is read, so any client's cost here is bounded.
 */
export const MAX_CRAWLER_UA = 256

/** One alternation per category, in CATEGORY_ORDER: ~1,400 patterns in 7 regular expressions, built on first use. */
let bundled: readonly CrawlerPattern[] | null = null
function bundledPatterns(): readonly CrawlerPattern[] {
  if (bundled === null) {
    const table = data.patterns as Readonly<Record<CrawlerCategory, readonly string[]>>
    bundled = CATEGORY_ORDER.filter((c) => (table[c]?.length ?? 0) > 0).map((category) => ({
      category,
      re: new RegExp(table[category].map((p) => `(?:${p})`).join('|')),
    }))
  }
  return bundled
}

/** The bundled table's source (`crawler-user-agents@1.60.0`), for docs and health checks. */
export const CRAWLER_DATA_SOURCE: string = data.source

/**
 * `readTable`: read the bundled table (~1,400 patterns) too. The callers pass isbot's verdict: a User-Agent
 * isbot does not call a bot is not worth the table's cost (the operator's own patterns are still read).
 */
export function classifyCrawler(userAgent: string | null, extra: readonly CrawlerPattern[] = [], readTable = true): CrawlerClaim | null {
  if (userAgent === null || userAgent === '') return null
  const ua = userAgent.slice(0, MAX_CRAWLER_UA)
  for (const list of readTable ? [extra, bundledPatterns()] : [extra]) {
    for (const { re, category } of list) {
      const m = re.exec(ua)
      if (m !== null) return { category, token: tokenAt(ua, m.index, m[0].length) }
    }
  }
  return null
}

const TOKEN_CHAR = /[A-Za-z0-9_-]/

/** The word the match sits in: `Googlebot` from `…compatible; Googlebot/2.1; …`. */
function tokenAt(ua: string, index: number, length: number): string {
  let start = index
  while (start > 0 && TOKEN_CHAR.test(ua[start - 1]!)) start--
  let end = index
  while (end < ua.length && TOKEN_CHAR.test(ua[end]!)) end++
  if (end === start) end = Math.min(ua.length, index + Math.max(1, length))
  return ua.slice(start, end).slice(0, 64)
}
