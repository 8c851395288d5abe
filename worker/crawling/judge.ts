// judgeCrawler: which crawler a request declares, whether it proved it, and what its category's policy
// asks. Takes the request facts, the config, the User-Agent verdict, Bot Management's word and the
// verified signed agent (if any); returns the judgement the rules, decide and the log line read.
// Only a verified crawler is granted a category; a claim of a verifiable one that fails is a spoof.
import { cidrSetHas, parseIp } from '../../src/config/cidr'
import type { CompiledConfig } from '../../src/config/compileConfig'
import type { AgentPolicy } from '../../src/config/schema'
import type { CrawlerPolicyInput } from '../../src/policy/decide'
import { claimsCrawler } from '../../src/policy/rules/context'
import { VERIFIABLE_CATEGORIES, type CrawlerCategory } from '../../src/signals/crawlers/categories'
import { classifyCrawler, type CrawlerClaim } from '../../src/signals/crawlers/classify'
import { judgePayment, type Payment } from '../../src/signals/crawlers/policy'
import { anySourceCovers, sourceCovers } from '../../src/signals/crawlers/sources'
import { crawlerRanges, crawlerRangesBySource } from '../crawlers'
import { forwardSafely, type OriginTarget } from '../origin/forward'
import type { RequestFacts } from '../request'
import { fetchedRobots, robotsRules } from './robots'

export interface CrawlerJudgement {
  /** What the User-Agent claims (or the listed agent's category), verified or not; null: no crawler. */
  readonly claim: CrawlerClaim | null
  /** The category granted: only when the claim verified. The log line's `crawler`. */
  readonly category: CrawlerCategory | null
  /** Bot Management says so, or a crawler User-Agent from the published ranges, or a listed agent's category. */
  readonly verifiedBot: boolean
  readonly spoofed: boolean
  readonly robotsDisallowed: boolean
  /** For decide: the category's policy (null: no category granted). */
  readonly policy: CrawlerPolicyInput | null
  /** Under `charge`: whether the request agreed to the price (the 402's and the receipt's headers). */
  readonly payment: Payment | null
}

export interface CrawlerInput {
  readonly facts: RequestFacts
  readonly env: Env
  readonly config: CompiledConfig
  readonly now: number
  readonly userAgent: string | null
  /** A mainstream browser User-Agent (not a bot, not headless): no crawler table is read for it. */
  readonly claimsBrowser: boolean
  /** isbot calls it a bot: only then is the bundled crawler table read (the hot path's cost). */
  readonly isBot: boolean
  /** request.cf.botManagement.verifiedBot: true / false on plans that have it, null otherwise. */
  readonly botManagement: boolean | null
  /** A verified signed agent the operator listed (its entry), else null. */
  readonly agent: AgentPolicy | null
  readonly target: OriginTarget
  readonly missing: string[]
}

export async function judgeCrawler(input: CrawlerInput): Promise<CrawlerJudgement> {
  const { facts, config, now, userAgent } = input
  const crawlers = config.source.crawlers
  const fromUa = input.claimsBrowser ? null : classifyCrawler(userAgent, config.crawlerPatterns, input.isBot)
  // A listed signed agent mapped to a category proved who it is with its key: that is its claim, verified.
  const agentCategory = input.agent !== null && input.agent.action === undefined ? (input.agent.category ?? null) : null
  const claim: CrawlerClaim | null = agentCategory !== null ? { category: agentCategory, token: fromUa?.token ?? input.agent!.name } : fromUa
  const legacyClaim = claimsCrawler(userAgent)
  const verifiedBot = agentCategory !== null || input.botManagement === true || (input.botManagement === null && (await fromItsRanges(input, claim, legacyClaim)))
  const category = claim !== null && verifiedBot ? claim.category : null
  // A spoof only when something configured could have verified this crawler: Bot Management (it knows
  // them all), or a source bound to its token. Otherwise it is judged as a declared bot.
  const checkable = claim !== null && (input.botManagement !== null || anySourceCovers(config.source.verified_crawlers.sources, claim.token))
  // A listed signed agent proved who it is with its key: naming its vendor's crawler token is no spoof.
  const spoofed = claim !== null && !verifiedBot && VERIFIABLE_CATEGORIES.has(claim.category) && checkable && input.agent === null
  // A spoof is blocked as one: no robots.txt read (it may fetch the origin inline) for it. An ai_agent
  // fetches a page a person just asked for: its vendors document that it does not follow robots.txt.
  const robotsDisallowed = claim !== null && !spoofed && claim.category !== 'ai_agent' && (await disallowed(input, claim.token))
  if (category === null) return { claim, category, verifiedBot, spoofed, robotsDisallowed, policy: null, payment: null }
  const action = crawlers.policy[category]
  const offer = action === 'charge' ? judgePayment(crawlers.price, facts.headers.get('crawler-exact-price'), facts.headers.get('crawler-max-price')) : null
  // Paying is more than a header: an agreement counts only from a listed signed agent, whose name
  // (the line's `agent`) is the payer. A range-verified crawler has no billable identity on the line.
  const payment: Payment | null = offer?.paid === true && input.agent === null ? { paid: false, price: offer.price, error: 'UnidentifiedCrawlerPayer' } : offer
  return {
    claim,
    category,
    verifiedBot,
    spoofed,
    robotsDisallowed,
    policy: { action, ratePerMin: crawlers.rate_per_min, paid: payment?.paid === true, robotsDisallowed },
    payment,
  }
}

/**
 * The address is in the published ranges of a source that vouches for the claimed token: Google's
 * ranges verify Googlebot, not a GPTBot claim. Only the big engines' names outside the table
 * (`ua_crawler` with no claim, e.g. past the table's first 256 characters) are checked against any source.
 */
async function fromItsRanges(input: CrawlerInput, claim: CrawlerClaim | null, legacyClaim: boolean): Promise<boolean> {
  if (claim === null && !legacyClaim) return false
  const ip = parseIp(input.facts.ip)
  if (claim === null) return cidrSetHas(await crawlerRanges(input.env.EDGEWARD_CONFIG, input.config, input.now), ip)
  const sources = await crawlerRangesBySource(input.env.EDGEWARD_CONFIG, input.config, input.now)
  return sources.some(({ source, set }) => sourceCovers(source, claim.token) && cidrSetHas(set, ip))
}

/** It read robots.txt (this isolate saw it) and its group there disallows this path. */
async function disallowed(input: CrawlerInput, token: string): Promise<boolean> {
  const { facts, config, now } = input
  if (!fetchedRobots(facts.ip, token, now)) return false
  const origin = facts.url.origin
  const load = async (): Promise<Response> => {
    const url = new URL('/robots.txt', origin)
    const answer = await forwardSafely(new Request(url), { ...facts, rawPath: '/robots.txt', headers: new Headers({ 'user-agent': 'edgeward (robots.txt)' }) }, input.target, new Map(), null)
    return answer.response
  }
  const rules = await robotsRules(origin, load, config.source.crawlers.robots_ttl_s, now, input.missing)
  return !rules.allows(facts.rawPath, token)
}
