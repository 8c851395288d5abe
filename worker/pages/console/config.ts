// The console's config editor and dry run: the config text in a textarea with Validate, Save and
// "Dry run this first", every problem the schema finds at its path, and a dry run's result — how many
// sampled decisions the candidate would change, from what to what, where, with examples. Takes the
// config text (the operator's, shown escaped) and plain results; returns HTML. No script.
import { NOT_REDECIDED, VERDICTS, type DryRunResult, type NotRedecided } from '../../../src/console/dryrun'
import { CONSOLE_PATH } from '../../console/session'
import { consolePage, csrfField, e, type Signed } from './layout'
import { decisionsHref } from './overview'

export interface EditorState {
  /** The text in the textarea: the stored config, or what the operator posted. */
  readonly text: string
  /** Problems at their paths (schema issues, or why the text is no config at all). */
  readonly problems: readonly string[]
  readonly flash: string | null
  readonly error: string | null
  /** The stored version the text was loaded from (Save refuses it once another is stored); null: not known. */
  readonly base: string | null
}

const n = (x: number): string => x.toLocaleString('en-US')

function problemList(problems: readonly string[]): string {
  if (problems.length === 0) return ''
  return `<section class="panel" aria-labelledby="problems-h"><h2 id="problems-h" class="error">${n(problems.length)} problem${problems.length === 1 ? '' : 's'} — nothing was changed</h2>
<ul class="problems">${problems.map((p) => {
    const i = p.indexOf(': ')
    return i > 0 ? `<li><code>${e(p.slice(0, i))}</code>: ${e(p.slice(i + 2))}</li>` : `<li>${e(p)}</li>`
  }).join('')}</ul></section>`
}

/** The textarea and its three buttons; each button posts the same text to its own action. */
function editorForm(signed: Signed, text: string, primary: 'config' | 'dryrun', base: string | null): string {
  const save = `<button type="submit" formaction="${CONSOLE_PATH}/config"${primary === 'config' ? '' : ' class="quiet"'}>Save</button>`
  const validate = `<button type="submit" formaction="${CONSOLE_PATH}/config/validate" class="quiet">Validate</button>`
  const dry = `<button type="submit" formaction="${CONSOLE_PATH}/dryrun"${primary === 'dryrun' ? '' : ' class="quiet"'}>${primary === 'dryrun' ? 'Dry run' : 'Dry run this first'}</button>`
  return `<form method="post" action="${CONSOLE_PATH}/${primary}" class="editor">${csrfField(signed)}${base === null ? '' : `<input type="hidden" name="base" value="${e(base)}">`}
<label for="config-text">Config (JSON: names only what it changes over the bundled defaults; <code>version</code> is bumped on save when unchanged)</label>
<textarea id="config-text" name="config" rows="22" spellcheck="false" autocomplete="off">${e(text)}</textarea>
<p class="buttons">${primary === 'dryrun' ? `${dry} ${validate} ${save}` : `${validate} ${dry} ${save}`}</p></form>`
}

export function configPage(p: { nonce: string; signed: Signed; state: EditorState; inForce: string; status: string | null }): string {
  const s = p.state
  const body = `<h1>Config</h1>
<p class="muted">In force: version <code>${e(p.inForce)}</code>${p.status === null ? '' : ` · ${e(p.status)}`}. Save writes to KV only when the schema accepts the whole config; otherwise the one in force stays. Other isolates follow within their config cache time (10 s).</p>
${s.flash === null ? '' : `<p class="ok" role="status">${e(s.flash)}</p>`}${s.error === null ? '' : `<p class="error" role="alert">${e(s.error)}</p>`}
${problemList(s.problems)}
${editorForm(p.signed, s.text, 'config', s.base)}`
  return consolePage({ title: 'Config', nonce: p.nonce, signed: p.signed, section: 'config', body })
}

const cell = (x: number | undefined): string => (x === undefined || x === 0 ? '<td class="n muted">0</td>' : `<td class="n">${n(x)}</td>`)

