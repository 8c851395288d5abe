// Server-rendered SVG charts for the console: stacked bars of actions over time (each segment a
// link to the decisions behind it) and small horizontal bars for tables. Takes counts and hrefs;
// returns markup. No script and no style attributes: colours come from the page's classes, so the
// charts work under a CSP without 'unsafe-inline' and follow light and dark.
import { ACTIONS } from '../../../src/policy/decision'
import { e } from './layout'

export interface SeriesPoint {
  readonly bucket: number
  readonly key: string
  readonly n: number
}

const W = 900
const H = 220
const PAD = { l: 44, r: 8, t: 10, b: 24 }

const actionClass = (k: string): string => ((ACTIONS as readonly string[]).includes(k) ? `a-${k}` : 'a-other')

export const formatMinute = (minute: number, withDate: boolean): string => {
  const iso = new Date(minute * 60_000).toISOString()
  return withDate ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16)
}

/** A round upper bound for the y axis. */
function niceMax(n: number): number {
  if (n <= 5) return 5
  const p = 10 ** Math.floor(Math.log10(n))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p
  return 10 * p
}

/**
 * Stacked bars: one per bucket, one segment per key (actions in ACTIONS order). `href(bucket, key)`
 * links each segment to its decisions; each carries a title and an accessible name.
 */
export function stackedBars(p: {
  points: readonly SeriesPoint[]
  buckets: number
  fromMinute: number
  bucketMinutes: number
  label: string
  href: (bucket: number, key: string) => string
}): string {
  const byBucket = new Map<number, Map<string, number>>()
  for (const pt of p.points) {
    if (pt.bucket < 0 || pt.bucket >= p.buckets) continue
    const m = byBucket.get(pt.bucket) ?? new Map<string, number>()
    m.set(pt.key, (m.get(pt.key) ?? 0) + pt.n)
    byBucket.set(pt.bucket, m)
  }
  const totals = [...byBucket.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0))
  const max = niceMax(Math.max(0, ...totals))
  const plotW = W - PAD.l - PAD.r
  const plotH = H - PAD.t - PAD.b
  const slot = plotW / p.buckets
  const barW = Math.max(1, slot * 0.8)
  const y = (v: number) => PAD.t + plotH - (v / max) * plotH
  const parts: string[] = []
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac
    parts.push(`<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`)
    parts.push(`<text x="${PAD.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${e(String(v))}</text>`)
  }
  const withDate = p.bucketMinutes * p.buckets > 24 * 60
  const ticks = 6
  for (let i = 0; i <= ticks; i++) {
    const b = Math.min(p.buckets - 1, Math.round((i * (p.buckets - 1)) / ticks))
    const x = PAD.l + slot * b + slot / 2
    parts.push(`<text x="${x.toFixed(1)}" y="${H - 6}" text-anchor="middle">${e(formatMinute(p.fromMinute + b * p.bucketMinutes, withDate))}</text>`)
  }
  const order = (k: string) => {
    const i = (ACTIONS as readonly string[]).indexOf(k)
    return i === -1 ? ACTIONS.length : i
  }
  for (const [bucket, m] of [...byBucket].sort((a, b) => a[0] - b[0])) {
    let base = 0
    const x = PAD.l + slot * bucket + (slot - barW) / 2
    const start = formatMinute(p.fromMinute + bucket * p.bucketMinutes, withDate)
    for (const [key, n] of [...m].sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0]))) {
      if (n <= 0) continue
      const top = y(base + n)
      const h = Math.max(0.5, y(base) - top)
      const name = `${start} UTC, ${key}: ${n}`
      parts.push(
        `<a href="${e(p.href(bucket, key))}" aria-label="${e(name)}"><rect class="${actionClass(key)}" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${e(name)}</title></rect></a>`,
      )
      base += n
    }
  }
  if (byBucket.size === 0) parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no decisions in this range yet</text>`)
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="group" aria-label="${e(p.label)}">${parts.join('')}</svg>`
}

export function legend(keys: readonly string[]): string {
  return `<div class="legend" aria-hidden="true">${keys
    .map((k) => `<span><svg width="12" height="12"><rect class="${actionClass(k)}" width="12" height="12" rx="2"/></svg> ${e(k)}</span>`)
    .join('')}</div>`
}

/** A proportional bar for a table cell (decorative: the number is in the next cell). */
export function cellBar(n: number, max: number): string {
  const w = max <= 0 ? 0 : Math.max(n > 0 ? 1 : 0, Math.round((n / max) * 80))
  return `<svg width="80" height="10" aria-hidden="true"><rect class="bar" width="${w}" height="10" rx="2"/></svg>`
}
