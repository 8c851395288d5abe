// The operator console under /__edgeward/console: sign-in with the admin token, then server-rendered
// pages (overview, decisions, one decision, deny list, config, dry run, model) and forms that act
// (label, deny, lift, mode, save, upload a model and make it active).
// Takes browser requests; returns HTML. Refused like the admin API (401) when no admin token is
// configured; every page but the sign-in form needs a valid session, every form a session-bound
// CSRF token from our own origin. Bad input gets a page saying so, never a 500.
import { Hono, type Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { applyEdit, isMode, nextVersion, parseStored } from '../../src/cli/configEdit'
import { dryRun } from '../../src/console/dryrun'
import { CODE_FEATURES, defaultModel, swapModel, type CompiledModel } from '../../src/model'
import { configPage, dryrunPage, type EditorState } from '../pages/console/config'
import { modelPage } from '../pages/console/model'
import { readCappedBody } from '../body'
import { ROOT_SAMPLE_CAP } from '../../src/console/batch'
import { parseFilter } from '../../src/console/filter'
import { isRange } from '../../src/console/range'
import { parseDenyAdd, parseDenyRemove, type LabelInput } from '../../src/counters/adminInput'
import { ZONE_ROOT_NAME } from '../../src/counters/keys'
import { CONFIG_KEY, forgetCachedConfig, loadConfig } from '../config/load'
import { compileConfig } from '../../src/config/compileConfig'
import { consoleCsp, messagePage, signInPage, type Signed } from '../pages/console/layout'
import { decisionPage, decisionsPage, denylistPage } from '../pages/console/decisions'
import { overviewPage } from '../pages/console/overview'
import { adminCall, denyView, listDeny, readCappedText, readStats, registry, sameSecret } from '../counters/admin'
import { denySource } from '../counters/client'
import { unblockSource } from '../counters/unblock'
import { activeModel, activeModelVersion, BUNDLED_MODEL_NAME } from '../model/active'
import { withDeadline } from '../deadline'
import { randomId } from '../sdk/nonce'
import { err } from '../../src/util/result'
import {
  CONSOLE_PATH,
  csrfMatches,
  csrfToken,
  fromOwnOrigin,
  issueSession,
  readSession,
  SESSION_COOKIE,
  SESSION_TTL_S,
  sessionCookie,
  sessionSecrets,
  type ConsoleSession,
  type SessionSecrets,
} from '../console/session'

type Vars = { session: ConsoleSession; signed: Signed; nonce: string; token: string; secrets: SessionSecrets | null }
type C = Context<{ Bindings: Env; Variables: Vars }>

export const consoleRoutes = new Hono<{ Bindings: Env; Variables: Vars }>()

const MAX_FORM = 8_192
/** A config posted to the editor or the dry run (URL-encoded, so about three times its JSON at worst). */
const MAX_CONFIG_FORM = 256 * 1_024
const LIST_LIMIT = 200
const KV_WRITE_BUDGET_MS = 5_000


function page(c: C, html: string, status: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 503 = 200): Response {
  c.header('content-security-policy', consoleCsp(c.var.nonce))
  c.header('x-content-type-options', 'nosniff')
  c.header('referrer-policy', 'same-origin') // not no-referrer: with it Chromium sends `Origin: null` on our own form posts
  c.header('x-frame-options', 'DENY')
  return c.html(html, status)
}

const isHttps = (c: C): boolean => new URL(c.req.url).protocol === 'https:'

/** Every console path: the admin API's refusal without a token, then the session (or the sign-in form). */
async function gate(c: C, next: () => Promise<void>): Promise<Response | void> {
  c.header('cache-control', 'no-store')
  const token = c.env.EDGEWARD_ADMIN_TOKEN
  if (token === undefined || token === '') {
    c.header('www-authenticate', 'Bearer realm="edgeward-admin"')
    return c.json({ error: 'unauthorized' }, 401)
  }
  c.set('token', token)
  c.set('nonce', randomId())
  const secrets = sessionSecrets(c.env)
  c.set('secrets', secrets)
  const path = new URL(c.req.url).pathname
  if (path === `${CONSOLE_PATH}/session` && c.req.method === 'POST') return next() // signing in
  // Without the server secret no session is issued, so none can be valid: every page is the sign-in form.
  const session = secrets === null ? err('none' as const) : await readSession(getCookie(c, SESSION_COOKIE), secrets, c.req.header('user-agent') ?? null, Date.now())
  if (!session.ok) {
    if (session.reason !== 'none') c.header('set-cookie', sessionCookie('', 0, isHttps(c)))
    // Only a cookie we never signed is a guess: 401, which the reserved guard counts as an admin auth
    // failure. A missing, expired or other-browser session is an operator who has to sign in again —
    // counted, a few stale tabs in an office would use up the whole address's budget with the admin API.
    if (session.reason === 'bad_signature' || session.reason === 'malformed') return page(c, signInPage(c.var.nonce, null), 401)
    const method = c.req.method
    const expired = session.reason === 'expired' || (session.reason === 'none' && c.req.query('signin') === 'expired')
    if (method === 'GET' || method === 'HEAD') return page(c, signInPage(c.var.nonce, expired ? 'Your session expired: sign in again.' : null), 200)
    // A form posted without a live session did nothing: back to the sign-in form.
    return c.redirect(expired ? `${CONSOLE_PATH}?signin=expired` : CONSOLE_PATH, 303)
  }
  c.set('session', session.value)
  c.set('signed', { csrf: await csrfToken(secrets as SessionSecrets, session.value.sid) })
  await next()
}
consoleRoutes.use(CONSOLE_PATH, gate)
consoleRoutes.use(`${CONSOLE_PATH}/*`, gate)

/** The form fields of a state-changing request, once its origin and CSRF token are checked; null when refused. */
async function checkedForm(c: C, needCsrf: boolean, maxBytes = MAX_FORM): Promise<URLSearchParams | Response> {
  if (!fromOwnOrigin(c.req.raw.headers, new URL(c.req.url).origin)) return page(c, messagePage(c.var.nonce, null, 'Refused', 'This form did not come from the console.', CONSOLE_PATH), 403)
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return page(c, messagePage(c.var.nonce, null, 'Refused', 'Expected a form.', CONSOLE_PATH), 400)
  const text = await readCappedText(c.req.raw, maxBytes)
  if (!text.ok) return page(c, messagePage(c.var.nonce, null, 'Refused', 'The form was too large or unreadable.', CONSOLE_PATH), 400)
  const form = new URLSearchParams(text.value)
  if (needCsrf && (c.var.secrets === null || !(await csrfMatches(form.get('csrf') ?? undefined, c.var.secrets, c.var.session.sid)))) {
    return page(c, messagePage(c.var.nonce, null, 'Refused', 'This form is stale or did not come from the console: reload the page and try again.', CONSOLE_PATH), 403)
  }
  return form
}

consoleRoutes.post(`${CONSOLE_PATH}/session`, async (c) => {
  const form = await checkedForm(c, false)
  if (form instanceof Response) return form
  const given = form.get('token') ?? ''
  if (given === '' || given.length > 1_024 || !(await sameSecret(given, c.var.token))) {
    return page(c, signInPage(c.var.nonce, 'That token is not the admin token.'), 401)
  }
  // A session key from the admin token alone would let anyone holding a cookie test token guesses offline.
  if (c.var.secrets === null) return page(c, signInPage(c.var.nonce, 'The console needs the EDGEWARD_USER_HASH_KEY secret to sign sessions; set it, then sign in.'), 503)
  const { jwt } = await issueSession(c.var.secrets, c.req.header('user-agent') ?? null, Date.now())
  c.header('set-cookie', sessionCookie(jwt, SESSION_TTL_S, isHttps(c)))
  return c.redirect(CONSOLE_PATH, 303)
})

const signOut = (c: C, status: 204 | 303) => {
  c.header('set-cookie', sessionCookie('', 0, isHttps(c)))
  return status === 303 ? c.redirect(CONSOLE_PATH, 303) : c.body(null, 204)
}

consoleRoutes.delete(`${CONSOLE_PATH}/session`, (c) => {
  if (!fromOwnOrigin(c.req.raw.headers, new URL(c.req.url).origin)) return page(c, messagePage(c.var.nonce, null, 'Refused', 'Not from the console.', CONSOLE_PATH), 403)
  return signOut(c, 204)
})

consoleRoutes.post(`${CONSOLE_PATH}/session/end`, async (c) => {
  const form = await checkedForm(c, true)
  return form instanceof Response ? form : signOut(c, 303)
})

const root = (env: Env) => env.ZONE_STATS.get(env.ZONE_STATS.idFromName(ZONE_ROOT_NAME))

/** Messages a redirect may carry (a fixed set: nothing from the query is echoed). */
const FLASH: Readonly<Record<string, string>> = {
  mode_shadow: 'Mode switched to shadow: decisions are logged, nothing is blocked. Other isolates follow within their config cache time (10 s).',
  mode_enforce: 'Mode switched to enforce. Other isolates follow within their config cache time (10 s).',
  labelled: 'Label saved.',
  denied: 'Deny entry added.',
  lifted: 'Deny entry lifted.',
  saved: 'Config saved. This isolate uses it now; others within their config cache time (10 s).',
}
const flashOf = (c: C): string | null => FLASH[c.req.query('done') ?? ''] ?? null

consoleRoutes.get(CONSOLE_PATH, async (c) => {
  const now = Date.now()
  const rangeQ = c.req.query('range')
  const range = isRange(rangeQ) ? rangeQ : 'hour'
  const stub = root(c.env)
  const [state, view, sources, stats] = await Promise.all([
    loadConfig(c.env.EDGEWARD_CONFIG, now),
    adminCall(() => stub.consoleView(range, now)),
    adminCall(() => stub.consoleSources(8)),
    readStats(c.env, now),
  ])
  const model = await activeModelVersion(c.env.EDGEWARD_CONFIG, state.config, now)
  const missing = [...stats.missing, ...(view.ok ? [] : ['console']), ...(state.problem === null ? [] : [state.problem])]
  return page(
    c,
    overviewPage({
      nonce: c.var.nonce,
      signed: c.var.signed,
      range,
      view: view.ok ? view.value : null,
      sources: sources.ok ? sources.value : null,
      zone: stats.zone,
      denyActive: stats.denylist?.active ?? null,
      labels: stats.labels,
      waf: stats.waf,
      mode: state.config.source.mode,
      configVersion: state.config.version,
      model,
      missing,
      flash: flashOf(c),
      error: c.req.query('problem') === 'mode' ? 'The mode could not be changed.' : null,
    }),
  )
})

consoleRoutes.get(`${CONSOLE_PATH}/decisions`, async (c) => {
  const filter = parseFilter(c.req.query())
  const r = await adminCall(() => root(c.env).consoleFind(filter, LIST_LIMIT))
  if (!r.ok) return page(c, messagePage(c.var.nonce, c.var.signed, 'Unavailable', 'The decision sample could not be read just now; try again.', CONSOLE_PATH), 503)
  return page(c, decisionsPage({ nonce: c.var.nonce, signed: c.var.signed, filter, ...r.value }))
})

const REF = /^[A-Za-z0-9_-]{1,64}$/

async function showDecision(c: C, ref: string, flash: string | null, error: string | null, status: 200 | 400 | 503 = 200): Promise<Response> {
  if (!REF.test(ref)) return page(c, messagePage(c.var.nonce, c.var.signed, 'Not found', 'No such decision.', `${CONSOLE_PATH}/decisions`), 404)
  const now = Date.now()
  const [line, state] = await Promise.all([adminCall(() => root(c.env).consoleLine(ref)), loadConfig(c.env.EDGEWARD_CONFIG, now)])
  if (!line.ok) return page(c, messagePage(c.var.nonce, c.var.signed, 'Unavailable', 'The decision sample could not be read just now; try again.', `${CONSOLE_PATH}/decisions`), 503)
  if (line.value === null) {
    return page(c, messagePage(c.var.nonce, c.var.signed, 'Not found', `Decision ${ref} is not in the recent sample (the newest ${ROOT_SAMPLE_CAP} are kept).`, `${CONSOLE_PATH}/decisions`), 404)
  }
  return page(c, decisionPage({ nonce: c.var.nonce, signed: c.var.signed, line: line.value, rules: state.config.source.rules, flash, error }), status)
}

consoleRoutes.get(`${CONSOLE_PATH}/decisions/:ref`, (c) => showDecision(c, c.req.param('ref'), flashOf(c), null))

consoleRoutes.post(`${CONSOLE_PATH}/labels`, async (c) => {
  const form = await checkedForm(c, true)
  if (form instanceof Response) return form
  const ref = form.get('ref') ?? ''
  const label = form.get('label')
  if (!REF.test(ref) || (label !== 'fraud' && label !== 'legitimate')) return page(c, messagePage(c.var.nonce, c.var.signed, 'Not saved', 'Choose fraud or legitimate for a decision.', CONSOLE_PATH), 400)
  // The device and user come from the logged line, never from the form.
  const line = await adminCall(() => root(c.env).consoleLine(ref))
  if (!line.ok) return showDecision(c, ref, null, 'The label could not be saved just now; try again.', 503)
  const of = form.get('of') ?? 'ref'
  const item: LabelInput =
    of === 'device' && line.value?.device != null
      ? { device: line.value.device, ref, label }
      : of === 'user' && line.value?.user != null
        ? { user: line.value.user, ref, label }
        : { ref, label }
  const r = await adminCall(() => registry(c.env).addLabels([item], Date.now()))
  if (!r.ok) return showDecision(c, ref, null, 'The label could not be saved just now; try again.', 503)
  if (r.value.full) return showDecision(c, ref, null, 'The label store is full: export and clear labels first.', 503)
  return c.redirect(`${CONSOLE_PATH}/decisions/${encodeURIComponent(ref)}?done=labelled`, 303)
})

async function showDenylist(c: C, flash: string | null, error: string | null, status: 200 | 400 | 404 | 503 = 200): Promise<Response> {
  const now = Date.now()
  // The sync's state from the admin stats themselves (readStats), so the page and GET /admin/stats agree.
  const [r, stats] = await Promise.all([listDeny(c.env, now, 1_000), readStats(c.env, now)])
  return page(c, denylistPage({ nonce: c.var.nonce, signed: c.var.signed, entries: r.ok ? r.value.map((d) => denyView(d, now)) : null, waf: stats.waf, flash, error }), status)
}

consoleRoutes.get(`${CONSOLE_PATH}/denylist`, (c) => showDenylist(c, flashOf(c), null))

consoleRoutes.post(`${CONSOLE_PATH}/denylist`, async (c) => {
  const form = await checkedForm(c, true)
  if (form instanceof Response) return form
  const kind = form.get('kind') ?? ''
  const value = form.get('value') ?? (kind === 'ip' ? form.get('ip') : kind === 'device' ? form.get('device') : null) ?? ''
  const ttl = Number(form.get('ttl_s') ?? '')
  const now = Date.now()
  const entry = parseDenyAdd({ kind, value, ttl_s: ttl, reason: (form.get('reason') ?? (REF.test(form.get('ref') ?? '') ? `console: decision ${form.get('ref')}` : 'console')).slice(0, 200) || 'console' }, now)
  if (!entry.ok) return showDenylist(c, null, `Not added: ${entry.detail ?? entry.reason}`, 400)
  if (!(await denySource(c.env, entry.value, now))) return showDenylist(c, null, 'Not added: the entry could not be stored durably; try again.', 503)
  return c.redirect(`${CONSOLE_PATH}/denylist?done=denied`, 303)
})

consoleRoutes.post(`${CONSOLE_PATH}/denylist/lift`, async (c) => {
  const form = await checkedForm(c, true)
  if (form instanceof Response) return form
  const kind = form.get('kind') ?? ''
  const value = kind === 'user_ip' ? { user: form.get('user') ?? '', ip: form.get('ip') ?? '' } : (form.get('value') ?? '')
  const target = parseDenyRemove({ kind, value })
  if (!target.ok) return showDenylist(c, null, `Not lifted: ${target.detail ?? target.reason}`, 400)
  // Lift = unblock (as POST /admin/unblock): the entry goes AND the counts that listed the source are
  // forgotten, or its next request trips the same rule and is listed again.
  const { config } = await loadConfig(c.env.EDGEWARD_CONFIG, Date.now())
  const r = await unblockSource(c.env, target.value, config.source.counters.ipv6_prefix_bits)
  if (!r.stored) return showDenylist(c, null, 'Not lifted everywhere: try again.', 503)
  if (!r.lifted) return showDenylist(c, null, 'That entry was not on the list (it may have expired).', 404)
  return c.redirect(`${CONSOLE_PATH}/denylist?done=lifted`, 303)
})

// Mode: the stored config with only `mode` changed and a new version, validated by the real schema
// before it is written (src/cli/configEdit.ts, as `npm run config -- shadow` does). Refused → nothing written.
consoleRoutes.post(`${CONSOLE_PATH}/mode`, async (c) => {
  const form = await checkedForm(c, true)
  if (form instanceof Response) return form
  const mode = form.get('mode') ?? ''
  if (!isMode(mode) || mode === 'off') return page(c, messagePage(c.var.nonce, c.var.signed, 'Not changed', 'The console switches between shadow and enforce.', CONSOLE_PATH), 400)
  const read = await withDeadline(c.env.EDGEWARD_CONFIG.get(CONFIG_KEY), KV_WRITE_BUDGET_MS)
  if (!read.ok) return page(c, messagePage(c.var.nonce, c.var.signed, 'Not changed', 'The config could not be read just now; nothing was written.', CONSOLE_PATH), 503)
  const stored = parseStored(read.value)
  if (!stored.ok) return page(c, messagePage(c.var.nonce, c.var.signed, 'Not changed', `The stored config is unreadable (${stored.problem}); nothing was written. Fix it with npm run config.`, CONSOLE_PATH), 409)
  const edit = applyEdit(stored.value, { kind: 'mode', mode }, new Date().toISOString().slice(0, 10))
  if (!edit.ok) {
    return page(c, messagePage(c.var.nonce, c.var.signed, 'Not changed', `The config was rejected, the one in force stays: ${edit.problems.join('; ')}`, CONSOLE_PATH), 409)
  }
  const wrote = await withDeadline(c.env.EDGEWARD_CONFIG.put(CONFIG_KEY, edit.text), KV_WRITE_BUDGET_MS)
  if (!wrote.ok) return page(c, messagePage(c.var.nonce, c.var.signed, 'Not changed', 'The config could not be written just now; the one in force stays.', CONSOLE_PATH), 503)
  forgetCachedConfig() // this isolate reads it back on its next request
  return c.redirect(`${CONSOLE_PATH}?done=mode_${mode}`, 303)
})


// Config editor and dry run. A candidate is the whole text an operator posts: checked by the real
// schema as `npm run config -- set` checks it (applyEdit), every problem shown at its path. Validate
// and the dry run write nothing; Save writes only a config the schema accepts.
const today = (): string => new Date().toISOString().slice(0, 10)

/** The stored config's text, pretty-printed for the editor (the bundled defaults say so), or null when KV did not answer. */
async function storedText(c: C): Promise<{ text: string; stored: Record<string, unknown> } | null> {
  const read = await withDeadline(c.env.EDGEWARD_CONFIG.get(CONFIG_KEY), KV_WRITE_BUDGET_MS)
  if (!read.ok) return null
  const parsed = parseStored(read.value)
  if (!parsed.ok) return { text: read.value ?? '', stored: {} }
  return { text: read.value === null ? '{\n  "mode": "enforce"\n}' : JSON.stringify(parsed.value, null, 2), stored: parsed.value }
}

/**
 * The posted text as the config Save would write: JSON, an object, checked whole by the schema.
 * A version left as the stored one (the editor's prefill) is bumped, as every `npm run config` edit bumps it.
 */
function candidateOf(text: string, stored: Record<string, unknown>): { ok: true; config: Record<string, unknown>; text: string } | { ok: false; problems: readonly string[] } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (x) {
    return { ok: false, problems: [`(root): not JSON (${x instanceof Error ? x.message : 'unreadable'})`] }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, problems: ['(root): must be a JSON object'] }
  const candidate = { ...(json as Record<string, unknown>) }
  if (candidate.version === stored.version) delete candidate.version
  if (!('version' in candidate)) candidate.version = nextVersion(typeof stored.version === 'string' ? stored.version : null, today())
  const edit = applyEdit(stored, { kind: 'set', json: candidate }, today())
  return edit.ok ? { ok: true, config: edit.config, text: edit.text } : { ok: false, problems: edit.problems }
}

