// The crawler families' report: a verified category counts as "got its policy" only with the category
// on the line and the policy's action; spoofers' let-through requests are counted per session.
import { describe, expect, it } from 'vitest'
import { crawlerFigures, crawlersVerified, SIM_CRAWLERS, simulatedRanges, VERIFIED_SOURCES, withSimulatedSources } from '../../src/cli/simulate/families/crawlers'
import { cidrSetHas, compileCidrSet, parseIp } from '../../src/config/cidr'
import { compileConfig } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { classifyCrawler } from '../../src/signals/crawlers/classify'
import { sourceCovers } from '../../src/signals/crawlers/sources'
import type { World } from '../../src/cli/simulate/world'
import type { LabelledRow } from '../../src/cli/simulate/join'

let refs = 0
const row = (family: 'crawlers_verified' | 'crawlers_spoofed', session: number, action: string, crawler: string | null, reason: string, path = '/products/1'): LabelledRow =>
  ({ ts: new Date(1_700_000_000_000 + ++refs).toISOString(), ref: `r${refs}`, method: 'GET', path, route: 'other', ip: '127.0.66.10', device: null, user: null, risk: 0, action, reasons: [reason], crawler, label: family === 'crawlers_verified' ? 0 : 1, family, session: `${family}-${String(session).padStart(3, '0')}` }) as LabelledRow

describe('crawlerFigures', () => {
  it('counts a verified request as its policy only with the category granted and the right action', () => {
    const f = crawlerFigures([
      row('crawlers_verified', 0, 'allow', 'search_engine', 'crawler_allow'),
      row('crawlers_verified', 0, 'allow', 'search_engine', 'robots_txt', '/robots.txt'),
      row('crawlers_verified', 4, 'allow', null, 'verified_bot'), // let in, but no category: not its policy
      row('crawlers_verified', 1, 'block', 'ai_training', 'crawler_block'),
      row('crawlers_verified', 1, 'block', 'ai_training', 'robots_disallowed'),
      row('crawlers_verified', 5, 'allow', 'ai_training', 'crawler_allow'),
    ])!
    expect(f.verified.search_engine).toMatchObject({ requests: 2, as_policy: 1, share: 0.5 })
    expect(f.verified.ai_training).toMatchObject({ requests: 3, as_policy: 2 })
    expect(f.checks.find((c) => c.name.includes('search_engine'))?.pass).toBe(false)
  })

  it('reports spoofers let through and the ≥ 99 % check', () => {
    const rows = [...Array.from({ length: 99 }, (_, i) => row('crawlers_spoofed', i % 4, 'block', null, 'fake_crawler')), row('crawlers_spoofed', 7, 'allow', null, '')]
    const f = crawlerFigures(rows)!
    expect(f.spoofed).toMatchObject({ requests: 100, mitigated_share: 0.99, sessions_let_through: 1 })
    // 99 of 100 is 99 % on the point, not on the lower bound the check is judged on…
    expect(f.checks.at(-1)).toMatchObject({ pass: false })
    // …which 450 of 450 meets, and 449 of 450 does not.
    const all = crawlerFigures(Array.from({ length: 450 }, (_, i) => row('crawlers_spoofed', i % 72, 'block', null, 'fake_crawler')))!
    expect(all.checks.at(-1)).toMatchObject({ pass: true })
    const one = crawlerFigures([...Array.from({ length: 449 }, (_, i) => row('crawlers_spoofed', i % 72, 'block', null, 'fake_crawler')), row('crawlers_spoofed', 3, 'allow', null, '')])!
    expect(one.checks.at(-1)).toMatchObject({ pass: false })
    expect(crawlerFigures([])).toBeNull()
  })

  it("puts each verified crawler in its own vendor's range, under a source that vouches for its token and only its vendor's", () => {
    const sources = withSimulatedSources(DEFAULT_CONFIG.verified_crawlers.sources)
    const compiled = compileConfig({ version: 'sim', verified_crawlers: { sources } })
    if (!compiled.ok) throw new Error(compiled.detail)
    const configured = compiled.value.source.verified_crawlers.sources
    const stored = new Map(simulatedRanges(0).map((r) => [r.key.slice('crawlers:'.length), compileCidrSet((JSON.parse(r.value) as { prefixes: string[] }).prefixes).set]))
    const seats = crawlersVerified.seats!({} as World, 40, undefined as never, undefined as never)
    seats.forEach((seat, i) => {
      const crawler = SIM_CRAWLERS[i % SIM_CRAWLERS.length]!
      const token = classifyCrawler(crawler.ua)!.token
      // The sources whose stored range holds this seat's address and that vouch for its token.
      const verifying = configured.filter((src) => stored.has(src.name) && cidrSetHas(stored.get(src.name)!, parseIp(seat.ip)) && sourceCovers(src, token))
      expect(verifying.map((v) => v.name)).toEqual([VERIFIED_SOURCES[crawler.vendor].name])
      // …and no other vendor's source vouches for it.
      const others = Object.values(VERIFIED_SOURCES).filter((v) => v.name !== VERIFIED_SOURCES[crawler.vendor].name)
      for (const o of others) expect(sourceCovers(configured.find((c) => c.name === o.name)!, token)).toBe(false)
    })
  })
})
