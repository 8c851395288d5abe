// The console's model page through the real fetch handler: upload, dry run and Make active need a
// session and the session's CSRF token from our own origin; a file the Worker's model loader refuses
// (or one too large, or with a version model.active cannot name) is never stored and the page says
// why; a good one is stored byte for byte as `model:<model_version>` (another file under a stored
// version is refused, the same file is a no-op); "Dry run with this model" re-scores the sample with
// it and changes nothing; "Make active" saves the config with only model.active changed (version
// bumped) and the very next request's log line carries the new model.
import { env, runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { ZONE_ROOT_NAME } from '../../src/counters/keys'
import { emptyDelta } from '../../src/counters/zone'
import { defaultModel } from '../../src/model'
import bundledModel from '../../models/default/model.json'
import { csrfToken, SESSION_COOKIE } from '../../worker/console/session'
import { MAX_MODEL_FORM } from '../../worker/routes/console'
import { callWorker, clearConfig, writeConfig } from '../support/worker'
import { C, get, OWN, post, SECRETS, signIn, SITE, UA } from '../support/console'

const root = () => env.ZONE_STATS.get(env.ZONE_STATS.idFromName(ZONE_ROOT_NAME))

const BUNDLED = (() => {
  const m = defaultModel()
  if (!m.ok) throw new Error('no bundled model')
  return m.value
})()


/** The upload form as a browser posts it: multipart, the file under `model` (the browser sets the boundary). */
function upload(text: string, s: { cookie?: string; csrf?: string }, extra: Record<string, string> = {}) {
  const form = new FormData()
  if (s.csrf !== undefined) form.set('csrf', s.csrf)
  form.set('model', new File([text], 'model.json', { type: 'application/json' }))
  return callWorker(`${SITE}${C}/model`, { method: 'POST', headers: { ...OWN, ...(s.cookie === undefined ? {} : { cookie: s.cookie }), ...extra }, body: form })
}

/** The bundled trees under another version (and, to move scores, another base score): a model the loader accepts. */
const modelText = (version: string, more: Record<string, unknown> = {}) => JSON.stringify({ ...(bundledModel as Record<string, unknown>), model_version: version, ...more })

const storedConfig = async () => JSON.parse((await env.EDGEWARD_CONFIG.get('config')) ?? 'null') as Record<string, unknown> | null
const health = async () => (await (await callWorker(`${SITE}/__edgeward/health`)).response.json()) as { model: string; config: string }

afterEach(async () => {
  await clearConfig()
})

describe('console model page: access', () => {
  it('needs a session: signed out, the page is the sign-in form and upload, dry run and Make active do nothing', async () => {
    await writeConfig({ version: 'macc-1', mode: 'enforce' })
    await env.EDGEWARD_CONFIG.put('model:acc-stored-1', modelText('acc-stored-1'))
    const page = await get(`${C}/model`)
    expect(page.response.status).toBe(200)
    const html = await page.response.text()
    expect(html).toContain('name="token"')
    expect(html).not.toContain('acc-stored-1')

    const up = await upload(modelText('acc-1'), { csrf: 'x' })
    expect(up.response.status).toBe(303)
    expect(up.response.headers.get('location')).toBe(C)
    for (const path of [`${C}/model/dryrun`, `${C}/model/activate`]) {
      const { response } = await post(path, { version: 'acc-stored-1', csrf: 'x' })
      expect(response.status, path).toBe(303)
      expect(response.headers.get('location'), path).toBe(C)
    }
    expect(await env.EDGEWARD_CONFIG.get('model:acc-1')).toBeNull()
    expect(await storedConfig()).toEqual({ version: 'macc-1', mode: 'enforce' })
  })

  it('refuses a form without the session\'s CSRF token or from another origin (403): nothing stored, nothing activated', async () => {
    await writeConfig({ version: 'mcsrf-1', mode: 'enforce' })
    await env.EDGEWARD_CONFIG.put('model:csrf-stored-1', modelText('csrf-stored-1'))
    const s = await signIn()
    const other = await csrfToken(SECRETS, 'another-sid')
    const cases = [
      ['no token', {}, {}],
      ['another session\'s', { csrf: other }, {}],
      ['other origin', { csrf: s.csrf }, { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' }],
    ] as const
    for (const [name, form, extra] of cases) {
      const up = await upload(modelText('csrf-1'), { cookie: s.cookie, ...form }, extra)
      expect(up.response.status, `upload ${name}`).toBe(403)
      for (const path of [`${C}/model/dryrun`, `${C}/model/activate`]) {
        const { response } = await post(path, { version: 'csrf-stored-1', ...form }, s.cookie, extra)
        expect(response.status, `${path} ${name}`).toBe(403)
      }
    }
    expect(await env.EDGEWARD_CONFIG.get('model:csrf-1')).toBeNull()
    expect(await storedConfig()).toEqual({ version: 'mcsrf-1', mode: 'enforce' })
    expect((await health()).model).toBe(BUNDLED.version)
  })
})

describe('console model upload', () => {
  it('never stores a model the Worker\'s loader refuses, one too large, or one whose version model.active cannot name; the page says why', async () => {
    const s = await signIn()
    const refused: [string, string, number, string][] = [
      ['bad-json-1', '{"schema_version": 1, "model_version": "bad-json-1", ', 400, 'the model loader refuses it (not_json'],
      ['bad-shape-1', modelText('bad-shape-1', { base_score: 'high' }), 400, 'the model loader refuses it ('],
      ['bad-features-1', modelText('bad-features-1', { features: { version: 'f0', names: ['route_class'] } }), 400, 'the model loader refuses it ('],
      ['has:colon', modelText('has:colon'), 400, 'no name model.active can take'],
      ['default', modelText('default'), 400, 'no name model.active can take'],
    ]
    for (const [version, text, status, says] of refused) {
      const { response } = await upload(text, s)
      expect(response.status, version).toBe(status)
      const html = await response.text()
      expect(html, version).toContain(says.replace(/"/g, '&#34;'))
      expect(html, version).toContain('Nothing was written')
      expect(await env.EDGEWARD_CONFIG.get(`model:${version}`), version).toBeNull()
    }
    // Past the cap (2 MB): refused before it is read whole, with the reason.
    const big = modelText('too-big-1', { padding: 'x'.repeat(MAX_MODEL_FORM) })
    const tooBig = await upload(big, s)
    expect(tooBig.response.status).toBe(413)
    expect(await tooBig.response.text()).toContain('over 2 MB')
    expect(await env.EDGEWARD_CONFIG.get('model:too-big-1')).toBeNull()
    // Not the upload form at all.
    const plain = await post(`${C}/model`, { model: modelText('plain-1'), csrf: s.csrf }, s.cookie)
    expect(plain.response.status).toBe(400)
    expect(await env.EDGEWARD_CONFIG.get('model:plain-1')).toBeNull()
  })

  it('stores a good model byte for byte as model:<model_version>; the same file again is a no-op, another under that version is refused', async () => {
    const s = await signIn()
    const text = modelText('up-good-1')
    expect(text.length).toBeGreaterThan(300_000) // the real size: past the other forms' 256 KiB cap
    const { response } = await upload(text, s)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(`${C}/model?stored=up-good-1`)
    expect(await env.EDGEWARD_CONFIG.get('model:up-good-1')).toBe(text)
    const shown = await (await get(`${C}/model?stored=up-good-1`, s.cookie)).response.text()
    expect(shown).toContain('Stored: <code>model:up-good-1</code>')
    expect(shown).toContain(`${BUNDLED.treeCount.toLocaleString('en-US')} trees`)
    expect(shown).toMatch(/action="\/__edgeward\/console\/model\/dryrun"[^]*name="version" value="up-good-1"/)
    // A name in the query that is not stored is not echoed.
    expect(await (await get(`${C}/model?stored=never-uploaded-1`, s.cookie)).response.text()).not.toContain('never-uploaded-1')

    const again = await upload(text, s)
    expect(again.response.status).toBe(303)
    expect(again.response.headers.get('location')).toBe(`${C}/model?stored=up-good-1&same=1`)
    const other = await upload(modelText('up-good-1', { base_score: 0.9 }), s)
    expect(other.response.status).toBe(409)
    expect(await other.response.text()).toContain('already stored as model:up-good-1')
    expect(await env.EDGEWARD_CONFIG.get('model:up-good-1')).toBe(text)
  })
})

const MODEL = BUNDLED.version

/** A checkout POST from a browser with a device cookie, scored `risk` by the bundled model under config `mdry-1`. */
function line(ref: string, risk: number, would: string) {
  return {
    at: Date.now() - 1_000 + Number(ref.slice(-2)), ref, method: 'POST', host: 'shop.edge.test', path: '/checkout', route: 'checkout', ip: '203.0.113.0/24', asn: 64500, country: 'NL',
    device: 'dev-1', user: null, agent: null, risk, model_risk: risk, action: would, would_action: would, source: 'model', app: null, mode: 'enforce',
    reasons: ['device_checkouts_10m'], rules: [], model: MODEL, config: 'mdry-1', origin_status: 200, missing: [], detail: null, status: null, ua: UA,
    features: { route_class: 7, method_is_post: 1, ua_missing: 0, ua_is_bot: 0, ua_claims_browser: 1, cookie_missing: 0, cookie_invalid: 0, cookie_replayed: 0, device_checkouts_10m: 4, ip_signups_1h: 0 },
  }
}

describe('console model swap', () => {
  it('"Dry run with this model" re-scores the sample with the uploaded model and changes nothing in force', async () => {
    const IN_FORCE = { version: 'mdry-1', mode: 'enforce', thresholds: { checkout: { challenge: 0.6, block: 0.95 } } }
    await writeConfig(IN_FORCE)
    await runInDurableObject(root(), (_i, state) => void state.storage.sql.exec('DELETE FROM console_sample'))
    await root().report(3, `mdry-epoch-${Math.random()}`, 1, emptyDelta(), Date.now(), { minutes: [], sample: [line('mdry0000000000001', 0.5, 'allow'), line('mdry0000000000002', 0.7, 'challenge')] as never })
    const s = await signIn()
    expect((await upload(modelText('up-dry-1', { base_score: 0.99 }), s)).response.status).toBe(303)

    const { response } = await post(`${C}/model/dryrun`, { version: 'up-dry-1', csrf: s.csrf }, s.cookie)
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('2 lines were re-scored by the candidate')
    // The editor holds the candidate: the stored config with model.active changed, ready to Save.
    expect(html).toContain('&#34;active&#34;: &#34;up-dry-1&#34;')
    expect(html).toContain('&#34;mdry-1&#34;')
    expect(await storedConfig()).toEqual(IN_FORCE)
    expect(await health()).toMatchObject({ config: 'mdry-1', model: MODEL })

    // The bundled model, named by the config, is the in-force one: nothing re-scored.
    const same = await (await post(`${C}/model/dryrun`, { version: 'default', csrf: s.csrf }, s.cookie)).response.text()
    expect(same).not.toContain('re-scored')
    // A name with no model behind it runs nothing.
    const missing = await post(`${C}/model/dryrun`, { version: 'not-stored-1', csrf: s.csrf }, s.cookie)
    expect(missing.response.status).toBe(404)
    expect(await missing.response.text()).not.toContain('id="flips"')
  })

  it('"Make active" saves the config with only model.active changed, and the next request is scored and logged by that model', async () => {
    await writeConfig({ version: 'mact-1', mode: 'enforce', thresholds: { checkout: { challenge: 0.6, block: 0.95 } } })
    const s = await signIn()
    expect((await upload(modelText('up-act-1'), s)).response.status).toBe(303)
    const before = await callWorker(`${SITE}/products/1`)
    expect(before.logs[0]?.model).toBe(MODEL)

    const { response } = await post(`${C}/model/activate`, { version: 'up-act-1', csrf: s.csrf }, s.cookie)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(`${C}/model?done=activated`)
    const saved = await storedConfig()
    expect(saved).toMatchObject({ mode: 'enforce', thresholds: { checkout: { challenge: 0.6, block: 0.95 } }, model: { active: 'up-act-1' } })
    expect(saved?.version).not.toBe('mact-1')
    const after = await callWorker(`${SITE}/products/1`)
    expect(after.logs[0]?.model).toBe('up-act-1')
    expect(after.logs[0]?.config).toBe(saved?.version)
    const page = await (await get(`${C}/model?done=activated`, s.cookie)).response.text()
    expect(page).toContain('In force: <code>up-act-1</code>')

    // A model KV holds but the loader refuses, and a name with nothing behind it, are never made active.
    await env.EDGEWARD_CONFIG.put('model:junk-1', '{"schema_version": 1}')
    const junk = await post(`${C}/model/activate`, { version: 'junk-1', csrf: s.csrf }, s.cookie)
    expect(junk.response.status).toBe(409)
    expect(await junk.response.text()).toContain('the model loader refuses it')
    expect((await post(`${C}/model/activate`, { version: 'not-stored-2', csrf: s.csrf }, s.cookie)).response.status).toBe(404)
    expect((await storedConfig())?.model).toEqual({ active: 'up-act-1' })

    // Back to the bundled model the same way.
    expect((await post(`${C}/model/activate`, { version: 'default', csrf: s.csrf }, s.cookie)).response.status).toBe(303)
    expect((await callWorker(`${SITE}/products/1`)).logs[0]?.model).toBe(MODEL)
  })
})
