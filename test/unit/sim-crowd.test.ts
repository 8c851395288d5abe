// People as messy as real ones: many behind one address (offices arriving within minutes, campuses,
// carrier-grade NAT with dozens per address), a browser's sub-resource burst with the right
// Sec-Fetch headers (none of the static ones on a warm cache, no scripts with JavaScript off), and
// a join that gives each line on a shared address to the person who sent it.
import { describe, expect, it } from 'vitest'
import type { Actor, Reply, RequestOptions } from '../../src/cli/simulate/actor'
import { browserHeaders, browserProfile } from '../../src/cli/simulate/browsers'
import { PEOPLE_MIX, planCrowd } from '../../src/cli/simulate/crowd'
import { pageLoader } from '../../src/cli/simulate/families/pageLoad'
import { persona } from '../../src/cli/simulate/families/humanHttp'
import { ipPool } from '../../src/cli/simulate/ips'
import { joinTruth, type Owner, type SentRequest } from '../../src/cli/simulate/join'
import type { LogLine } from '../../src/cli/simulate/logLines'
import { random } from '../../src/cli/simulate/random'
import { DEMO_ACCOUNTS, demoPassword, demoUser, personAccount, type World } from '../../src/cli/simulate/world'

describe('planCrowd', () => {
  const seats = planCrowd(5000, 600_000, random(1, 'seats'), ipPool(random(1)))
  const bySite = new Map<string, typeof seats>()
  for (const s of seats) if (s.site !== null) bySite.set(s.site.id, [...(bySite.get(s.site.id) ?? []), s])

  it('puts about half the people behind shared addresses, in the mix asked for', () => {
    expect(seats).toHaveLength(5000)
    const shared = seats.filter((s) => s.site !== null).length
    expect(shared / 5000).toBeCloseTo(1 - PEOPLE_MIX.shares.household, 2)
    const ips = new Map<string, number>()
    for (const s of seats) ips.set(s.ip, (ips.get(s.ip) ?? 0) + 1)
    expect(Math.max(...ips.values())).toBeGreaterThanOrEqual(20) // dozens on one carrier-NAT address
    expect(seats.filter((s) => s.site === null).every((s) => ips.get(s.ip) === 1)).toBe(true)
  })

  it('seats 5–30 colleagues on one office address, arriving within three minutes, on one network', () => {
    const offices = [...bySite.values()].filter((g) => g[0]!.site!.kind === 'office')
    expect(offices.length).toBeGreaterThan(10)
    for (const g of offices.slice(0, -1)) {
      expect(g.length).toBeGreaterThanOrEqual(5)
      expect(g.length).toBeLessThanOrEqual(30)
      expect(new Set(g.map((s) => s.ip)).size).toBe(1)
      const starts = g.map((s) => s.startMs!)
      expect(Math.max(...starts) - Math.min(...starts)).toBeLessThanOrEqual(180_000)
    }
  })

  it('spreads a campus over a few addresses of one /24, and carrier NAT on mobile networks', () => {
    const campus = [...bySite.values()].find((g) => g[0]!.site!.kind === 'campus')!
    const addrs = new Set(campus.map((s) => s.ip))
    expect(addrs.size).toBeGreaterThan(1)
    expect(new Set([...addrs].map((ip) => ip.split('.').slice(0, 3).join('.'))).size).toBe(1)
    for (const g of bySite.values()) if (g[0]!.site!.kind === 'cgnat') expect(g[0]!.site!.network).toBe('mobile')
  })

  it('gives carrier-NAT people mobile browsers and some people three wrong passwords', () => {
    const cgnat = seats.find((s) => s.site?.kind === 'cgnat')!
    for (let i = 0; i < 50; i++) expect(['chrome_android', 'safari_ios', 'samsung', 'firefox_android']).toContain(persona(cgnat, random(i), 'base').browser)
    const ps = Array.from({ length: 2000 }, (_, i) => persona({ site: null }, random(i, 'p'), 'base'))
    expect(ps.filter((p) => p.wrong === 3).length).toBeGreaterThan(20)
    expect(ps.filter((p) => p.returning && !p.javascript).length).toBeGreaterThan(50)
  })
})

