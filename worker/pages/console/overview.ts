// The console's overview: mode, config and model versions, what is missing, headline figures,
// actions over time (hour / day / week), per route class, top reasons, rules, hosts and sources —
// every bar and row a link to the decisions behind it. Takes the figures read by the route; returns HTML.
import type { SourceCount } from '../../../src/console/filter'
import { filterQuery, isMitigated, type SampleFilter } from '../../../src/console/filter'
import { RANGES, type Range } from '../../../src/console/range'
import { ACTIONS } from '../../../src/policy/decision'
import type { ConsoleView } from '../../counters/ZoneStats'
import { CONSOLE_PATH } from '../../console/session'
import { cellBar, legend, stackedBars } from './charts'
import { consolePage, csrfField, e, type Signed } from './layout'
import { wafPanel } from './waf'
import type { WafStatus } from '../../waf/sync'

type Windows = Record<'1m' | '10m' | '1h' | '24h', number>

export interface OverviewData {
  readonly nonce: string
  readonly signed: Signed
  readonly range: Range
  readonly view: ConsoleView | null
  readonly sources: Record<'ip' | 'asn' | 'country' | 'device' | 'user', SourceCount[]> | null
  readonly zone: { windows: Record<string, Windows>; loginFailureRatio10m: number | null } | null
  readonly denyActive: number | null
  readonly labels: { total: number; fraud: number; legitimate: number } | null
  /** The IP List sync, as the admin stats report it (null: not read). */
  readonly waf: WafStatus | null
  readonly mode: string
  readonly configVersion: string
  readonly model: string
  /** What could not be read or is degraded (fleet data, config). */
  readonly missing: readonly string[]
  readonly flash: string | null
  readonly error: string | null
}

