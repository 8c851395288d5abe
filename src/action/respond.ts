// respond: takes a Decision (not allow), the request's Accept header, its reference id, its raw
// path and (optionally) its method, Referer and origin; returns the shape of the Worker's own
// answer — status, headers and which body to render. Must not put any request input into the
// body except the validated same-origin return path (the reference id is ours).
import type { MitigatingDecision } from '../policy/decision'
import { isReservedPath, normalisePath } from '../signals/path'
import { safeReturnPath } from './returnPath'

export const MITIGATED_HEADER = 'edgeward-mitigated'
export const REF_HEADER = 'edgeward-ref'
/** The longest return path a challenge carries. */
export const MAX_RETURN_CHARS = 2048

export type MitigationBody =
  | { readonly format: 'html'; readonly page: 'block' | 'rate_limit' }
  | { readonly format: 'html'; readonly page: 'challenge'; readonly returnPath: string; readonly difficulty: number }
  | { readonly format: 'json'; readonly json: Readonly<Record<string, string | number>> }

export interface Mitigation {
  readonly status: 403 | 429
  readonly headers: readonly (readonly [string, string])[]
  readonly body: MitigationBody
}

/** Where a challenged request came from: decides the page a challenge returns to. */
export interface ReturnContext {
  readonly method: string
  /** The Referer header as sent (untrusted). */
  readonly referer: string | null
  /** The request's own origin, e.g. `https://shop.example` (from the request URL). */
  readonly origin: string
}

export function wantsHtml(accept: string | null): boolean {
  return accept !== null && /\btext\/html\b/i.test(accept)
}

/** safeReturnPath, and never one of our own reserved paths (a challenge must not loop). */
export function challengeReturn(candidate: string | null | undefined): string {
  const path = safeReturnPath(candidate)
  // Resolving can grow a path (percent-encoding); what we sign stays within the same cap.
  if (path.length > MAX_RETURN_CHARS || path.startsWith('//')) return '/'
  return isReservedPath(normalisePath(path.split('?')[0] ?? '/')) ? '/' : path
}

/**
 * The page a challenge returns to. GET/HEAD: the request itself. Anything else (a form POST):
 * the form's page — the Referer when it is same-origin — else the same path, fetched with GET.
 */
export function challengeReturnPath(rawPath: string, context?: ReturnContext): string {
  const method = context?.method.toUpperCase() ?? 'GET'
  if (context === undefined || method === 'GET' || method === 'HEAD' || context.referer === null) return challengeReturn(rawPath)
  try {
    const referer = new URL(context.referer)
    if (referer.origin === context.origin && referer.origin !== 'null') {
      const path = challengeReturn(referer.pathname + referer.search)
      // '/' from anything but the home page means "refused" (e.g. one of our own pages).
      if (path !== '/' || referer.pathname === '/') return path
    }
  } catch {
    // Not a URL: fall through to the path itself.
  }
  return challengeReturn(rawPath)
}

export function respond(
  decision: MitigatingDecision,
  accept: string | null,
  ref: string,
  rawPath: string,
  context?: ReturnContext,
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
          ? { format: 'html', page: 'challenge', returnPath: challengeReturnPath(rawPath, context), difficulty: decision.difficulty }
          : { format: 'json', json: { error: 'challenge_required', ref } },
      }
  }
}
