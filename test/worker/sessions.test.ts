// Stolen sessions inside workerd: a session cookie the origin sets on a sign-in is bound to that
// browser's device and country; replayed from another device it is blocked on its first request, from
// another country marked review for the origin; the owner's own requests (another network included) pass without an
// object call; a session edgeward never saw is adopted, not judged. Nothing stored or logged names the cookie.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SESSION_SHARDS } from '../../src/counters/keys'
import { callWorker, clearConfig, writeConfig, type Call } from '../support/worker'
import { deviceCookie } from '../support/journey'

const TRUST = { EDGEWARD_TRUST_TEST_HEADERS: 'true' }
const NL = { asn: 64501, country: 'NL' }
const NL_MOBILE = { asn: 64777, country: 'NL' }
const VN = { asn: 64503, country: 'VN' }
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

let n = 0
const newSid = (): string => `sid-${++n}-${crypto.randomUUID()}`
const setsSid = (sid: string) => () => new Response('welcome', { status: 200, headers: { 'set-cookie': `sid=${sid}; Path=/; HttpOnly; Max-Age=3600` } })
const companionOf = (call: Call): string | undefined => /__edgeward_sb=([^;]+)/.exec(call.response.headers.getSetCookie().join('\n'))?.[1]

/** A GET of an account page carrying `cookie`, from `ip` on `net`. */
function visit(cookie: string, ip: string, net: { asn: number; country: string }, opts: { env?: Partial<Env> } = {}): Promise<Call> {
  return callWorker('/account', { headers: { cookie, 'x-edgeward-test-cf': JSON.stringify(net) } }, { clientIp: ip, env: { ...TRUST, ...opts.env } })
}

/** A browser at `ip` on `net` signs in; the origin answers with session cookie `sid`. */
async function signIn(ip: string, net: { asn: number; country: string }, sid: string) {
  const device = await deviceCookie(ip)
  const login = await callWorker('/login', { method: 'POST', body: `username=s${n}%40example.com&password=right`, headers: { ...FORM, cookie: device.cookie, 'x-edgeward-test-cf': JSON.stringify(net) } }, { clientIp: ip, reply: setsSid(sid), env: TRUST })
  return { device, login, companion: companionOf(login) }
}

beforeEach(async () => {
  // Rules alone decide (the model's view of these requests is tested elsewhere).
  await writeConfig({ version: 'sessions', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 }, sessions: { cookie_names: ['sid'], keep_hours: 168 } })
})
afterEach(clearConfig)

