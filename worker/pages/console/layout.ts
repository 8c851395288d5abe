// The console's page shell: one stylesheet (nonce'd, light and dark), the navigation and the
// sign-out form, and the sign-in page. Takes trusted page parts (every dynamic value already
// passed through `e`); returns HTML. No script: the console works with links and forms only.
import { escapeHtml } from '../html'
import { CONSOLE_PATH } from '../../console/session'

export const e = escapeHtml

/** Where a signed-in page's forms send their CSRF token. */
export interface Signed {
  readonly csrf: string
}

export const csrfField = (s: Signed): string => `<input type="hidden" name="csrf" value="${e(s.csrf)}">`

/** CSP of every console page: our nonce'd stylesheet, no script at all, forms to ourselves only. */
export function consoleCsp(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self'; script-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`
}

const STYLE = `
:root{color-scheme:light dark;--bg:#fbfbfa;--fg:#1d1f21;--muted:#5a5f66;--line:#d9dcdf;--card:#fff;--accent:#1f5fbf;--bad:#b3261e;
--allow:#7c8a99;--review:#2f7fd8;--challenge:#d99a00;--rate_limit:#8a5cd6;--block:#d23c2f;--other:#9aa3ab}
@media (prefers-color-scheme:dark){:root{--bg:#141619;--fg:#e6e8ea;--muted:#a2a9b1;--line:#33383e;--card:#1c1f23;--accent:#7fb0ff;--bad:#ff8a80;
--allow:#8796a5;--review:#5aa2ff;--challenge:#f0b429;--rate_limit:#b08cff;--block:#ff6b5e;--other:#6c757d}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
header.top{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.6rem 1.2rem;border-bottom:1px solid var(--line);background:var(--card)}
header.top .brand{font-weight:700;margin-right:1rem}header.top nav{display:flex;gap:1rem;flex:1}header.top nav a[aria-current=page]{font-weight:700;text-decoration:none;color:var(--fg)}
main{padding:1rem 1.2rem 3rem;max-width:78rem;margin:0 auto}h1{font-size:1.35rem;margin:.4rem 0 1rem}h2{font-size:1.05rem;margin:1.6rem 0 .5rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10.5rem,1fr));gap:.7rem}.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem}
.card .k{color:var(--muted);font-size:.82rem}.card .v{font-size:1.35rem;font-weight:650;font-variant-numeric:tabular-nums}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.85rem}td.n{text-align:right}td.wrap{overflow-wrap:anywhere}td.t{white-space:nowrap}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem;overflow-x:auto}
svg.chart{width:100%;height:auto;display:block}svg text{fill:var(--muted);font-size:11px}svg .grid{stroke:var(--line)}
.a-allow{fill:var(--allow)}.a-review{fill:var(--review)}.a-challenge{fill:var(--challenge)}.a-rate_limit{fill:var(--rate_limit)}.a-block{fill:var(--block)}.a-other{fill:var(--other)}
svg a:focus rect,svg a:hover rect{stroke:var(--fg);stroke-width:1.5}
.legend{display:flex;flex-wrap:wrap;gap:.8rem;font-size:.85rem;color:var(--muted);margin:.3rem 0}.legend svg{vertical-align:-2px}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:999px;border:1px solid var(--line);font-size:.82rem;font-weight:600}
.badge.enforce{border-color:var(--block);color:var(--block)}.badge.shadow{border-color:var(--challenge)}.badge.off{border-color:var(--muted)}
.act-allow{color:var(--muted)}.act-block{color:var(--block);font-weight:600}.act-challenge,.act-rate_limit{font-weight:600}
.muted{color:var(--muted)}.error{color:var(--bad);font-weight:600}.ok{font-weight:600}
form.inline{display:inline}button,input,select{font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.3rem .6rem}
button{cursor:pointer;background:var(--accent);color:#fff;border-color:var(--accent)}button.quiet{background:var(--card);color:var(--fg);border-color:var(--line)}
.rangepick a{margin-right:.7rem}.rangepick a[aria-current=true]{font-weight:700;color:var(--fg);text-decoration:none}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;word-break:break-all}
.signin{max-width:24rem;margin:5rem auto}.signin label{display:block;margin:.8rem 0 .3rem}.signin input{width:100%}.signin button{margin-top:1rem}
.bar{fill:var(--accent)}code{font-size:.9em}
form.editor label{display:block;margin:.8rem 0 .3rem;color:var(--muted)}form.editor textarea{width:100%;font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem}
.buttons{display:flex;gap:.6rem;margin:.6rem 0}ul.problems li{margin:.2rem 0}h3{font-size:.95rem;margin:1rem 0 .4rem}
`

export function styleTag(nonce: string): string {
  return `<style nonce="${e(nonce)}">${STYLE}</style>`
}

export type Section = 'overview' | 'decisions' | 'denylist' | 'config' | 'dryrun' | 'model'

export function consolePage(p: { title: string; nonce: string; body: string; signed: Signed | null; section?: Section }): string {
  const link = (href: string, label: string, s: Section) => `<a href="${e(href)}"${p.section === s ? ' aria-current="page"' : ''}>${label}</a>`
  const header =
    p.signed === null
      ? ''
      : `<header class="top"><span class="brand">edgeward console</span><nav aria-label="Console">${link(CONSOLE_PATH, 'Overview', 'overview')}${link(`${CONSOLE_PATH}/decisions`, 'Decisions', 'decisions')}${link(`${CONSOLE_PATH}/denylist`, 'Deny list', 'denylist')}${link(`${CONSOLE_PATH}/config`, 'Config', 'config')}${link(`${CONSOLE_PATH}/dryrun`, 'Dry run', 'dryrun')}${link(`${CONSOLE_PATH}/model`, 'Model', 'model')}</nav>
<form method="post" action="${CONSOLE_PATH}/session/end" class="inline">${csrfField(p.signed)}<button type="submit" class="quiet">Sign out</button></form></header>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<meta name="referrer" content="same-origin"><title>${e(p.title)} · edgeward</title>${styleTag(p.nonce)}</head>
<body>${header}<main>${p.body}</main></body></html>`
}

/** The sign-in form: says nothing about the zone. */
export function signInPage(nonce: string, error: string | null): string {
  const body = `<div class="signin"><h1>edgeward console</h1>
<p class="muted">Sign in with the admin token.</p>
${error === null ? '' : `<p class="error" role="alert">${e(error)}</p>`}
<form method="post" action="${CONSOLE_PATH}/session">
<label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form></div>`
  return consolePage({ title: 'Sign in', nonce, body, signed: null })
}

/** A small page for a refused or failed action, with the way back. */
export function messagePage(nonce: string, signed: Signed | null, title: string, message: string, back: string): string {
  return consolePage({ title, nonce, signed, body: `<h1>${e(title)}</h1><p class="error" role="alert">${e(message)}</p><p><a href="${e(back)}">Back</a></p>` })
}
