// The console's drill-down: recent decisions matching a filter, and one decision by ref — the
// line, its reasons and rules in words, its features — with the forms to label it and deny its
// source. Takes sample lines (hostile text: paths, User-Agents) and the config's rules; returns HTML.
import { parseIp } from '../../../src/config/cidr'
import type { SampleLine } from '../../../src/console/batch'
import type { SampleFilter } from '../../../src/console/filter'
import { FEATURES } from '../../../src/features/list'
import { CONSOLE_PATH } from '../../console/session'
import { consolePage, csrfField, e, type Signed } from './layout'
import { decisionsHref } from './overview'
import { wafPanel } from './waf'
import type { WafStatus } from '../../waf/sync'

export interface RuleText {
  readonly name: string
  readonly when: string
  readonly action?: string | undefined
  readonly weight?: number | undefined
}

const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19)

function filterChips(f: SampleFilter): string {
  const entries = Object.entries(f).filter(([, v]) => v !== undefined)
  if (entries.length === 0) return '<p class="muted">All recent decisions.</p>'
  const shown = entries.map(([k, v]) => `<code>${e(k)} = ${e(k === 'from' || k === 'to' ? `${time(Number(v))} UTC` : String(v))}</code>`).join(' ')
  return `<p>Filter: ${shown} · <a href="${CONSOLE_PATH}/decisions">clear</a></p>`
}