const editor = (text: string, problems: readonly string[] = [], flash: string | null = null, error: string | null = null, base: string | null = null): EditorState => ({ text, problems, flash, error, base })

/** The stored config's version ('' when none): the editor's text was loaded from it, and Save checks it is still the one stored. */
const versionOf = (stored: Record<string, unknown>): string => (typeof stored.version === 'string' ? stored.version : '')

async function showConfig(c: C, state: EditorState, status: 200 | 400 | 409 | 503 = 200): Promise<Response> {
  const { config, problem } = await loadConfig(c.env.EDGEWARD_CONFIG, Date.now())
  return page(c, configPage({ nonce: c.var.nonce, signed: c.var.signed, state, inForce: config.version, status: problem }), status)
}

consoleRoutes.get(`${CONSOLE_PATH}/config`, async (c) => {
  const stored = await storedText(c)
  if (stored === null) return showConfig(c, editor('', [], null, 'The stored config could not be read just now; reload to try again.'), 503)
  return showConfig(c, editor(stored.text, [], flashOf(c), null, versionOf(stored.stored)))
})

consoleRoutes.post(`${CONSOLE_PATH}/config/validate`, async (c) => {
  const form = await checkedForm(c, true, MAX_CONFIG_FORM)
  if (form instanceof Response) return form
  const text = form.get('config') ?? ''
  const base = form.get('base')
  const stored = await storedText(c)
  const cand = candidateOf(text, stored?.stored ?? {})
  if (!cand.ok) return showConfig(c, editor(text, cand.problems, null, null, base), 400)
  return showConfig(c, editor(text, [], `Valid: the schema accepts it; Save would write it as version ${String(cand.config.version)}. Nothing was written.`, null, base))
})

