// The Cloudflare IP List sync's state as a console panel (overview and deny list): configured or not,
// rows queued, the next attempt, consecutive failures, the last success and the last error with its
// time, and what was added, lifted and dropped. Takes the `waf` part of the admin stats (null: the
// registry did not answer); returns HTML, every value escaped. No `.badge`: the mode's is the page's one.
import type { WafStatus } from '../../waf/sync'
import { e } from './layout'

const when = (ms: number | null): string => (ms === null ? 'never' : `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`)
const n = (x: number): string => x.toLocaleString('en-US')

export function wafPanel(waf: WafStatus | null): string {
  const head = '<h2 id="waf-h">WAF IP List sync</h2>'
  if (waf === null) return `<section class="panel" aria-labelledby="waf-h" id="waf">${head}<p class="error">The sync's state could not be read just now (the registry did not answer in time).</p></section>`
  const state = !waf.configured
    ? '<strong>off</strong> <span class="muted">not configured (EDGEWARD_CF_API_TOKEN, EDGEWARD_WAF_ACCOUNT_ID, EDGEWARD_WAF_LIST_ID): deny entries block in the Worker only</span>'
    : waf.failures > 0
      ? `<strong class="error">failing</strong> <span class="muted">${n(waf.failures)} failed ${waf.failures === 1 ? 'sync' : 'syncs'} in a row; retrying with back-off</span>`
      : '<strong>on</strong>'
  const lastError = waf.last_error === null ? 'none' : `<code class="error">${e(waf.last_error)}</code> at ${e(when(waf.last_error_at))}`
  return `<section class="panel" aria-labelledby="waf-h" id="waf">${head}<dl class="kv">
<dt>State</dt><dd>${state}</dd>
<dt>Queued</dt><dd>${e(n(waf.queued))} ${waf.queued === 1 ? 'IP' : 'IPs'} waiting${waf.next_attempt_at === null ? '' : `; next attempt ${e(when(waf.next_attempt_at))}`}</dd>
<dt>Last success</dt><dd>${e(when(waf.last_ok_at))}</dd>
<dt>Last error</dt><dd>${lastError}</dd>
<dt>Sent</dt><dd>${e(n(waf.added))} added, ${e(n(waf.lifted))} lifted, ${e(n(waf.dropped))} dropped (queue full)</dd>
</dl></section>`
}
