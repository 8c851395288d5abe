// Drill-down filters: which sample lines a chart bar or a table row stands for. Takes untrusted
// query values; returns a checked filter (unknown or malformed values are dropped, never thrown).
import type { SampleLine } from './batch'

export interface SampleFilter {
  readonly action?: string
  readonly would?: string
  readonly route?: string
  readonly reason?: string
  readonly rule?: string
  readonly host?: string
  readonly ip?: string
  readonly asn?: number
  readonly country?: string
  readonly device?: string
  /** [from, to) in ms since the epoch. */
  readonly from?: number
  readonly to?: number
}

export const FILTER_KEYS = ['action', 'would', 'route', 'reason', 'rule', 'host', 'ip', 'asn', 'country', 'device', 'from', 'to'] as const

const TEXT = /^[\x20-\x7e]{1,128}$/

export function parseFilter(q: Readonly<Record<string, string | undefined>>): SampleFilter {
  const out: Record<string, string | number> = {}
  for (const k of ['action', 'would', 'route', 'reason', 'rule', 'host', 'ip', 'country', 'device'] as const) {
    const v = q[k]
    if (v !== undefined && TEXT.test(v)) out[k] = v
  }
  for (const k of ['asn', 'from', 'to'] as const) {
    const v = q[k]
    const n = v === undefined || v === '' ? Number.NaN : Number(v)
    if (Number.isSafeInteger(n) && n >= 0) out[k] = n
  }
  return out as SampleFilter
}

export function matches(s: SampleLine, f: SampleFilter): boolean {
  if (f.action !== undefined && s.action !== f.action) return false
  if (f.would !== undefined && s.would_action !== f.would) return false
  if (f.route !== undefined && s.route !== f.route) return false
  if (f.reason !== undefined && !s.reasons.includes(f.reason)) return false
  if (f.rule !== undefined && !s.rules.includes(f.rule)) return false
  if (f.host !== undefined && s.host !== f.host) return false
  if (f.ip !== undefined && s.ip !== f.ip) return false
  if (f.asn !== undefined && s.asn !== f.asn) return false
  if (f.country !== undefined && s.country !== f.country) return false
  if (f.device !== undefined && s.device !== f.device) return false
  if (f.from !== undefined && s.at < f.from) return false
  if (f.to !== undefined && s.at >= f.to) return false
  return true
}

/** The filter as query parameters (for links), in a fixed order. */
export function filterQuery(f: SampleFilter): string {
  const p = new URLSearchParams()
  for (const k of FILTER_KEYS) {
    const v = f[k]
    if (v !== undefined) p.set(k, String(v))
  }
  return p.toString()
}

export interface SourceCount {
  readonly key: string
  readonly n: number
  readonly mitigated: number
}

const MITIGATED: ReadonlySet<string> = new Set(['block', 'challenge', 'rate_limit'])
export const isMitigated = (action: string): boolean => MITIGATED.has(action)

/** Top values of one field over the sample, with how many of each were mitigated. */
export function topSources(lines: readonly SampleLine[], field: 'ip' | 'asn' | 'country' | 'device' | 'user', limit: number): SourceCount[] {
  const counts = new Map<string, { n: number; mitigated: number }>()
  for (const s of lines) {
    const v = s[field]
    if (v === null || v === undefined || v === '') continue
    const key = String(v)
    const c = counts.get(key) ?? { n: 0, mitigated: 0 }
    c.n++
    if (isMitigated(s.action)) c.mitigated++
    counts.set(key, c)
  }
  return [...counts]
    .map(([key, c]) => ({ key, ...c }))
    .sort((a, b) => b.n - a.n || b.mitigated - a.mitigated || a.key.localeCompare(b.key))
    .slice(0, limit)
}