consoleRoutes.post(`${CONSOLE_PATH}/config`, async (c) => {
  const form = await checkedForm(c, true, MAX_CONFIG_FORM)
  if (form instanceof Response) return form
  const text = form.get('config') ?? ''
  const base = form.get('base')
  const stored = await storedText(c)
  if (stored === null) return showConfig(c, editor(text, [], null, 'The stored config could not be read just now; nothing was written.', base), 503)
  // Text loaded from another version than the one stored now (someone saved meanwhile) would silently
  // undo their change and put the old version's name back on another config — and the dry run takes a
  // line logged under a version as decided by the config of that name: refused, nothing written.
  const current = versionOf(stored.stored)
  if (base !== null && base !== current) {
    return showConfig(c, editor(text, [], null, `Not saved: the stored config changed after this text was loaded (it is now version ${current === '' ? 'none' : current}); the one in force stays. Reload to start from it — your text is below.`, base), 409)
  }
  const cand = candidateOf(text, stored.stored)
  if (!cand.ok) return showConfig(c, editor(text, cand.problems, null, 'Not saved: the config in force stays.', base), 400)
  const wrote = await withDeadline(c.env.EDGEWARD_CONFIG.put(CONFIG_KEY, cand.text), KV_WRITE_BUDGET_MS)
  if (!wrote.ok) return showConfig(c, editor(text, [], null, 'The config could not be written just now; the one in force stays.', base), 503)
  forgetCachedConfig() // this isolate reads it back on its next request
  return c.redirect(`${CONSOLE_PATH}/config?done=saved`, 303)
})

