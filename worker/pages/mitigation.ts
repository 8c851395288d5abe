// The Worker's mitigation pages: block, rate limit and the challenge interstitial.
// Take only our reference id (and a validated return path); reflect nothing else.
import { escapeHtml, pageShell } from './html'

export function blockPage(ref: string): string {
  return pageShell({
    title: 'Access denied',
    body: `<h1>Access denied</h1><p>This request was blocked by the site's security service.</p>
<p class="muted">If you think this is a mistake, contact the site and quote reference <code>${escapeHtml(ref)}</code>.</p>`,
  })
}

export function rateLimitPage(ref: string, retryAfterS: number): string {
  return pageShell({
    title: 'Too many requests',
    body: `<h1>Too many requests</h1><p>Please wait ${Math.round(retryAfterS)} seconds and try again.</p>
<p class="muted">Reference <code>${escapeHtml(ref)}</code>.</p>`,
  })
}
