// Per-category crawler policy and pay-per-crawl: takes a verified crawler's category, the config's
// policy and the request's price headers; returns what to do. Pure; no clock, no I/O.
import type { CrawlerCategory } from './categories'

export const CRAWLER_ACTIONS = ['allow', 'block', 'rate_limit', 'charge'] as const
export type CrawlerAction = (typeof CRAWLER_ACTIONS)[number]

/**
 * What a site operator expects with no config (docs/crawlers.md): search engines, AI answer engines
 * and a person's assistant bring visitors or serve one — let in; AI training takes the content and
 * sends no one back — blocked, as most publishers' robots.txt already ask; SEO tools and other
 * declared crawlers crawl hard for someone else — rate limited; monitors are usually the site's own.
 */
export const DEFAULT_CRAWLER_POLICY: Readonly<Record<CrawlerCategory, CrawlerAction>> = {
  search_engine: 'allow',
  ai_training: 'block',
  ai_search: 'allow',
  ai_agent: 'allow',
  seo: 'rate_limit',
  monitor: 'allow',
  other: 'rate_limit',
}

/** `USD 0.01`: an ISO 4217 code and a decimal amount (at most 6 places), as pay-per-crawl headers carry it. */
export const CRAWLER_PRICE = /^[A-Z]{3} (?:0|[1-9]\d{0,8})(?:\.\d{1,6})?$/

/**
 * Why a charged request was not let in (`crawler-error` on the 402): the pay-per-crawl error names,
 * and ours for an agreement with nobody to bill (`UnidentifiedCrawlerPayer`: only a listed signed agent pays).
 */
export const CHARGE_ERRORS = ['MissingCrawlerPrice', 'InvalidCrawlerPriceValue', 'ConflictingPriceHeaders', 'InvalidCrawlerExactPrice', 'InvalidCrawlerMaxPrice', 'UnidentifiedCrawlerPayer'] as const
export type ChargeError = (typeof CHARGE_ERRORS)[number]

export type Payment = { readonly paid: true; readonly price: string } | { readonly paid: false; readonly price: string; readonly error: ChargeError }

interface Money {
  readonly currency: string
  /** In millionths, so 0.01 and 0.010 compare equal without floating point. */
  readonly micros: bigint
}

function money(text: string | null): Money | null {
  const t = text?.trim() ?? ''
  if (!CRAWLER_PRICE.test(t)) return null
  const [currency, amount] = t.split(' ') as [string, string]
  const [whole, frac = ''] = amount.split('.') as [string, string?]
  return { currency, micros: BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, '0')) }
}

/**
 * Whether a crawler agreed to the price: `crawler-exact-price` equal to it, or `crawler-max-price` at
 * least it (same currency). Neither, both, or a malformed one: not paid, with the reason.
 */
export function judgePayment(price: string, exact: string | null, max: string | null): Payment {
  const asked = money(price)
  if (asked === null) throw new TypeError(`crawlers.price is not a price: ${price}`)
  if (exact === null && max === null) return { paid: false, price, error: 'MissingCrawlerPrice' }
  if (exact !== null && max !== null) return { paid: false, price, error: 'ConflictingPriceHeaders' }
  const offered = money(exact ?? max)
  if (offered === null) return { paid: false, price, error: 'InvalidCrawlerPriceValue' }
  const same = offered.currency === asked.currency
  if (exact !== null) return same && offered.micros === asked.micros ? { paid: true, price } : { paid: false, price, error: 'InvalidCrawlerExactPrice' }
  return same && offered.micros >= asked.micros ? { paid: true, price } : { paid: false, price, error: 'InvalidCrawlerMaxPrice' }
}