/** The candidate's model, loaded as the Worker would (bundled, or `model:<name>` from KV) without touching the isolate's model cache. */
async function candidateModel(c: C, name: string): Promise<{ model: CompiledModel | null; version: string }> {
  if (name === BUNDLED_MODEL_NAME) {
    const d = defaultModel()
    return d.ok ? { model: d.value, version: d.value.version } : { model: null, version: '' }
  }
  const read = await withDeadline(c.env.EDGEWARD_CONFIG.get(`model:${name}`), KV_WRITE_BUDGET_MS)
  const out = read.ok ? swapModel(null, read.value, CODE_FEATURES) : null
  return out !== null && out.model !== null ? { model: out.model, version: out.model.version } : { model: null, version: '' }
}

const showDryrun = async (c: C, state: EditorState, result: Parameters<typeof dryrunPage>[0]['result'], status: 200 | 400 | 503 = 200): Promise<Response> => {
  const { config } = await loadConfig(c.env.EDGEWARD_CONFIG, Date.now())
  return page(c, dryrunPage({ nonce: c.var.nonce, signed: c.var.signed, state, result, inForce: config.version }), status)
}

consoleRoutes.get(`${CONSOLE_PATH}/dryrun`, async (c) => {
  const stored = await storedText(c)
  if (stored === null) return showDryrun(c, editor('', [], null, 'The stored config could not be read just now; reload to try again.'), null, 503)
  return showDryrun(c, editor(stored.text, [], null, null, versionOf(stored.stored)), null)
})

