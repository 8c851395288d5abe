// The SVG report: one well-formed <svg> with the ROC curve, both histograms, axis titles, a
// legend with the AUC and recall points, per-family bars, and every text escaped.
import { describe, expect, it } from 'vitest'
import { familyRecall, rocSummary } from '../../src/cli/eval/roc'
import type { EvalRow } from '../../src/cli/eval/rows'
import { renderReport } from '../../src/cli/eval/svg'

function report(title = 'report <test> & co') {
  const rows: EvalRow[] = [
    ...Array.from({ length: 200 }, (_, i) => ({ risk: (i % 50) / 100, label: 0 as const, action: 'allow', family: 'human_http', session: `h${i % 20}`, rules: [] })),
    ...Array.from({ length: 60 }, (_, i) => ({ risk: 0.4 + (i % 60) / 100, label: 1 as const, action: 'block', family: i % 2 ? 'carding' : 'scraping', session: `a${i % 6}`, rules: [] })),
  ]
  const roc = rocSummary(rows, [0.01, 0.001, 0.0002])
  const at = roc.atFpr[2]!
  return renderReport({ title, roc, rows, targetFpr: 0.0002, threshold: at.threshold, recallAtTarget: at.recall, families: familyRecall(rows, at.threshold) })
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length

describe('renderReport', () => {
  const svg = report()

  it('is one svg element with a size and a viewBox', () => {
    expect(svg.trimStart().startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(count(svg, /<svg\b/g)).toBe(1)
    expect(svg).toMatch(/width="1000" height="\d+" viewBox="0 0 1000 \d+"/)
  })

  it('has the ROC curve, the chance line and the target FPR markers', () => {
    expect(count(svg, /<polyline /g)).toBe(2)
    expect(svg).toContain('false-positive rate (human requests flagged, log scale)')
    expect(svg).toContain('recall (attack requests flagged)')
    expect(svg).toMatch(/risk score \(AUC 0\.\d{4}\)/)
    expect(svg).toMatch(/recall [\d.]+% at FPR 0\.02%/)
  })

  it('has histograms for both classes with a log count axis and the threshold line', () => {
    expect(svg).toContain('risk score (model output, 0–1)')
    expect(svg).toContain('requests (log scale)')
    expect(svg).toContain('human (200)')
    expect(svg).toContain('attack (60)')
    expect(svg).toMatch(/threshold [\d.]+ \(FPR 0\.02%\)/)
    expect(count(svg, /fill="#1f77b4" fill-opacity="0.42"/g)).toBeGreaterThan(0)
    expect(count(svg, /fill="#d62728" fill-opacity="0.42"/g)).toBeGreaterThan(0)
  })

  it('has a bar pair per family and escapes text', () => {
    for (const f of ['human_http (human)', 'carding', 'scraping']) expect(svg).toContain(`>${f}</text>`)
    expect(svg).toContain('report &lt;test&gt; &amp; co')
    expect(svg).not.toContain('<test>')
  })

  it('balances every element it opens', () => {
    for (const tag of ['g', 'text', 'svg', 'style', 'desc']) expect(count(svg, new RegExp(`<${tag}[\\s>]`, 'g'))).toBe(count(svg, new RegExp(`</${tag}>`, 'g')))
  })
})