describe('stolen sessions', () => {
  it('binds the session a sign-in gets, lets the owner through anywhere in its country, and blocks it replayed from another device on its first request', async () => {
    const sid = newSid()
    const owner = await signIn('198.51.100.20', NL, sid)
    expect(owner.login.logs[0]).toMatchObject({ action: 'allow' })
    expect(owner.companion).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-f]{32}$/)
    const jar = `${owner.device.cookie}; sid=${sid}; __edgeward_sb=${owner.companion}`
    // The owner, then the owner's phone network in the same country (its device cookie now reads as moved: the id is the same).
    for (const [ip, net] of [['198.51.100.20', NL], ['100.64.9.9', NL_MOBILE]] as const) {
      const own = await visit(jar, ip, net)
      expect(own.logs[0]).toMatchObject({ action: 'allow' })
      expect(own.logs[0]?.rules).not.toEqual(expect.arrayContaining([expect.stringMatching(/^session_moved/)]))
      expect(own.seen).toHaveLength(1)
    }
    // A thief with the session cookie alone: its own device, or none — blocked on its first request, never forwarded.
    const thiefIp = '203.0.113.99'
    const thief = await deviceCookie(thiefIp)
    for (const cookie of [`${thief.cookie}; sid=${sid}`, `sid=${sid}`]) {
      const stolen = await visit(cookie, thiefIp, NL)
      expect(stolen.logs[0]).toMatchObject({ action: 'block', rules: expect.arrayContaining(['session_moved']) })
      expect(stolen.seen).toHaveLength(0)
    }
    // …and with a companion of a session of its own beside the stolen one: that MAC is over another value.
    const own = await signIn(thiefIp, NL, newSid())
    const mixed = await visit(`${thief.cookie}; sid=${sid}; __edgeward_sb=${own.companion}`, thiefIp, NL)
    expect(mixed.logs[0]).toMatchObject({ action: 'block', rules: expect.arrayContaining(['session_moved']) })
    // Under a path a route pattern calls static (an origin may read `/static/x;/../account` or `/account;x.css` as a page): judged all the same.
    const asStatic = await callWorker('/static/app.css', { headers: { cookie: `${thief.cookie}; sid=${sid}`, 'x-edgeward-test-cf': JSON.stringify(NL) } }, { clientIp: thiefIp, env: TRUST })
    expect(asStatic.logs[0]).toMatchObject({ route: 'static', action: 'block', rules: expect.arrayContaining(['session_moved']) })
    // Spelt as the origin's parser still reads it (quoted, %-escaped), or behind a decoy of the same
    // name that the origin may not read: each value is judged, canonical.
    const escaped = sid.replace(/-/g, '%2D')
    for (const cookie of [`sid="${sid}"`, `sid=${escaped}`, `sid=decoy-${n}; sid=${sid}`, `sid=a; sid=b; sid=c; sid=d; sid=e; sid=${sid}`]) {
      const spelt = await visit(`${thief.cookie}; ${cookie}`, thiefIp, NL)
      expect(spelt.logs[0], cookie).toMatchObject({ action: 'block', rules: expect.arrayContaining(['session_moved']) })
    }
  })

  it('lets a person whose binding went stale (a new device cookie) sign in again, and binds the new session there', async () => {
    const sid = newSid()
    const first = await signIn('198.51.100.26', NL, sid)
    // Edgeward's cookies cleared, the origin's kept: the old session now reads as another device's…
    const fresh = await deviceCookie('198.51.100.26')
    expect((await visit(`${fresh.cookie}; sid=${sid}`, '198.51.100.26', NL)).logs[0]).toMatchObject({ action: 'block' })
    // …but a sign-in shows the password again: it is judged as any sign-in, and its new session is bound to this device.
    const next = newSid()
    const again = await callWorker('/login', { method: 'POST', body: `username=s${n}%40example.com&password=right`, headers: { ...FORM, cookie: `${fresh.cookie}; sid=${sid}; __edgeward_sb=${first.companion}`, 'x-edgeward-test-cf': JSON.stringify(NL) } }, { clientIp: '198.51.100.26', reply: setsSid(next), env: TRUST })
    expect(again.logs[0]).toMatchObject({ action: 'allow' })
    const companion = companionOf(again)
    expect(companion).toBeDefined()
    expect((await visit(`${fresh.cookie}; sid=${next}; __edgeward_sb=${companion}`, '198.51.100.26', NL)).logs[0]).toMatchObject({ action: 'allow' })
  })

  it('keeps a session bound when the device cookie is re-issued on another network (a phone changing carrier), and binds it to nothing else', async () => {
    const sid = newSid()
    const owner = await signIn('198.51.100.25', NL, sid)
    const jar = `${owner.device.cookie}; sid=${sid}; __edgeward_sb=${owner.companion}`
    // The phone's next page load, on another carrier: its collect re-issues the device under a new id…
    const moved = await deviceCookie('100.64.77.7', { cookie: jar })
    expect(moved.device).not.toBe(owner.device.device)
    const carried = /__edgeward_sb=([^;]+)/.exec(moved.setCookies.join('\n'))?.[1]
    expect(carried).toBeDefined()
    // …and its requests with the new id keep the session, in the same country.
    const next = await visit(`${moved.cookie}; sid=${sid}; __edgeward_sb=${carried}`, '100.64.77.7', NL_MOBILE)
    expect(next.logs[0]).toMatchObject({ action: 'allow' })
    // Without the companion (the session cookie alone beside a device cookie) nothing is carried.
    const bare = await deviceCookie('100.64.78.7', { cookie: `${owner.device.cookie}; sid=${sid}` })
    expect(bare.setCookies.join('\n')).not.toContain('__edgeward_sb=')
    // The carried companion keeps the country: the jar, new id and all, abroad is still marked.
    const abroad = await visit(`${moved.cookie}; sid=${sid}; __edgeward_sb=${carried}`, '203.0.113.130', VN)
    expect(abroad.logs[0]).toMatchObject({ action: 'review', rules: expect.arrayContaining(['session_moved_country']) })
  })

  it('marks the whole cookie jar replayed from another country review (never a challenge: no rule lifts it, no-JavaScript browsers cannot pass it), and refuses a companion whose binding was edited', async () => {
    const sid = newSid()
    const owner = await signIn('198.51.100.21', NL, sid)
    const jar = `${owner.device.cookie}; sid=${sid}; __edgeward_sb=${owner.companion}`
    const abroad = await visit(jar, '203.0.113.120', VN)
    expect(abroad.logs[0]).toMatchObject({ action: 'review', rules: expect.arrayContaining(['session_moved_country']) })
    // A thief who rewrites the companion's country to its own: the MAC no longer verifies, and the stored binding still says NL.
    const [payload, mac] = owner.companion!.split('.')
    const claims = JSON.parse(atob(payload!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
    const edited = btoa(JSON.stringify({ ...claims, c: 'VN' })).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    const forged = await visit(`${owner.device.cookie}; sid=${sid}; __edgeward_sb=${edited}.${mac}`, '203.0.113.120', VN)
    expect(forged.logs[0]).toMatchObject({ action: 'review', rules: expect.arrayContaining(['session_moved_country']) })
  })

  it('adopts a session it never bound (set before it was deployed): no judgement, a companion for that client alone', async () => {
    const sid = newSid()
    const device = await deviceCookie('198.51.100.22')
    const first = await visit(`${device.cookie}; sid=${sid}`, '198.51.100.22', NL)
    expect(first.logs[0]).toMatchObject({ action: 'allow' })
    const companion = companionOf(first)
    expect(companion).toBeDefined()
    // Someone else with the same unbound cookie is not judged either: nothing was stored to judge it by.
    const other = await visit(`sid=${sid}`, '203.0.113.121', VN)
    expect(other.logs[0]).toMatchObject({ action: 'allow' })
  })

  it('fails open when the bindings do not answer, and says so', async () => {
    const sid = newSid()
    await signIn('198.51.100.23', NL, sid)
    const down = { idFromName: (name: string) => env.SESSION_BINDINGS.idFromName(name), get: () => ({ lookup: () => Promise.reject(new Error('down')), bind: () => Promise.reject(new Error('down')) }) }
    const stolen = await visit(`sid=${sid}`, '203.0.113.122', NL, { env: { SESSION_BINDINGS: down as unknown as Env['SESSION_BINDINGS'] } })
    expect(stolen.response.status).toBe(200)
    expect(stolen.logs[0]).toMatchObject({ action: 'allow', missing: expect.arrayContaining(['sessions_error']) })
  })

  it('forgets a binding when it expires: its alarm deletes it, and an object with none left is emptied', async () => {
    const stub = env.SESSION_BINDINGS.get(env.SESSION_BINDINGS.idFromName(`test-bindings-${n++}`))
    const T = Date.UTC(2100, 0, 1)
    await stub.bind({ now: T, session: 'ab'.repeat(16), binding: { device: 'd1', country: 'NL' }, expiresAt: T + 60_000 })
    await stub.bind({ now: T, session: 'cd'.repeat(16), binding: { device: null, country: null }, expiresAt: T + 120_000 })
    expect(await stub.lookup({ now: T + 1, session: 'ab'.repeat(16) })).toEqual({ device: 'd1', country: 'NL' })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const count = () => runInDurableObject(stub, (_obj, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM bindings').one().n)
    expect(await count()).toBe(1)
    expect(await stub.lookup({ now: T + 60_001, session: 'ab'.repeat(16) })).toBeNull()
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await count()).toBe(0)
    expect(await runDurableObjectAlarm(stub)).toBe(false) // nothing left: no alarm set
  })

  it('stores and logs no session cookie: every shard row and every line searched for it', async () => {
    const sid = newSid()
    const owner = await signIn('198.51.100.24', NL, sid)
    const stolen = await visit(`sid=${sid}`, '203.0.113.123', NL)
    const lines = JSON.stringify([...owner.login.logs, ...stolen.logs])
    expect(lines).not.toContain(sid)
    const rows = await Promise.all(
      Array.from({ length: SESSION_SHARDS }, (_, i) =>
        runInDurableObject(env.SESSION_BINDINGS.get(env.SESSION_BINDINGS.idFromName(JSON.stringify(['session', 'shard', i]))), (_obj, state) =>
          state.storage.sql.exec('SELECT * FROM bindings').toArray(),
        ),
      ),
    )
    const all = rows.flat()
    expect(all.length).toBeGreaterThanOrEqual(1) // the binding is in there, as a keyed hash
    const sha = [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(sid)))].map((b) => b.toString(16).padStart(2, '0')).join('')
    expect(JSON.stringify(all)).not.toContain(sid)
    expect(JSON.stringify(all)).not.toContain(sha.slice(0, 16))
  })
})