consoleRoutes.post(`${CONSOLE_PATH}/dryrun`, async (c) => {
  const form = await checkedForm(c, true, MAX_CONFIG_FORM)
  if (form instanceof Response) return form
  return dryRunText(c, form.get('config') ?? '', form.get('base'))
})

/**
 * Validates `text` as Save would, then re-decides the sample under it; the page shows `text` in the
 * editor, with `base` (the stored version the text was loaded from) carried for a later Save.
 */
async function dryRunText(c: C, text: string, base: string | null): Promise<Response> {
  const stored = await storedText(c)
  const cand = candidateOf(text, stored?.stored ?? {})
  if (!cand.ok) return showDryrun(c, editor(text, cand.problems, null, null, base), null, 400)
  const compiled = compileConfig(cand.config)
  if (!compiled.ok) return showDryrun(c, editor(text, compiled.problems ?? [compiled.detail ?? 'invalid config'], null, null, base), null, 400)
  const now = Date.now()
  const [state, sample, model] = await Promise.all([loadConfig(c.env.EDGEWARD_CONFIG, now), adminCall(() => root(c.env).consoleSample()), candidateModel(c, compiled.value.source.model.active)])
  if (!sample.ok) return showDryrun(c, editor(text, [], null, 'The decision sample could not be read just now; try again.', base), null, 503)
  const r = dryRun({ candidate: compiled.value, inForce: state.config, model: model.model, modelVersion: model.version, lines: sample.value })
  return showDryrun(c, editor(text, [], null, null, base), { r, version: compiled.value.version, mode: compiled.value.source.mode })
}

