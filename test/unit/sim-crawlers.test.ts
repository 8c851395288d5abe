// The crawler families' report: a verified category counts as "got its policy" only with the category
// on the line and the policy's action; spoofers' let-through requests are counted per session.
import { describe, expect, it } from 'vitest'
import { crawlerFigures } from '../../src/cli/simulate/families/crawlers'
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
})
