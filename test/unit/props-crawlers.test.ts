// Property tests of the crawler parsers of untrusted input, in plain Node: classifyCrawler on any
// User-Agent, judgePayment on any price headers, parseRobots on any robots.txt and any path. Never a
// throw; a claim is always a known category with a short token; a payment is paid only when the
// offer is a well-formed price of the asked currency at least (max) or exactly (exact) the price.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CRAWLER_CATEGORIES } from '../../src/signals/crawlers/categories'
import { classifyCrawler } from '../../src/signals/crawlers/classify'
import { CHARGE_ERRORS, CRAWLER_PRICE, judgePayment } from '../../src/signals/crawlers/policy'
import { parseRobots } from '../../src/signals/crawlers/robots'

const priceLike = fc.oneof(
  fc.string(),
  fc.tuple(fc.constantFrom('USD', 'EUR', 'usd', 'US'), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 9_999_999 })).map(([c, w, f]) => `${c} ${w}.${f}`),
  fc.constantFrom('USD 0.01', 'USD 0.010', 'USD 1', ' USD 0.01 ', 'USD 01', 'USD 0.', 'USD -1'),
)

describe('crawler parsers never throw', () => {
  it('classifyCrawler: any User-Agent claims nothing or a known category and a token of at most 64 characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 3000 }), fc.string().map((s) => `Mozilla/5.0 (compatible; ${s}Googlebot/2.1${s})`)), (ua) => {
        const claim = classifyCrawler(ua)
        if (claim === null) return
        expect(CRAWLER_CATEGORIES).toContain(claim.category)
        expect(claim.token.length).toBeGreaterThan(0)
        expect(claim.token.length).toBeLessThanOrEqual(64)
      }),
    )
  })

  it('judgePayment: paid only for a well-formed offer of the asked currency that meets the price', () => {
    fc.assert(
      fc.property(fc.option(priceLike, { nil: null }), fc.option(priceLike, { nil: null }), (exact, max) => {
        const p = judgePayment('USD 0.05', exact, max)
        if (!p.paid) {
          expect(CHARGE_ERRORS).toContain(p.error)
          return
        }
        const offer = (exact ?? max)!.trim()
        expect(exact === null || max === null).toBe(true)
        expect(CRAWLER_PRICE.test(offer)).toBe(true)
        expect(offer.startsWith('USD ')).toBe(true)
        const amount = Number(offer.slice(4))
        if (exact !== null) expect(amount).toBe(0.05)
        else expect(amount).toBeGreaterThanOrEqual(0.05)
      }),
    )
  })

  it('judgePayment: refuses a configured price that is not one (a programmer error, not input)', () => {
    expect(() => judgePayment('free', null, null)).toThrow(TypeError)
  })

  it('parseRobots: any file, any path, any token answers a boolean', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.string({ maxLength: 200 }), fc.string({ maxLength: 40 }), (text, path, token) => {
        const rules = parseRobots('https://site.example', `User-agent: *\n${text}`)
        expect(typeof rules.allows(`/${path}`, token)).toBe('boolean')
      }),
    )
  })

  it('parseRobots: AdsBot obeys only a group that names it, never `*`', () => {
    const star = parseRobots('https://site.example', 'User-agent: *\nDisallow: /\n')
    expect(star.allows('/landing', 'AdsBot-Google')).toBe(true)
    expect(star.allows('/landing', 'AdsBot-Google-Mobile')).toBe(true)
    expect(star.allows('/landing', 'Googlebot')).toBe(false)
    const named = parseRobots('https://site.example', 'User-agent: *\nDisallow: /\n\nUser-agent: AdsBot-Google # ads\nDisallow: /landing\n')
    expect(named.allows('/landing', 'AdsBot-Google')).toBe(false)
    expect(named.allows('/other', 'AdsBot-Google')).toBe(true)
  })

  it('parseRobots: a Disallow holds for its group and `*`, and Allow wins on a longer match', () => {
    const rules = parseRobots('https://site.example', 'User-agent: *\nDisallow: /private\nAllow: /private/open\n\nUser-agent: GPTBot\nDisallow: /\n')
    expect(rules.allows('/private/x', 'Googlebot')).toBe(false)
    expect(rules.allows('/private/open/x', 'Googlebot')).toBe(true)
    expect(rules.allows('/products', 'Googlebot')).toBe(true)
    expect(rules.allows('/products', 'GPTBot')).toBe(false)
    expect(rules.allows('/products?q=1', 'gptbot')).toBe(false)
  })
})