// Model upload and swap. An uploaded file is checked by the loader the Worker itself uses for
// `model:<name>` (swapModel, worker/model/active.ts) and stored as `model:<model_version>` only when it
// loads; a stored version is never overwritten by other bytes (an isolate may be running it). Dry run
// and Make active build the candidate from the stored config with only `model.active` changed, and go
// through the editor's own paths (dryRunText; candidateOf + the same KV write as Save).

/** The upload form's body at most: the bundled model is about 300 KB; a multipart body carries it as is. */
export const MAX_MODEL_FORM = 2 * 1_024 * 1_024
/** A name `model.active` can take (src/config/schema.ts). */
const MODEL_NAME = /^[A-Za-z0-9._-]{1,64}$/
const MODELS_LISTED = 100

type StoredModel = { ok: true; model: CompiledModel; text: string } | { ok: false; status: 404 | 409 | 503; why: string }

/** `model:<name>` from KV, loaded as the Worker loads it, without touching the isolate's model cache. */
async function storedModel(c: C, name: string): Promise<StoredModel> {
  const read = await withDeadline(c.env.EDGEWARD_CONFIG.get(`model:${name}`), KV_WRITE_BUDGET_MS)
  if (!read.ok) return { ok: false, status: 503, why: 'KV could not be read just now; try again.' }
  if (read.value === null) return { ok: false, status: 404, why: `No model is stored as model:${name}.` }
  const out = swapModel(null, read.value, CODE_FEATURES)
  if (!out.swapped) return { ok: false, status: 409, why: `model:${name} is stored but the model loader refuses it (${refusal(out)}).` }
  return { ok: true, model: out.model, text: read.value }
}

