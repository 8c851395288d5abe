// The console's model page: the model in force, a form to upload a model file (checked by the
// Worker's own model loader before anything is stored), the models stored in KV, and for each a
// "Dry run with this model" and a "Make active" button. Takes what the route read; returns HTML,
// every name escaped (a KV key is operator data, not ours).
import { CONSOLE_PATH } from '../../console/session'
import { consolePage, csrfField, e, type Signed } from './layout'

export interface ModelPageData {
  readonly nonce: string
  readonly signed: Signed
  /** What the config names (`model.active`), the version actually in force, and why they differ, if they do. */
  readonly active: { readonly name: string; readonly version: string; readonly problem: string | null }
  /** Names stored as `model:<name>` (null: KV could not be listed just now); `more`: the list was cut. */
  readonly stored: { readonly names: readonly string[]; readonly more: boolean } | null
  /** The model just uploaded (or found already stored, byte-identical). */
  readonly uploaded: { readonly version: string; readonly trees: number; readonly features: number; readonly featureVersion: string; readonly same: boolean } | null
  readonly bundledName: string
  readonly maxBytes: number
  readonly flash: string | null
  readonly error: string | null
}

const n = (x: number): string => x.toLocaleString('en-US')

/** The two actions on a stored model: both post only its name; the route builds the candidate config from the stored one. */
function actions(signed: Signed, name: string, active: boolean): string {
  const hidden = `${csrfField(signed)}<input type="hidden" name="version" value="${e(name)}">`
  return `<form method="post" action="${CONSOLE_PATH}/model/dryrun" class="inline">${hidden}<button type="submit" class="quiet" aria-label="Dry run with model ${e(name)}">Dry run with this model</button></form>
${active ? '<span class="badge">active</span>' : `<form method="post" action="${CONSOLE_PATH}/model/activate" class="inline">${hidden}<button type="submit" aria-label="Make model ${e(name)} active">Make active</button></form>`}`
}

export function modelPage(p: ModelPageData): string {
  const a = p.active
  const mb = (p.maxBytes / (1024 * 1024)).toFixed(0)
  const uploaded =
    p.uploaded === null
      ? ''
      : `<section class="panel" aria-labelledby="uploaded-h" id="uploaded"><h2 id="uploaded-h">${p.uploaded.same ? 'Already stored' : 'Stored'}: <code>model:${e(p.uploaded.version)}</code></h2>
<p>${p.uploaded.same ? 'This exact file was stored before; nothing was written. ' : ''}The Worker's model loader accepted it: ${n(p.uploaded.trees)} trees over ${n(p.uploaded.features)} features (feature set <code>${e(p.uploaded.featureVersion)}</code>). Nothing changes in force until you make it active.</p>
<p class="buttons">${actions(p.signed, p.uploaded.version, a.name === p.uploaded.version)}</p></section>`
  const rows = (names: readonly string[]) =>
    names
      .map((name) => {
        const usable = /^[A-Za-z0-9._-]{1,64}$/.test(name) && name !== p.bundledName
        const isActive = a.name === name
        return `<tr><td class="wrap"><code>${e(name)}</code>${isActive ? ' <span class="muted">(named by the config)</span>' : ''}</td><td>${usable ? actions(p.signed, name, isActive) : '<span class="muted">a name <code>model.active</code> cannot take</span>'}</td></tr>`
      })
      .join('')
  const table =
    p.stored === null
      ? '<p class="error">The models in KV could not be listed just now.</p>'
      : `<table><thead><tr><th scope="col">model</th><th scope="col"><span class="muted">act</span></th></tr></thead><tbody>
<tr><td><code>${e(p.bundledName)}</code> <span class="muted">the model bundled with the Worker</span></td><td>${actions(p.signed, p.bundledName, a.name === p.bundledName)}</td></tr>
${rows(p.stored.names)}</tbody></table>${p.stored.more ? '<p class="muted">More are stored than are listed here.</p>' : ''}`
  const body = `<h1>Model</h1>
<p class="muted">In force: <code>${e(a.version)}</code> (the config names <code>model.active: ${e(a.name)}</code>)${a.problem === null ? '' : ` · <span class="error">${e(a.problem)}</span>`}. Making a model active saves the config with <code>model.active</code> changed, exactly as the editor saves; this isolate uses it at once, others within 10 s.</p>
${p.flash === null ? '' : `<p class="ok" role="status">${e(p.flash)}</p>`}${p.error === null ? '' : `<p class="error" role="alert">${e(p.error)}</p>`}
${uploaded}
<h2>Upload a model</h2>
<form method="post" action="${CONSOLE_PATH}/model" enctype="multipart/form-data" class="panel editor">${csrfField(p.signed)}
<label for="model-file">Model file (<code>model.json</code> from <code>npm run train</code>, at most ${mb} MB)</label>
<input id="model-file" name="model" type="file" accept=".json,application/json" required>
<p class="muted">Checked by the Worker's own model loader; stored as <code>model:&lt;model_version&gt;</code> only when it loads. A version already stored is refused unless the file is byte-identical: give a retrained model a new <code>model_version</code>.</p>
<p class="buttons"><button type="submit">Upload and check</button></p></form>
<h2>Stored models</h2>
<div class="panel">${table}</div>`
  return consolePage({ title: 'Model', nonce: p.nonce, signed: p.signed, section: 'model', body })
}
