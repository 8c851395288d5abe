// Published crawler IP ranges (Googlebot's and Bingbot's JSON format): takes the fetched
// JSON, returns the validated CIDR strings, or why it is refused. Used by the Cron refresh
// and to verify a crawler User-Agent when request.cf.botManagement is not on the plan.
import { parseCidr } from '../config/cidr'
import { err, ok, type Result } from '../util/result'

export const MAX_CRAWLER_PREFIXES = 10_000

/** `{"prefixes":[{"ipv4Prefix":"66.249.64.0/27"},{"ipv6Prefix":"2001:4860:4801:10::/64"}]}` */
export function parseCrawlerRanges(json: unknown): Result<string[], 'bad_format' | 'too_large' | 'empty'> {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { prefixes?: unknown }).prefixes)) {
    return err('bad_format', 'expected an object with a "prefixes" array')
  }
  const prefixes = (json as { prefixes: unknown[] }).prefixes
  if (prefixes.length > MAX_CRAWLER_PREFIXES) return err('too_large', `more than ${MAX_CRAWLER_PREFIXES} prefixes`)
  const out: string[] = []
  for (const p of prefixes) {
    if (typeof p !== 'object' || p === null) return err('bad_format', 'a prefix entry is not an object')
    const text = (p as { ipv4Prefix?: unknown; ipv6Prefix?: unknown }).ipv4Prefix ?? (p as { ipv6Prefix?: unknown }).ipv6Prefix
    if (typeof text !== 'string' || !parseCidr(text).ok) return err('bad_format', `not a CIDR prefix: ${JSON.stringify(text).slice(0, 64)}`)
    out.push(text)
  }
  if (out.length === 0) return err('empty', 'no prefixes')
  return ok(out)
}