export function decisionsPage(p: { nonce: string; signed: Signed; filter: SampleFilter; lines: readonly SampleLine[]; matched: number; scanned: number }): string {
  const rows =
    p.lines.length === 0
      ? `<tr><td colspan="8" class="muted">No decision in the sample matches.</td></tr>`
      : p.lines
          .map(
            (s) => `<tr><td><a href="${CONSOLE_PATH}/decisions/${e(encodeURIComponent(s.ref))}">${e(s.ref)}</a></td><td class="t">${e(time(s.at))}</td>
<td class="act-${e(s.action)}">${e(s.action)}${s.would_action !== s.action ? ` <span class="muted">(would ${e(s.would_action)})</span>` : ''}</td>
<td><a href="${e(decisionsHref({ route: s.route }))}">${e(s.route)}</a></td><td class="wrap">${e(s.method)} ${e(s.host)}${e(s.path)}</td>
<td><a href="${e(decisionsHref({ ip: s.ip }))}">${e(s.ip)}</a></td><td class="n">${e(s.risk.toFixed(3))}</td><td class="wrap">${s.reasons.map((r) => e(r)).join(', ')}</td></tr>`,
          )
          .join('')
  const body = `<h1>Decisions</h1>${filterChips(p.filter)}
<p class="muted">${p.matched.toLocaleString('en-US')} of the ${p.scanned.toLocaleString('en-US')} most recent decisions kept for drill-down match${p.matched > p.lines.length ? `; the newest ${p.lines.length} are shown` : ''}.</p>
<div class="panel"><table><thead><tr><th scope="col">ref</th><th scope="col">time (UTC)</th><th scope="col">action</th><th scope="col">route</th><th scope="col">request</th><th scope="col">ip</th><th scope="col" class="n">risk</th><th scope="col">reasons</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
  return consolePage({ title: 'Decisions', nonce: p.nonce, signed: p.signed, section: 'decisions', body })
}

const FEATURE_MEANING: ReadonlyMap<string, string> = new Map(FEATURES.map((f) => [f.name as string, f.meaning]))

/** One reason in words: a rule (its condition and effect), a model feature (its meaning and value), or the code itself. */
export function explainReason(reason: string, rules: readonly RuleText[], features: Readonly<Record<string, number>> | null): string {
  const rule = rules.find((r) => r.name === reason)
  if (rule !== undefined) {
    const effect = rule.action !== undefined ? `acts: ${rule.action}` : rule.weight !== undefined ? `adds ${rule.weight >= 0 ? '+' : ''}${rule.weight} to the risk` : 'matches'
    return `<strong>rule ${e(rule.name)}</strong> — ${e(effect)} when <code>${e(rule.when)}</code>`
  }
  const meaning = FEATURE_MEANING.get(reason)
  if (meaning !== undefined) {
    const value = features?.[reason]
    return `<strong>model: ${e(reason)}</strong> — ${e(meaning)}${value === undefined ? '' : ` (this request: <code>${e(String(value))}</code>)`}; one of the features that raised the score most`
  }
  return `<strong>${e(reason)}</strong>`
}

/**
 * A line's ip when it is one whole address (the config logs IPs in full): never a keyed hash (hex,
 * which a loose pattern takes for an IPv6 address) or a truncated /24 or /48 (denying that would
 * deny one address that is not the client's, or — read as a range — everyone behind it).
 */
export function isFullIp(ip: string): boolean {
  if (ip.includes('/')) return false
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return parseIp(ip) !== undefined
  return ip.includes(':') && parseIp(ip) !== undefined
}

export function decisionPage(p: { nonce: string; signed: Signed; line: SampleLine; rules: readonly RuleText[]; flash: string | null; error: string | null }): string {
  const s = p.line
  const field = (k: string, v: string) => `<dt>${e(k)}</dt><dd>${v}</dd>`
  const plain = (v: unknown) => (v === null || v === undefined || v === '' ? '<span class="muted">—</span>' : e(String(v)))
  const features = s.features === null ? [] : Object.entries(s.features)
  const ipDenyable = isFullIp(s.ip)
  const body = `<h1>Decision <code>${e(s.ref)}</code></h1>
${p.flash === null ? '' : `<p class="ok" role="status">${e(p.flash)}</p>`}${p.error === null ? '' : `<p class="error" role="alert">${e(p.error)}</p>`}
<div class="grid2"><section class="panel"><h2>The line</h2><dl class="kv">
${field('time (UTC)', e(time(s.at)))}${field('action', `<span class="act-${e(s.action)}">${e(s.action)}</span>`)}${field('would action', plain(s.would_action))}${field('mode', plain(s.mode))}
${field('risk', `${e(s.risk.toFixed(3))}${s.model_risk === null ? '' : ` <span class="muted">(model alone ${e(s.model_risk.toFixed(3))})</span>`}`)}
${field('request', `${e(s.method)} ${e(s.host)}${e(s.path)}`)}${field('route class', `<a href="${e(decisionsHref({ route: s.route }))}">${e(s.route)}</a>`)}
${field('ip', `<a href="${e(decisionsHref({ ip: s.ip }))}">${e(s.ip)}</a>`)}${field('asn', s.asn === null ? plain(null) : `<a href="${e(decisionsHref({ asn: s.asn }))}">${e(String(s.asn))}</a>`)}
${field('country', plain(s.country))}${field('device', s.device === null ? plain(null) : `<a href="${e(decisionsHref({ device: s.device }))}">${e(s.device)}</a>`)}
${field('user (keyed hash)', plain(s.user))}${field('signed agent', plain(s.agent))}${field('user agent', plain(s.ua))}
${field('origin status', plain(s.origin_status))}${field('worker status', plain(s.status))}${field('detail', plain(s.detail))}
${field('missing', s.missing.length === 0 ? 'nothing' : e(s.missing.join(', ')))}${field('config', plain(s.config))}${field('model', plain(s.model))}
</dl></section>
<section class="panel"><h2>Why</h2>${
    s.reasons.length === 0 ? '<p class="muted">No reason given: nothing stood out.</p>' : `<ol>${s.reasons.map((r) => `<li>${explainReason(r, p.rules, s.features)}</li>`).join('')}</ol>`
  }
<h2>Rules that fired</h2>${s.rules.length === 0 ? '<p class="muted">None.</p>' : `<ul>${s.rules.map((r) => `<li>${explainReason(r, p.rules, null)}</li>`).join('')}</ul>`}
<h2>Label</h2>
<form method="post" action="${CONSOLE_PATH}/labels">${csrfField(p.signed)}<input type="hidden" name="ref" value="${e(s.ref)}">
<label for="label-of">Label</label> <select id="label-of" name="of"><option value="ref">this decision</option>${s.device === null ? '' : '<option value="device">its device</option>'}${s.user === null ? '' : '<option value="user">its user</option>'}</select>
<button type="submit" name="label" value="fraud">Fraud</button> <button type="submit" name="label" value="legitimate" class="quiet">Legitimate</button></form>
<h2>Deny its source</h2>
<form method="post" action="${CONSOLE_PATH}/denylist">${csrfField(p.signed)}<input type="hidden" name="ref" value="${e(s.ref)}">
<label for="deny-kind">Source</label> <select id="deny-kind" name="kind">${ipDenyable ? `<option value="ip">ip ${e(s.ip)}</option>` : ''}${s.device === null ? '' : `<option value="device">device ${e(s.device)}</option>`}</select>
<input type="hidden" name="ip" value="${e(s.ip)}"><input type="hidden" name="device" value="${e(s.device ?? '')}">
<label for="deny-ttl">for</label> <select id="deny-ttl" name="ttl_s"><option value="3600">1 hour</option><option value="86400" selected>1 day</option><option value="604800">7 days</option></select>
<button type="submit">Deny</button></form>
${!ipDenyable && s.device === null ? '<p class="muted">This line has neither a full IP nor a device to deny.</p>' : ''}
</section></div>
${
  features.length === 0
    ? ''
    : `<details class="panel"><summary>Features (${features.length})</summary><table><thead><tr><th scope="col">feature</th><th scope="col" class="n">value</th><th scope="col">meaning</th></tr></thead><tbody>${features
        .map(([k, v]) => `<tr><td><code>${e(k)}</code></td><td class="n">${e(String(v))}</td><td class="muted">${e(FEATURE_MEANING.get(k) ?? '')}</td></tr>`)
        .join('')}</tbody></table></details>`
}`
  return consolePage({ title: `Decision ${s.ref}`, nonce: p.nonce, signed: p.signed, section: 'decisions', body })
}

export interface DenyRow {
  readonly kind: string
  readonly value: string | { user: string; ip: string }
  readonly reason: string
  readonly expires_at: number
}

export function denylistPage(p: { nonce: string; signed: Signed; entries: readonly DenyRow[] | null; waf: WafStatus | null; flash: string | null; error: string | null }): string {
  const rows =
    p.entries === null
      ? `<tr><td colspan="4" class="error">The deny list could not be read just now.</td></tr>`
      : p.entries.length === 0
        ? `<tr><td colspan="4" class="muted">The deny list is empty.</td></tr>`
        : p.entries
            .map((d) => {
              const shown = typeof d.value === 'string' ? d.value : `${d.value.user} @ ${d.value.ip}`
              const hidden = typeof d.value === 'string' ? `<input type="hidden" name="value" value="${e(d.value)}">` : `<input type="hidden" name="user" value="${e(d.value.user)}"><input type="hidden" name="ip" value="${e(d.value.ip)}">`
              return `<tr><td>${e(d.kind)}</td><td class="wrap"><code>${e(shown)}</code></td><td>${e(d.reason)}</td><td>${e(time(d.expires_at))}</td>
<td><form method="post" action="${CONSOLE_PATH}/denylist/lift" class="inline">${csrfField(p.signed)}<input type="hidden" name="kind" value="${e(d.kind)}">${hidden}<button type="submit" class="quiet" aria-label="Lift ${e(d.kind)} ${e(shown)}">Lift</button></form></td></tr>`
            })
            .join('')
  const body = `<h1>Deny list</h1>
${p.flash === null ? '' : `<p class="ok" role="status">${e(p.flash)}</p>`}${p.error === null ? '' : `<p class="error" role="alert">${e(p.error)}</p>`}
<div class="panel"><table><thead><tr><th scope="col">kind</th><th scope="col">source</th><th scope="col">reason</th><th scope="col">expires (UTC)</th><th scope="col"><span class="muted">act</span></th></tr></thead><tbody>${rows}</tbody></table></div>
<h2>Add an entry</h2>
<form method="post" action="${CONSOLE_PATH}/denylist" class="panel">${csrfField(p.signed)}
<label for="add-kind">Kind</label> <select id="add-kind" name="kind"><option value="ip">ip</option><option value="device">device</option></select>
<label for="add-value">Value</label> <input id="add-value" name="value" required maxlength="128">
<label for="add-ttl">for</label> <select id="add-ttl" name="ttl_s"><option value="3600">1 hour</option><option value="86400" selected>1 day</option><option value="604800">7 days</option></select>
<label for="add-reason">Reason</label> <input id="add-reason" name="reason" maxlength="200" value="console">
<button type="submit">Add</button></form>
${wafPanel(p.waf)}`
  return consolePage({ title: 'Deny list', nonce: p.nonce, signed: p.signed, section: 'denylist', body })
}