const refusal = (out: { reason: string; detail?: string }): string => (out.detail === undefined ? out.reason : `${out.reason}: ${out.detail}`)

type ModelFlash = Pick<Parameters<typeof modelPage>[0], 'uploaded' | 'flash' | 'error'>

async function showModel(c: C, shown: ModelFlash, status: 200 | 400 | 404 | 409 | 413 | 503 = 200): Promise<Response> {
  const now = Date.now()
  const [{ config, problem }, listed] = await Promise.all([
    loadConfig(c.env.EDGEWARD_CONFIG, now),
    withDeadline(c.env.EDGEWARD_CONFIG.list({ prefix: 'model:', limit: MODELS_LISTED }), KV_WRITE_BUDGET_MS),
  ])
  const state = await activeModel(c.env.EDGEWARD_CONFIG, config, now)
  const stored = listed.ok ? { names: listed.value.keys.map((k) => k.name.slice('model:'.length)), more: !listed.value.list_complete } : null
  return page(
    c,
    modelPage({
      nonce: c.var.nonce,
      signed: c.var.signed,
      active: { name: config.source.model.active, version: state.model?.version ?? 'none', problem: state.problem ?? problem },
      stored,
      bundledName: BUNDLED_MODEL_NAME,
      maxBytes: MAX_MODEL_FORM,
      ...shown,
    }),
    status,
  )
}

const MODEL_FLASH: Readonly<Record<string, string>> = {
  activated: 'Config saved with the new model.active. This isolate uses the model now; others within their config cache time (10 s).',
}

consoleRoutes.get(`${CONSOLE_PATH}/model`, async (c) => {
  // `?stored=<name>` after an upload: shown only for a name that is stored and loads (nothing from the query is echoed otherwise).
  const name = c.req.query('stored') ?? ''
  let uploaded: ModelFlash['uploaded'] = null
  if (MODEL_NAME.test(name)) {
    const m = await storedModel(c, name)
    if (m.ok) uploaded = { version: name, trees: m.model.treeCount, features: m.model.featureCount, featureVersion: m.model.featureVersion, same: c.req.query('same') === '1' }
  }
  return showModel(c, { uploaded, flash: MODEL_FLASH[c.req.query('done') ?? ''] ?? null, error: null })
})

consoleRoutes.post(`${CONSOLE_PATH}/model`, async (c) => {
  if (!fromOwnOrigin(c.req.raw.headers, new URL(c.req.url).origin)) return page(c, messagePage(c.var.nonce, null, 'Refused', 'This form did not come from the console.', CONSOLE_PATH), 403)
  const type = c.req.header('content-type') ?? ''
  if (type.split(';')[0]?.trim().toLowerCase() !== 'multipart/form-data') return showModel(c, { uploaded: null, flash: null, error: 'Expected the upload form (multipart/form-data with a model file).' }, 400)
  const tooLarge = `Not stored: the upload is over ${MAX_MODEL_FORM / (1024 * 1024)} MB (the bundled model is about 300 KB). Nothing was written.`
  const declared = Number(c.req.header('content-length') ?? '0')
  if (Number.isFinite(declared) && declared > MAX_MODEL_FORM) return showModel(c, { uploaded: null, flash: null, error: tooLarge }, 413)
  let bytes: Uint8Array | 'too_large'
  try {
    bytes = await readCappedBody(c.req.raw.body, MAX_MODEL_FORM)
  } catch {
    return showModel(c, { uploaded: null, flash: null, error: 'Not stored: the upload could not be read.' }, 400)
  }
  if (bytes === 'too_large') return showModel(c, { uploaded: null, flash: null, error: tooLarge }, 413)
  let form: FormData
  try {
    form = await new Request('https://console.invalid/', { method: 'POST', headers: { 'content-type': type }, body: bytes }).formData()
  } catch {
    return showModel(c, { uploaded: null, flash: null, error: 'Not stored: the upload is not a readable form.' }, 400)
  }
  const csrf = form.get('csrf')
  if (c.var.secrets === null || typeof csrf !== 'string' || !(await csrfMatches(csrf, c.var.secrets, c.var.session.sid))) {
    return page(c, messagePage(c.var.nonce, null, 'Refused', 'This form is stale or did not come from the console: reload the page and try again.', CONSOLE_PATH), 403)
  }
  const field = form.get('model')
  let text: string
  try {
    text = typeof field === 'string' ? field : field === null ? '' : new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(await field.arrayBuffer())
  } catch {
    return showModel(c, { uploaded: null, flash: null, error: 'Not stored: the file is not UTF-8 text (a model is JSON).' }, 400)
  }
  if (text.trim() === '') return showModel(c, { uploaded: null, flash: null, error: 'Not stored: choose a model file.' }, 400)
  // The loader the Worker runs on `model:<name>`: a model it refuses is never stored.
  const out = swapModel(null, text, CODE_FEATURES)
  if (!out.swapped) return showModel(c, { uploaded: null, flash: null, error: `Not stored: the model loader refuses it (${refusal(out)}). Nothing was written.` }, 400)
  const version = out.model.version
  if (!MODEL_NAME.test(version) || version === BUNDLED_MODEL_NAME) {
    return showModel(c, { uploaded: null, flash: null, error: `Not stored: its model_version "${version}" is no name model.active can take (letters, digits, . _ -, at most 64 characters, not "${BUNDLED_MODEL_NAME}"). Nothing was written.` }, 400)
  }
  const key = `model:${version}`
  const existing = await withDeadline(c.env.EDGEWARD_CONFIG.get(key), KV_WRITE_BUDGET_MS)
  if (!existing.ok) return showModel(c, { uploaded: null, flash: null, error: 'Not stored: KV could not be read just now; try again.' }, 503)
  const at = `${CONSOLE_PATH}/model?stored=${encodeURIComponent(version)}`
  if (existing.value !== null) {
    if (existing.value === text) return c.redirect(`${at}&same=1`, 303)
    return showModel(c, { uploaded: null, flash: null, error: `Not stored: another model is already stored as ${key}, and a stored version is never replaced (an isolate may be running it). Give this one a new model_version.` }, 409)
  }
  const wrote = await withDeadline(c.env.EDGEWARD_CONFIG.put(key, text), KV_WRITE_BUDGET_MS)
  if (!wrote.ok) return showModel(c, { uploaded: null, flash: null, error: 'Not stored: KV could not be written just now; try again.' }, 503)
  return c.redirect(at, 303)
})