export const decisionsHref = (f: SampleFilter): string => {
  const q = filterQuery(f)
  return `${CONSOLE_PATH}/decisions${q === '' ? '' : `?${q}`}`
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`)
const num = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toLocaleString('en-US'))

function card(k: string, v: string, note = ''): string {
  return `<div class="card"><div class="k">${e(k)}</div><div class="v">${e(v)}</div>${note === '' ? '' : `<div class="muted">${e(note)}</div>`}</div>`
}

function topTable(title: string, rows: readonly { key: string; n: number }[], link: (key: string) => string, empty: string): string {
  const max = Math.max(0, ...rows.map((r) => r.n))
  const body =
    rows.length === 0
      ? `<tr><td colspan="3" class="muted">${e(empty)}</td></tr>`
      : rows.map((r) => `<tr><td class="wrap"><a href="${e(link(r.key))}">${e(r.key)}</a></td><td class="n">${num(r.n)}</td><td>${cellBar(r.n, max)}</td></tr>`).join('')
  return `<section class="panel"><h2>${e(title)}</h2><table><thead><tr><th scope="col">${e(title.split(' ').pop() ?? '')}</th><th scope="col" class="n">count</th><th scope="col"><span class="muted">share</span></th></tr></thead><tbody>${body}</tbody></table></section>`
}

function sourcesTable(title: string, field: 'ip' | 'asn' | 'country' | 'device' | 'user', rows: readonly SourceCount[]): string {
  const body =
    rows.length === 0
      ? `<tr><td colspan="3" class="muted">none in the sample</td></tr>`
      : rows
          .map((r) => {
            const f: SampleFilter = field === 'asn' ? { asn: Number(r.key) } : field === 'user' ? {} : { [field]: r.key }
            const label = field === 'user' ? e(r.key.slice(0, 16)) + '…' : e(r.key)
            const cell = field === 'user' ? label : `<a href="${e(decisionsHref(f))}">${label}</a>`
            return `<tr><td class="wrap">${cell}</td><td class="n">${num(r.n)}</td><td class="n">${num(r.mitigated)}</td></tr>`
          })
          .join('')
  return `<section class="panel"><h2>${e(title)}</h2><table><thead><tr><th scope="col">${e(field)}</th><th scope="col" class="n">decisions</th><th scope="col" class="n">mitigated</th></tr></thead><tbody>${body}</tbody></table></section>`
}

export function overviewPage(d: OverviewData): string {
  const v = d.view
  const span = v?.span
  const actionTotals = v?.totals.action ?? []
  const requests = actionTotals.reduce((n, r) => n + r.n, 0)
  const mitigated = actionTotals.filter((r) => isMitigated(r.key)).reduce((n, r) => n + r.n, 0)
  const wouldMitigated = (v?.totals.would ?? []).filter((r) => isMitigated(r.key)).reduce((n, r) => n + r.n, 0)
  const w = d.zone?.windows
  const parts: string[] = []

  parts.push(`<h1>Overview</h1>`)
  if (d.flash !== null) parts.push(`<p class="ok" role="status">${e(d.flash)}</p>`)
  if (d.error !== null) parts.push(`<p class="error" role="alert">${e(d.error)}</p>`)
  parts.push(`<section class="panel"><dl class="kv">
<dt>Mode</dt><dd><span class="badge ${e(d.mode)}">${e(d.mode)}</span>
 <form method="post" action="${CONSOLE_PATH}/mode" class="inline">${csrfField(d.signed)}
 ${d.mode === 'enforce' ? '<input type="hidden" name="mode" value="shadow"><button type="submit" class="quiet">Switch to shadow</button>' : '<input type="hidden" name="mode" value="enforce"><button type="submit">Switch to enforce</button>'}</form></dd>
<dt>Config version</dt><dd><code>${e(d.configVersion)}</code></dd>
<dt>Model version</dt><dd><code>${e(d.model)}</code> <a href="${CONSOLE_PATH}/model">upload or switch</a></dd>
<dt>Missing</dt><dd>${d.missing.length === 0 ? 'nothing' : `<span class="error">${e(d.missing.join(', '))}</span>`}</dd>
</dl></section>`)

  parts.push(
    `<p class="rangepick">Range: ${RANGES.map((r) => `<a href="${CONSOLE_PATH}?range=${r}"${r === d.range ? ' aria-current="true"' : ''}>last ${r}</a>`).join('')}</p>`,
  )
  parts.push(`<div class="cards">
${card(`Decisions (last ${d.range})`, num(requests))}
${card('Mitigated', pct(requests === 0 ? null : mitigated / requests), `${num(mitigated)} blocked, challenged or limited`)}
${d.mode === 'enforce' ? '' : card('Would mitigate (enforce)', pct(requests === 0 ? null : wouldMitigated / requests), `${num(wouldMitigated)} in ${d.mode}`)}
${card('Login failure ratio (10 min)', pct(d.zone?.loginFailureRatio10m ?? null), w === undefined ? 'zone figures missing' : `${num(w.login_failures?.['10m'])} failed, ${num(w.login_successes?.['10m'])} ok`)}
${card('New IPs (1 h)', num(w?.new_ips?.['1h']), w === undefined ? '' : `of ${num(w.requests?.['1h'])} requests counted`)}
${card('Deny list', num(d.denyActive), 'active entries')}
${card('Labels', num(d.labels?.total), d.labels === null ? '' : `${num(d.labels.fraud)} fraud, ${num(d.labels.legitimate)} legitimate`)}
</div>`)

  if (v === null || span === undefined) {
    parts.push(`<p class="error">The zone's figures could not be read just now (the root object did not answer in time).</p>`)
  } else {
    const toMs = (bucket: number) => (span.fromMinute + bucket * span.bucketMinutes) * 60_000
    const bucketFilter = (bucket: number) => ({ from: toMs(bucket), to: toMs(bucket + 1) })
    const unit = span.bucketMinutes === 1 ? 'minute' : span.bucketMinutes === 60 ? 'hour' : `${span.bucketMinutes} minutes`
    parts.push(`<h2>Decisions per ${unit}, by action</h2><div class="panel">${legend(ACTIONS)}${stackedBars({
      points: v.actions,
      buckets: span.buckets,
      fromMinute: span.fromMinute,
      bucketMinutes: span.bucketMinutes,
      label: `Decisions per ${unit} by action, last ${d.range}; each bar segment links to its decisions`,
      href: (b, key) => decisionsHref({ action: key, ...bucketFilter(b) }),
    })}</div>`)
    if (d.mode !== 'enforce') {
      parts.push(`<h2>What enforce would have done, per ${unit}</h2><div class="panel">${stackedBars({
        points: v.would,
        buckets: span.buckets,
        fromMinute: span.fromMinute,
        bucketMinutes: span.bucketMinutes,
        label: `Would-be actions per ${unit}, last ${d.range}`,
        href: (b, key) => decisionsHref({ would: key, ...bucketFilter(b) }),
      })}</div>`)
    }
    parts.push(routeTable(v.totals.route))
    parts.push(`<div class="grid2">
${topTable('Top reasons', v.totals.reason, (k) => decisionsHref({ reason: k }), 'no reasons given in this range')}
${topTable('Top rules', v.totals.rule, (k) => decisionsHref({ rule: k }), 'no rule fired in this range')}
${topTable('Top hosts', v.totals.host, (k) => decisionsHref({ host: k }), 'no traffic in this range')}
</div>`)
    parts.push(`<h2>Top sources in the recent sample</h2><p class="muted">From the newest ${num(v.sampleSize)} decision lines kept for drill-down (not the whole range).</p>`)
    if (d.sources === null) parts.push(`<p class="error">The sample could not be read just now.</p>`)
    else
      parts.push(
        `<div class="grid2">${sourcesTable('By IP', 'ip', d.sources.ip)}${sourcesTable('By ASN', 'asn', d.sources.asn)}${sourcesTable('By country', 'country', d.sources.country)}${sourcesTable('By device', 'device', d.sources.device)}</div>`,
      )
  }
  parts.push(wafPanel(d.waf))
  return consolePage({ title: 'Overview', nonce: d.nonce, signed: d.signed, section: 'overview', body: parts.join('\n') })
}

function routeTable(rows: readonly { key: string; n: number }[]): string {
  const by = new Map<string, Map<string, number>>()
  for (const r of rows) {
    const [route = '', action = ''] = r.key.split('|')
    const m = by.get(route) ?? new Map<string, number>()
    m.set(action, (m.get(action) ?? 0) + r.n)
    by.set(route, m)
  }
  const cols = ACTIONS.filter((a) => [...by.values()].some((m) => (m.get(a) ?? 0) > 0))
  const routes = [...by].map(([route, m]) => ({ route, m, total: [...m.values()].reduce((a, b) => a + b, 0) })).sort((a, b) => b.total - a.total)
  const body =
    routes.length === 0
      ? `<tr><td colspan="${cols.length + 2}" class="muted">no traffic in this range</td></tr>`
      : routes
          .map(
            (r) =>
              `<tr><th scope="row"><a href="${e(decisionsHref({ route: r.route }))}">${e(r.route)}</a></th><td class="n">${num(r.total)}</td>${cols
                .map((a) => {
                  const n = r.m.get(a) ?? 0
                  return `<td class="n">${n === 0 ? '<span class="muted">0</span>' : `<a href="${e(decisionsHref({ route: r.route, action: a }))}">${num(n)}</a>`}</td>`
                })
                .join('')}</tr>`,
          )
          .join('')
  return `<h2>By route class</h2><div class="panel"><table><thead><tr><th scope="col">route class</th><th scope="col" class="n">decisions</th>${cols.map((a) => `<th scope="col" class="n">${e(a)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div>`
}
