// The challenge interstitial: takes our reference id and a validated same-origin return
// path, returns the page and its CSP nonce. The page sends the browser to the
// challenge flow under /__edgeward/challenge, which returns it to the page it asked for.
import { escapeHtml, pageShell } from './html'

export function challengePage(ref: string, returnPath: string): { html: string; nonce: string } {
  const nonce = crypto.randomUUID().replace(/-/g, '')
  const target = `/__edgeward/challenge?return=${encodeURIComponent(returnPath)}`
  const html = pageShell({
    title: 'Checking your browser',
    nonce,
    script: `location.replace(${JSON.stringify(target)})`,
    body: `<h1>Checking your browser…</h1><p>This takes a moment and happens once.</p>
<p><a href="${escapeHtml(target)}">Continue</a></p><p class="muted">Reference <code>${escapeHtml(ref)}</code>.</p>`,
  })
  return { html, nonce }
}
