// Renders a Mitigation (from src/action/respond) into a Response: the page or JSON body,
// the edgeward-* headers, a strict CSP. Takes only the plan and our reference id.
import type { Mitigation } from '../../src/action/respond'
import { pageCsp } from './html'
import { challengePage } from './challenge'
import { blockPage, rateLimitPage } from './mitigation'

/** `ticket`: the signed difficulty for a challenge page (worker/challenge/ticket.ts); without one it asks the most. */
export function mitigationResponse(m: Mitigation, ref: string, ticket?: string | null): Response {
  const headers = new Headers(m.headers as [string, string][])
  headers.set('x-content-type-options', 'nosniff')
  if (m.body.format === 'json') {
    headers.set('content-type', 'application/json; charset=utf-8')
    return new Response(JSON.stringify(m.body.json), { status: m.status, headers })
  }
  headers.set('content-type', 'text/html; charset=utf-8')
  switch (m.body.page) {
    case 'block':
      headers.set('content-security-policy', pageCsp())
      return new Response(blockPage(ref), { status: m.status, headers })
    case 'rate_limit':
      headers.set('content-security-policy', pageCsp())
      return new Response(rateLimitPage(ref, Number(headers.get('retry-after') ?? 60)), { status: m.status, headers })
    case 'challenge': {
      const page = challengePage(ref, m.body.returnPath, ticket)
      headers.set('content-security-policy', pageCsp(page.nonce))
      return new Response(page.html, { status: m.status, headers })
    }
  }
}