function resultSection(r: DryRunResult, candidateVersion: string, mode: string): string {
  const rows = VERDICTS.filter((a) => r.matrix[a] !== undefined || VERDICTS.some((b) => r.matrix[b]?.[a] !== undefined))
  const matrix =
    r.redecided === 0
      ? '<p class="muted">No line could be re-decided.</p>'
      : `<table aria-describedby="matrix-h"><thead><tr><th scope="col">logged ↓ · candidate →</th>${rows.map((a) => `<th scope="col" class="n act-${e(a)}">${e(a)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((from) => `<tr><th scope="row" class="act-${e(from)}">${e(from)}</th>${rows.map((to) => cell(r.matrix[from]?.[to])).join('')}</tr>`).join('')}</tbody></table>`
  const perRoute =
    r.perRoute.length === 0
      ? ''
      : `<table><thead><tr><th scope="col">route class</th><th scope="col" class="n">re-decided</th><th scope="col" class="n">flips</th></tr></thead><tbody>${r.perRoute
          .map((x) => `<tr><td><a href="${e(decisionsHref({ route: x.route }))}">${e(x.route)}</a></td><td class="n">${n(x.redecided)}</td>${cell(x.flips)}</tr>`)
          .join('')}</tbody></table>`
  const why = (Object.keys(NOT_REDECIDED) as NotRedecided[]).filter((k) => r.notRedecided[k] > 0)
  const notRedecided = why.length === 0 ? '' : `<h3>Could not be re-decided</h3><ul>${why.map((k) => `<li>${n(r.notRedecided[k])}: ${e(NOT_REDECIDED[k])}</li>`).join('')}</ul>`
  const examples =
    r.examples.length === 0
      ? '<p class="muted">No flips.</p>'
      : `<table><thead><tr><th scope="col">ref</th><th scope="col">logged</th><th scope="col">candidate</th><th scope="col">route</th><th scope="col">request</th><th scope="col">user agent</th><th scope="col">why now</th></tr></thead><tbody>${r.examples
          .map(
            (x) => `<tr><td><a href="${CONSOLE_PATH}/decisions/${e(encodeURIComponent(x.ref))}">${e(x.ref)}</a></td><td class="act-${e(x.from)}">${e(x.from)}</td><td class="act-${e(x.to)}">${e(x.to)}</td>
<td>${e(x.route)}</td><td class="wrap">${e(x.method)} ${e(x.host)}${e(x.path)}</td><td class="wrap">${e(x.ua)}</td><td class="wrap">${x.reasons.map((y) => e(y)).join(', ')}</td></tr>`,
          )
          .join('')}</tbody></table>`
  return `<section class="panel" aria-labelledby="result-h"><h2 id="result-h">Dry run of <code>${e(candidateVersion)}</code> — nothing changed in force</h2>
<div class="cards">
<div class="card"><div class="k">lines in the sample</div><div class="v">${n(r.lines)}</div></div>
<div class="card"><div class="k">with features</div><div class="v">${n(r.withFeatures)}</div></div>
<div class="card"><div class="k">re-decided</div><div class="v" id="redecided">${n(r.redecided)}</div></div>
<div class="card"><div class="k">flips</div><div class="v" id="flips">${n(r.flips)}</div></div>
<div class="card"><div class="k">could not be re-decided</div><div class="v">${n(r.lines - r.redecided)}</div></div>
</div>
<p class="muted">Verdicts are what enforce would do (the log's <code>would_action</code>); the candidate's mode is <code>${e(mode)}</code>.${r.rescored > 0 ? ` ${n(r.rescored)} ${r.rescored === 1 ? 'line was' : 'lines were'} re-scored by the candidate's model (the others keep their logged score).` : ''}</p>
<div class="grid2"><div><h3 id="matrix-h">Logged verdict × candidate verdict</h3>${matrix}</div><div><h3>Flips per route class</h3>${perRoute || '<p class="muted">—</p>'}</div></div>
${notRedecided}
<h3>Examples (the newest ${r.examples.length} flips)</h3>${examples}</section>`
}

export function dryrunPage(p: { nonce: string; signed: Signed; state: EditorState; result: { r: DryRunResult; version: string; mode: string } | null; inForce: string }): string {
  const s = p.state
  const body = `<h1>Dry run</h1>
<p class="muted">Re-decides the sampled decisions (the newest lines kept for drill-down, with their features) under a candidate config — the same rules and policy the Worker runs — and shows what would change. Nothing is written; the config in force (<code>${e(p.inForce)}</code>) stays.</p>
${s.error === null ? '' : `<p class="error" role="alert">${e(s.error)}</p>`}
${problemList(s.problems)}
${p.result === null ? '' : resultSection(p.result.r, p.result.version, p.result.mode)}
${editorForm(p.signed, s.text, 'dryrun', s.base)}`
  return consolePage({ title: 'Dry run', nonce: p.nonce, signed: p.signed, section: 'dryrun', body })
}
