// The console's config editor and dry run through the real fetch handler: both need a session and
// refuse a form without the session's CSRF token; a config the schema rejects is shown with every
// problem at its path and the old config stays in force; Save writes only a valid config (version
// bumped); a dry run re-decides sampled lines built here with the candidate — exactly the lines a
// lowered block threshold should flip, flip — writes nothing, says which lines it could not
// re-decide, and escapes hostile paths and User-Agents.
import { env, runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { ZONE_ROOT_NAME } from '../../src/counters/keys'
import { emptyDelta } from '../../src/counters/zone'
import { FEATURE_INDEX, emptyFeatureVector, type FeatureName } from '../../src/features/list'
import { CODE_FEATURES, defaultModel, parseModel, predict } from '../../src/model'
import bundledModel from '../../models/default/model.json'
import { csrfToken, SESSION_COOKIE } from '../../worker/console/session'
import { callWorker, clearConfig, writeConfig } from '../support/worker'
import { C, get, post, SECRETS, signIn, SITE, UA } from '../support/console'

const root = () => env.ZONE_STATS.get(env.ZONE_STATS.idFromName(ZONE_ROOT_NAME))


const health = async () => (await (await callWorker(`${SITE}/__edgeward/health`)).response.json()) as { mode: string; config: string }
const stored = async () => JSON.parse((await env.EDGEWARD_CONFIG.get('config')) ?? 'null') as Record<string, unknown> | null

afterEach(async () => {
  await clearConfig()
})

describe('config editor and dry run: access', () => {
  it('need a session: signed out, the pages are the sign-in form and the forms write nothing', async () => {
    await writeConfig({ version: 'acc-1', mode: 'enforce' })
    for (const path of [`${C}/config`, `${C}/dryrun`]) {
      const { response } = await get(path)
      expect(response.status, path).toBe(200)
      const html = await response.text()
      expect(html, path).toContain('name="token"')
      expect(html, path).not.toContain('acc-1')
    }
    for (const path of [`${C}/config`, `${C}/config/validate`, `${C}/dryrun`]) {
      const { response } = await post(path, { config: '{"version":"x-1","mode":"shadow"}', csrf: 'x' })
      expect(response.status, path).toBe(303)
      expect(response.headers.get('location'), path).toBe(C)
    }
    expect((await stored())?.version).toBe('acc-1')
  })

  it('refuse a form without the session\'s CSRF token or from another origin (403, nothing written)', async () => {
    await writeConfig({ version: 'csrf-1', mode: 'enforce' })
    const s = await signIn()
    const other = await csrfToken(SECRETS, 'another-sid')
    for (const path of [`${C}/config`, `${C}/config/validate`, `${C}/dryrun`]) {
      for (const [name, form, extra] of [
        ['no token', {}, {}],
        ['another session\'s', { csrf: other }, {}],
        ['other origin', { csrf: s.csrf }, { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' }],
      ] as const) {
        const { response } = await post(path, { config: '{"version":"csrf-2","mode":"shadow"}', ...form }, s.cookie, extra)
        expect(response.status, `${path} ${name}`).toBe(403)
      }
    }
    expect(await stored()).toEqual({ version: 'csrf-1', mode: 'enforce' })
    expect((await health()).mode).toBe('enforce')
  })
})

describe('config editor', () => {
  it('shows the stored config; Validate shows every problem at its path and writes nothing; Save of a rejected config keeps the old one in force', async () => {
    await writeConfig({ version: 'ed-1', mode: 'enforce', thresholds: { login: { challenge: 0.6, block: 0.95 } } })
    const s = await signIn()
    const page = await (await get(`${C}/config`, s.cookie)).response.text()
    expect(page).toContain('&#34;ed-1&#34;') // the stored text, escaped into the textarea
    expect(page).toContain(`formaction="${C}/dryrun"`) // "dry run this first" posts the same text

    const bad = JSON.stringify({ version: 'ed-2', mode: 'sideways', thresholds: { login: { challenge: 0.6, block: 'high' } } })
    for (const path of [`${C}/config/validate`, `${C}/config`]) {
      const { response } = await post(path, { config: bad, csrf: s.csrf }, s.cookie)
      expect(response.status, path).toBe(400)
      const html = await response.text()
      expect(html, path).toContain('<code>mode</code>')
      expect(html, path).toContain('<code>thresholds.login.block</code>')
      expect(html, path).toContain('nothing was changed')
    }
    const notJson = await post(`${C}/config`, { config: '{"version": ', csrf: s.csrf }, s.cookie)
    expect(notJson.response.status).toBe(400)
    expect(await notJson.response.text()).toContain('<code>(root)</code>: not JSON')
    expect((await stored())?.version).toBe('ed-1')
    expect(await health()).toMatchObject({ config: 'ed-1', mode: 'enforce' })

    const ok = await post(`${C}/config/validate`, { config: JSON.stringify({ version: 'ed-1', mode: 'shadow' }), csrf: s.csrf }, s.cookie)
    expect(ok.response.status).toBe(200)
    expect(await ok.response.text()).toContain('Valid')
    expect((await stored())?.mode).toBe('enforce')
  })

  it('Save writes a valid config, bumping a version left as it was, and this isolate uses it at once', async () => {
    await writeConfig({ version: '2026-01-01.3', mode: 'enforce' })
    const s = await signIn()
    const saved = await post(`${C}/config`, { config: JSON.stringify({ version: '2026-01-01.3', mode: 'shadow' }), csrf: s.csrf }, s.cookie)
    expect(saved.response.status).toBe(303)
    expect(saved.response.headers.get('location')).toBe(`${C}/config?done=saved`)
    const now = await stored()
    expect(now?.mode).toBe('shadow')
    expect(now?.version).not.toBe('2026-01-01.3')
    expect(now?.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/)
    expect(await health()).toMatchObject({ mode: 'shadow', config: now?.version })
    // A version the operator names is kept.
    await post(`${C}/config`, { config: JSON.stringify({ version: 'named-7', mode: 'enforce' }), csrf: s.csrf }, s.cookie)
    expect(await stored()).toEqual({ version: 'named-7', mode: 'enforce' })
  })
})

describe('config editor: two operators', () => {
  it('refuses a Save of text loaded from a version no longer stored (someone saved meanwhile): nothing written, the text kept; reloaded, it saves', async () => {
    await writeConfig({ version: 'two-1', mode: 'enforce' })
    const s = await signIn()
    const base = (html: string) => /name="base" value="([^"]*)"/.exec(html)?.[1]
    const loaded = await (await get(`${C}/config`, s.cookie)).response.text()
    expect(base(loaded)).toBe('two-1')
    // Another operator saves while this tab is open.
    await writeConfig({ version: 'two-2', mode: 'enforce', thresholds: { login: { challenge: 0.5, block: 0.9 } } })
    const stale = await post(`${C}/config`, { config: JSON.stringify({ version: 'two-1', mode: 'shadow' }), base: 'two-1', csrf: s.csrf }, s.cookie)
    expect(stale.response.status).toBe(409)
    const html = await stale.response.text()
    expect(html).toContain('the stored config changed after this text was loaded (it is now version two-2)')
    expect(html).toContain('&#34;shadow&#34;') // the operator's text is kept in the textarea
    expect(base(html)).toBe('two-1') // saving from this page again is refused again
    expect((await post(`${C}/config`, { config: JSON.stringify({ version: 'two-1', mode: 'shadow' }), base: 'two-1', csrf: s.csrf }, s.cookie)).response.status).toBe(409)
    expect(await stored()).toEqual({ version: 'two-2', mode: 'enforce', thresholds: { login: { challenge: 0.5, block: 0.9 } } })
    // Reloaded: the editor starts from the stored version, and a Save from it is written (version bumped).
    const reloaded = await (await get(`${C}/config`, s.cookie)).response.text()
    expect(base(reloaded)).toBe('two-2')
    const again = await post(`${C}/config`, { config: JSON.stringify({ version: 'two-2', mode: 'shadow' }), base: 'two-2', csrf: s.csrf }, s.cookie)
    expect(again.response.status).toBe(303)
    expect((await stored())?.mode).toBe('shadow')
    expect((await stored())?.version).not.toBe('two-2')
  })
})

const MODEL = (() => {
  const m = defaultModel()
  if (!m.ok) throw new Error('no bundled model')
  return m.value.version
})()

/** A checkout POST from a browser with a valid device cookie, scored `risk` by the bundled model under config `dry-1`. */
function line(ref: string, risk: number, would: string, extra: Record<string, unknown> = {}) {
  return {
    at: Date.now() - 1_000 + Number(ref.slice(-2)), ref, method: 'POST', host: 'shop.edge.test', path: '/checkout', route: 'checkout', ip: '203.0.113.0/24', asn: 64500, country: 'NL',
    device: 'dev-1', user: null, agent: null, risk, model_risk: risk, action: would, would_action: would, source: 'model', app: null, mode: 'enforce',
    reasons: ['device_checkouts_10m'], rules: [], model: MODEL, config: 'dry-1', origin_status: 200, missing: [], detail: null, status: null, ua: UA,
    features: { route_class: 7, method_is_post: 1, ua_missing: 0, ua_is_bot: 0, ua_claims_browser: 1, cookie_missing: 0, cookie_invalid: 0, cookie_replayed: 0, device_checkouts_10m: 4 },
    ...extra,
  }
}

/** The root's sample holds exactly `lines` (the storage outlives a test in this file). */
async function sample(lines: readonly Record<string, unknown>[]): Promise<void> {
  await runInDurableObject(root(), (_i, state) => void state.storage.sql.exec('DELETE FROM console_sample'))
  await root().report(3, `dry-epoch-${Math.random()}`, 1, emptyDelta(), Date.now(), { minutes: [], sample: lines as never })
}

const IN_FORCE = { version: 'dry-1', mode: 'enforce', thresholds: { checkout: { challenge: 0.6, block: 0.95 } } }
const LOWER_BLOCK = { version: 'dry-2', mode: 'enforce', thresholds: { checkout: { challenge: 0.6, block: 0.8 } } }
const HOSTILE_PATH = '/checkout/"><script>alert(1)</script>'
const HOSTILE_UA = '<script>alert("ua")</script> Mozilla/5.0'

function counts(html: string) {
  return {
    redecided: Number(/id="redecided">([\d,]+)</.exec(html)?.[1]?.replace(/,/g, '')),
    flips: Number(/id="flips">([\d,]+)</.exec(html)?.[1]?.replace(/,/g, '')),
  }
}

describe('dry run', () => {
  it('re-decides the sample under a candidate that lowers the checkout block threshold: exactly the lines between the two thresholds flip, nothing is written', async () => {
    await writeConfig(IN_FORCE)
    await sample([
      line('dry00000000000001', 0.5, 'allow'),
      line('dry00000000000002', 0.7, 'challenge'),
      line('dry00000000000003', 0.9, 'challenge', { path: HOSTILE_PATH, ua: HOSTILE_UA }),
      line('dry00000000000004', 0.85, 'challenge'),
      line('dry00000000000005', 0.97, 'block'),
      line('dry00000000000006', 0.9, 'challenge', { features: null }), // no features: not re-decided
      line('dry00000000000007', 0.9, 'block', { source: 'deny_list', reasons: ['deny_ip'] }), // a list decided it
    ])
    const s = await signIn()
    const page = await (await get(`${C}/dryrun`, s.cookie)).response.text()
    expect(page).toContain('&#34;dry-1&#34;') // prefilled with the stored config

    const { response } = await post(`${C}/dryrun`, { config: JSON.stringify(LOWER_BLOCK), csrf: s.csrf }, s.cookie)
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(counts(html)).toEqual({ redecided: 5, flips: 2 })
    // The flips are the two lines scored between 0.8 and 0.95, and only they link as examples.
    const examples = [...html.matchAll(/decisions\/(dry\d+)"/g)].map((m) => m[1])
    expect(examples.sort()).toEqual(['dry00000000000003', 'dry00000000000004'])
    expect(html).toContain('1: the line kept no features')
    expect(html).toContain('1: decided by a list')
    // challenge → block 2, allow → allow 1, challenge → challenge 1, block → block 1.
    const row = () => /<tr><th scope="row" class="act-[a-z_]+">([a-z_]+)<\/th>(.*?)<\/tr>/g
    const rows = Object.fromEntries([...html.matchAll(row())].map((m) => [m[1], [...m[2]!.matchAll(/>([\d,]+)<\/td>/g)].map((x) => Number(x[1]))]))
    expect(rows).toEqual({ allow: [1, 0, 0], challenge: [0, 1, 2], block: [0, 0, 1] })
    // Hostile text from traffic comes out escaped.
    expect(html).not.toMatch(/<script>alert/)
    expect(html).toContain('&#60;script&#62;alert(&#34;ua&#34;)')
    // Nothing changed in force.
    expect((await stored())?.version).toBe('dry-1')
    expect(await health()).toMatchObject({ config: 'dry-1' })
  })

  it('the same candidate in force changes nothing: no flips', async () => {
    await writeConfig(IN_FORCE)
    await sample([line('same0000000000001', 0.5, 'allow'), line('same0000000000002', 0.9, 'challenge'), line('same0000000000003', 0.97, 'block')])
    const s = await signIn()
    const html = await (await post(`${C}/dryrun`, { config: JSON.stringify(IN_FORCE), csrf: s.csrf }, s.cookie)).response.text()
    expect(counts(html)).toEqual({ redecided: 3, flips: 0 })
  })

  it('a new rule that reads a fact the line does not keep leaves the lines it could act on not re-decided, and settles the rest on what they keep', async () => {
    await writeConfig(IN_FORCE)
    await sample([
      line('rule0000000000001', 0.5, 'allow'),
      line('rule0000000000002', 0.5, 'allow', { route: 'other', method: 'GET', path: '/', features: { route_class: 10, method_is_post: 0, ua_claims_browser: 1, cookie_missing: 0, cookie_invalid: 0 } }),
    ])
    const candidate = { ...IN_FORCE, version: 'dry-3', rules: [{ name: 'checkout_nav_burst', when: "route == 'checkout' and ip.navigations_1m > 5", action: 'block' }] }
    const s = await signIn()
    const html = await (await post(`${C}/dryrun`, { config: JSON.stringify(candidate), csrf: s.csrf }, s.cookie)).response.text()
    expect(counts(html)).toEqual({ redecided: 1, flips: 0 })
    expect(html).toContain('1: a new or changed rule reads a fact the line does not keep')
  })

  it('a line whose vector has its address\'s sign-ups was no crowd: dropping the rule that blocked it leaves a verdict it can settle; without them it cannot', async () => {
    await writeConfig(IN_FORCE)
    const stuffer = (ref: string, signups: boolean) =>
      line(ref, 0.97, 'block', {
        source: 'rule', ua: 'python-requests/2.31', rules: ['declared_bot_on_sensitive_route'], reasons: ['declared_bot_on_sensitive_route'],
        features: { route_class: 7, method_is_post: 1, ua_is_bot: 1, ua_claims_browser: 0, cookie_missing: 1, cookie_invalid: 0, ...(signups ? { ip_signups_1h: 0 } : {}) },
      })
    await sample([stuffer('crowd000000000001', true), stuffer('crowd000000000002', false)])
    const s = await signIn()
    // No rules: the model alone at 0.97 blocks a POST — unless the client was a crowd, which it only challenges.
    const html = await (await post(`${C}/dryrun`, { config: JSON.stringify({ ...IN_FORCE, version: 'dry-5', rules: [] }), csrf: s.csrf }, s.cookie)).response.text()
    expect(counts(html)).toEqual({ redecided: 1, flips: 0 })
    expect(html).toContain('1: the candidate verdict depends on facts the line does not keep')
  })

  it('a candidate naming another model in KV re-scores the logged vectors with it, and the model in force stays', async () => {
    await writeConfig(IN_FORCE)
    // The bundled trees with a much higher base score: another model, loaded as the Worker loads `model:<name>`.
    const alt = { ...(bundledModel as Record<string, unknown>), model_version: 'alt-dry-1', base_score: 0.99 }
    await env.EDGEWARD_CONFIG.put('model:alt-dry-1', JSON.stringify(alt))
    // With the address's sign-ups in the vector (counters answered, no crowd), as a real line has them.
    const counted = (ref: string, risk: number, would: string) => { const l = line(ref, risk, would); return { ...l, features: { ...l.features, ip_signups_1h: 0 } } }
    const lines = [counted('alt00000000000001', 0.5, 'allow'), counted('alt00000000000002', 0.7, 'challenge')]
    await sample(lines)
    // What that model scores each logged vector, and the checkout verdict for a browser with a device at 0.6 / 0.95.
    const model = parseModel(alt, CODE_FEATURES)
    if (!model.ok) throw new Error('alt model refused')
    const expected = lines.map((l) => {
      const vec = emptyFeatureVector()
      for (const [k, v] of Object.entries(l.features as Record<string, number>)) vec[FEATURE_INDEX[k as FeatureName]] = v
      const risk = predict(model.value, vec)
      return risk >= 0.95 ? 'block' : risk >= 0.6 ? 'challenge' : 'allow'
    })
    expect(expected).not.toEqual(['allow', 'challenge']) // the test means something only if the new model moves them
    const s = await signIn()
    const html = await (await post(`${C}/dryrun`, { config: JSON.stringify({ ...IN_FORCE, version: 'dry-6', model: { active: 'alt-dry-1' } }), csrf: s.csrf }, s.cookie)).response.text()
    expect(html).toContain('2 lines were re-scored by the candidate')
    expect(counts(html)).toEqual({ redecided: 2, flips: expected.filter((x, i) => x !== lines[i]!.would_action).length })
    for (const [i, l] of lines.entries()) {
      if (expected[i] !== l.would_action) expect(html).toMatch(new RegExp(`decisions/${l.ref}">${l.ref}</a></td><td class="act-${l.would_action}">${l.would_action}</td><td class="act-${expected[i]}">`))
    }
    expect((await health()).config).toBe('dry-1')
    const live = (await (await callWorker(`${SITE}/__edgeward/health`)).response.json()) as { model: string }
    expect(live.model).toBe(MODEL)
  })

  it('re-scored by another model, a rule unchanged from the config in force that reads the score is evaluated on the new score, not kept as logged', async () => {
    const alt = { ...(bundledModel as Record<string, unknown>), model_version: 'alt-dry-2', base_score: 0.99 }
    await env.EDGEWARD_CONFIG.put('model:alt-dry-2', JSON.stringify(alt))
    const model = parseModel(alt, CODE_FEATURES)
    if (!model.ok) throw new Error('alt model refused')
    const l = line('gate0000000000001', 0.5, 'allow', { config: 'dry-7' })
    const features = { ...(l.features as Record<string, number>), ip_signups_1h: 0 } // counters answered: no crowd
    const vec = emptyFeatureVector()
    for (const [k, v] of Object.entries(features)) vec[FEATURE_INDEX[k as FeatureName]] = v
    const rescored = predict(model.value, vec)
    expect(rescored).toBeGreaterThan(0.6) // the test means something only if the new score is past the rule's bar
    // The rule blocks at a score the logged line (0.5) was under and the new one is over; the thresholds never act.
    const gate = { name: 'risky_checkout', when: `route == 'checkout' and risk >= ${(rescored - 0.05).toFixed(3)}`, action: 'block' }
    const inForce = { version: 'dry-7', mode: 'enforce', thresholds: { checkout: { challenge: 1, block: 1 } }, rules: [gate] }
    await writeConfig(inForce)
    await sample([{ ...l, features }])
    const s = await signIn()
    const html = await (await post(`${C}/dryrun`, { config: JSON.stringify({ ...inForce, model: { active: 'alt-dry-2' } }), csrf: s.csrf }, s.cookie)).response.text()
    expect(html).toContain('1 line was re-scored by the candidate')
    expect(counts(html)).toEqual({ redecided: 1, flips: 1 })
    expect(html).toMatch(/decisions\/gate0000000000001">gate0000000000001<\/a><\/td><td class="act-allow">allow<\/td><td class="act-block">block<\/td>/)
    expect(html).toContain('risky_checkout')
  })

  it('an invalid candidate shows its problems at their paths and runs nothing', async () => {
    await writeConfig(IN_FORCE)
    const s = await signIn()
    const { response } = await post(`${C}/dryrun`, { config: JSON.stringify({ version: 'dry-4', thresholds: { checkout: { block: -1 } } }), csrf: s.csrf }, s.cookie)
    expect(response.status).toBe(400)
    const html = await response.text()
    expect(html).toContain('<code>thresholds.checkout')
    expect(html).not.toContain('id="flips"')
  })
})
