// respond: takes a Decision (not allow), the request's Accept header, its reference id
// and its raw path; returns the shape of the Worker's own answer — status, headers and
// which body to render. Must not put any request input into the body except the
// validated same-origin return path (the reference id is ours).
import type { Decision } from '../policy/decision'
import { safeReturnPath } from './returnPath'

export const MITIGATED_HEADER = 'edgeward-mitigated'
export const REF_HEADER = 'edgeward-ref'

export type MitigationBody =
  | { readonly format: 'html'; readonly page: 'block' | 'rate_limit' }
  | { readonly format: 'html'; readonly page: 'challenge'; readonly returnPath: string }
  | { readonly format: 'json'; readonly json: Readonly<Record<string, string | number>> }

export interface Mitigation {
  readonly status: 403 | 429
  readonly headers: readonly (readonly [string, string])[]
  readonly body: MitigationBody
}

export function wantsHtml(accept: string | null): boolean {
  return accept !== null && /\btext\/html\b/i.test(accept)
}

export function respond(
  decision: Exclude<Decision, { action: 'allow' }>,
  accept: string | null,
  ref: string,
  rawPath: string,
): Mitigation {
  const html = wantsHtml(accept)
  const headers: [string, string][] = [
    [MITIGATED_HEADER, decision.action],
    [REF_HEADER, ref],
    ['cache-control', 'no-store'],
  ]
  switch (decision.action) {
    case 'block':
      return {
        status: 403,
        headers,
        body: html ? { format: 'html', page: 'block' } : { format: 'json', json: { error: 'blocked', ref } },
      }
    case 'rate_limit':
      headers.push(['retry-after', String(decision.retryAfterS)])
      return {
        status: 429,
        headers,
        body: html
          ? { format: 'html', page: 'rate_limit' }
          : { format: 'json', json: { error: 'rate_limited', ref, retry_after: decision.retryAfterS } },
      }
    case 'challenge':
      return {
        status: 403,
        headers,
        body: html
          ? { format: 'html', page: 'challenge', returnPath: safeReturnPath(rawPath) }
          : { format: 'json', json: { error: 'challenge_required', ref } },
      }
  }
}