describe('a page load', () => {
  const sent: Array<{ path: string; kind: string | undefined }> = []
  const ok: Reply = { status: 200, mitigated: null, ref: null, location: null }
  const actor: Actor = {
    ip: '127.9.9.9', session: 's',
    get: async (path: string, o: RequestOptions = {}) => (sent.push({ path, kind: o.kind }), ok),
    post: async () => ok,
    cookie: () => undefined,
    setCookie: () => undefined,
    close: () => undefined,
  }

  it('fetches the stylesheet, script and favicon once in a burst after the document, and the page data as cors XHR', async () => {
    sent.length = 0
    const l = pageLoader(actor, random(1), { warmCache: false, javascript: true })
    await l.load('/products', undefined)
    await l.load('/products?page=2', '/products')
    expect(sent.slice(0, 5).map((s) => s.kind)).toEqual([undefined, 'style', 'script', 'image', 'xhr'])
    expect(sent.slice(5).map((s) => s.kind)).toEqual([undefined, 'xhr']) // cached now
    const p = browserProfile('chrome', 'US', random(2))
    const xhr = new Map(browserHeaders(p, 'xhr', { host: 'h' }).map(([k, v]) => [k.toLowerCase(), v]))
    expect([xhr.get('sec-fetch-dest'), xhr.get('sec-fetch-mode'), xhr.get('sec-fetch-site')]).toEqual(['empty', 'cors', 'same-origin'])
    const script = new Map(browserHeaders(p, 'script', { host: 'h' }).map(([k, v]) => [k.toLowerCase(), v]))
    expect([script.get('sec-fetch-dest'), script.get('sec-fetch-mode')]).toEqual(['script', 'no-cors'])
  })

  it('skips cached assets on a warm cache and scripts with JavaScript off', async () => {
    sent.length = 0
    await pageLoader(actor, random(1), { warmCache: true, javascript: true }).load('/', undefined)
    expect(sent.map((s) => s.path)).toEqual(['/'])
    sent.length = 0
    await pageLoader(actor, random(1), { warmCache: false, javascript: false }).load('/products', undefined)
    expect(sent.map((s) => s.kind)).toEqual([undefined, 'style', 'image'])
  })
})

describe('joinTruth on a shared address', () => {
  const T0 = Date.parse('2026-12-05T10:00:00.000Z')
  const ip = '127.40.0.2'
  const owners = new Map<string, Owner[]>([[ip, [{ family: 'human_http', session: 'a', label: 0 }, { family: 'human_http', session: 'b', label: 0 }]]])
  const line = (ref: string, ms: number, path: string, action = 'allow'): LogLine => ({ ts: new Date(T0 + ms).toISOString(), ref, method: 'GET', path, route: 'other', ip, device: null, user: null, risk: 0, action })
  const req = (session: string, ms: number, path: string, ref: string | null = null): SentRequest => ({ session, ip, method: 'GET', path, startedAt: T0 + ms, ms: 30, ref })

  it('gives each line to the person who sent it: by ref, else by method, path and time', () => {
    const requests = [req('a', 0, '/'), req('b', 5, '/'), req('b', 400, '/products', 'r-block'), req('a', 410, '/products')]
    const lines = [line('x1', 6, '/'), line('x2', 1, '/'), line('x3', 411, '/products'), line('r-block', 402, '/products', 'block')]
    const j = joinTruth(lines, owners, 0, requests)
    expect(j.rows.map((r) => [r.ref, r.session])).toEqual([['x1', 'b'], ['x2', 'a'], ['x3', 'a'], ['r-block', 'b']])
    expect(j.shared).toEqual({ by_ref: 1, by_request: 3, by_time: 0 })
  })
})

describe('personAccount', () => {
  const world = (seed: number) => ({ seed }) as World
  it('gives each person their own account: the built-in ones first (shuffled), then people accounts the demo knows', async () => {
    const all = Array.from({ length: 5_050 }, (_, index) => personAccount({ world: world(7), index }))
    expect(new Set(all).size).toBe(all.length)
    expect(all.slice(0, DEMO_ACCOUNTS).every((n) => n >= 1 && n <= DEMO_ACCOUNTS)).toBe(true)
    expect(all.slice(DEMO_ACCOUNTS).every((n) => n > DEMO_ACCOUNTS)).toBe(true)
    // The demo origin signs each of them in with the password the simulator types.
    const { checkLogin } = await import('../../worker/demo/users')
    const state = { signups: new Map() } as unknown as Parameters<typeof checkLogin>[0]
    for (const n of [all[0]!, all[DEMO_ACCOUNTS]!, all.at(-1)!, 50_001]) {
      expect(await checkLogin(state, demoUser(n), demoPassword(n))).toBe(true)
      expect(await checkLogin(state, demoUser(n), `${demoPassword(n)}x`)).toBe(false)
    }
    expect(demoUser(1001)).toBe('person01001@people.example')
    expect(demoUser(1000)).toBe('user1000@example.com')
  })
  it('is the same for a seed and differs between seeds', () => {
    const order = (seed: number) => Array.from({ length: 20 }, (_, index) => personAccount({ world: world(seed), index }))
    expect(order(7)).toEqual(order(7))
    expect(order(8)).not.toEqual(order(7))
  })
})