/**
 * The stored config with only `model.active` changed (the model checked first: stored and loading,
 * or the bundled one), as JSON text; or the page that says why not.
 */
async function withModel(c: C): Promise<{ text: string; stored: Record<string, unknown>; name: string } | Response> {
  const form = await checkedForm(c, true)
  if (form instanceof Response) return form
  const name = form.get('version') ?? ''
  if (!MODEL_NAME.test(name)) return showModel(c, { uploaded: null, flash: null, error: 'No such model name.' }, 400)
  if (name !== BUNDLED_MODEL_NAME) {
    const m = await storedModel(c, name)
    if (!m.ok) return showModel(c, { uploaded: null, flash: null, error: `Nothing changed: ${m.why}` }, m.status)
  }
  const read = await withDeadline(c.env.EDGEWARD_CONFIG.get(CONFIG_KEY), KV_WRITE_BUDGET_MS)
  if (!read.ok) return showModel(c, { uploaded: null, flash: null, error: 'Nothing changed: the config could not be read just now.' }, 503)
  const stored = parseStored(read.value)
  // An unreadable stored config is not rebuilt around a model name: that would drop the rest of it.
  if (!stored.ok) return showModel(c, { uploaded: null, flash: null, error: `Nothing changed: the stored config is unreadable (${stored.problem}). Fix it in the editor first.` }, 409)
  return { text: JSON.stringify({ ...stored.value, model: { active: name } }, null, 2), stored: stored.value, name }
}

consoleRoutes.post(`${CONSOLE_PATH}/model/dryrun`, async (c) => {
  const cand = await withModel(c)
  return cand instanceof Response ? cand : dryRunText(c, cand.text, versionOf(cand.stored))
})

consoleRoutes.post(`${CONSOLE_PATH}/model/activate`, async (c) => {
  const cand = await withModel(c)
  if (cand instanceof Response) return cand
  // Save's own path: the whole config checked by the schema (version bumped), then the same write.
  const edit = candidateOf(cand.text, cand.stored)
  if (!edit.ok) return showModel(c, { uploaded: null, flash: null, error: `Nothing changed: the config with model.active "${cand.name}" is rejected: ${edit.problems.join('; ')}` }, 409)
  const wrote = await withDeadline(c.env.EDGEWARD_CONFIG.put(CONFIG_KEY, edit.text), KV_WRITE_BUDGET_MS)
  if (!wrote.ok) return showModel(c, { uploaded: null, flash: null, error: 'Nothing changed: the config could not be written just now.' }, 503)
  forgetCachedConfig() // this isolate reads it back, and with it the model, on its next request
  return c.redirect(`${CONSOLE_PATH}/model?done=activated`, 303)
})

consoleRoutes.all(`${CONSOLE_PATH}/*`, (c) => page(c, messagePage(c.var.nonce, c.var.signed, 'Not found', 'No such console page.', CONSOLE_PATH), 404))
consoleRoutes.all(CONSOLE_PATH, (c) => {
  c.header('allow', 'GET')
  return c.json({ error: 'method_not_allowed' }, 405)
})
consoleRoutes.onError((_e, c) => c.html('<!doctype html><title>Unavailable</title><p>The console could not answer just now; try again.</p>', 503))
