// The legitimate-automation family (benign_automation): label 0 but automated, kept out of the
// people's friction and measured on its own; planned with one address per session; its plans stay
// well-behaved (one login with the session's own password, a few requests a minute) and its session
// logic, run against a fake client and against a real socket, never posts a wrong password.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Actor, Reply } from '../../src/cli/simulate/actor'
import { FAMILIES, FAMILY_INFO, isPeople } from '../../src/cli/simulate/catalog'
import { FAMILY_SPECS } from '../../src/cli/simulate/families'
import { BENIGN_SESSIONS, benignAutomation, benignKind, followPlan, MAX_PER_MINUTE, ownCredentials, planBenign, type BenignPlan } from '../../src/cli/simulate/families/benignAutomation'
import { joinTruth, type Owner } from '../../src/cli/simulate/join'
import { chooseLabels } from '../../src/cli/simulate/labels'
import type { LogLine } from '../../src/cli/simulate/logLines'
import { random } from '../../src/cli/simulate/random'
import { allFamilyResults, benignAutomationFriction, humanFriction } from '../../src/cli/simulate/report'
import { planRun } from '../../src/cli/simulate/schedule'
import { checkTargets } from '../../src/cli/simulate/targets'
import { createTruth } from '../../src/cli/simulate/truth'
import { demoPassword, demoUser, VARIANTS, type SessionContext, type Variant, type World } from '../../src/cli/simulate/world'
import { wilson } from '../../src/util/wilson'

function world(over: Partial<World> = {}): World {
  const startedAt = Date.now()
  return {
    target: new URL('http://127.0.0.1:9'), truth: createTruth(), seed: 1, variant: 'base', scale: 1, smoke: false, windowMs: 150_000, startedAt,
    deadline: startedAt + 600_000, chromium: null, pace: 0, abort: { stopped: false }, ...over,
  }
}

const ctx = (w: World, index: number, ip = `127.50.${index}.2`): SessionContext => ({
  world: w, family: 'benign_automation', index, session: `benign_automation-${String(index).padStart(3, '0')}`, ip, site: null, rng: random(w.seed, `${w.variant}/benign_automation/${index}`),
})

/** Plans for many sessions of every kind, both variants, full and smoke. */
function manyPlans(): BenignPlan[] {
  const out: BenignPlan[] = []
  for (const variant of VARIANTS) for (const smoke of [false, true]) for (let i = 0; i < 300; i++) out.push(planBenign(benignKind(i), random(i, `${variant}/${smoke}`), variant, smoke))
  return out
}

/** Most requests in any 60 s window of a plan's schedule (unscaled). */
function busiestMinute(plan: BenignPlan): number {
  let t = 0
  const times = plan.steps.map((s) => (t += s.waitMs))
  return Math.max(...times.map((start) => times.filter((x) => x >= start && x < start + 60_000).length))
}

describe('benign_automation in the catalog', () => {
  it('is legitimate (label 0) and automated, over HTTP, attempt = any request, with a runner', () => {
    expect(FAMILIES).toContain('benign_automation')
    expect(FAMILY_INFO.benign_automation).toMatchObject({ label: 0, automated: true, chromium: false, attempt: 'request' })
    expect(FAMILY_SPECS.benign_automation).toBe(benignAutomation)
    expect(isPeople('benign_automation')).toBe(false)
    expect(FAMILIES.filter(isPeople)).toEqual(['human_browser', 'human_http'])
  })
})

describe('friction: people apart from legitimate automation', () => {
  let n = 0
  const T0 = Date.parse('2026-11-21T07:00:00.000Z')
  const line = (ip: string, ms: number, action = 'allow'): LogLine => {
    n++
    return { ts: new Date(T0 + ms).toISOString(), ref: `ref${n}`, method: 'GET', path: '/', route: 'other', ip, device: null, user: null, risk: 0, action }
  }
  const owners = new Map<string, Owner>([
    ['127.2.0.2', { family: 'human_http', session: 'h-0', label: 0 }],
    ['127.3.0.2', { family: 'benign_automation', session: 'b-0', label: 0 }],
    ['127.3.1.2', { family: 'benign_automation', session: 'b-1', label: 0 }],
    ['127.3.2.2', { family: 'benign_automation', session: 'b-2', label: 0 }],
    ['127.3.3.2', { family: 'benign_automation', session: 'b-3', label: 0 }],
  ])
  const rows = joinTruth([line('127.2.0.2', 0), line('127.2.0.2', 5), line('127.3.0.2', 1, 'block'), line('127.3.0.2', 2), line('127.3.1.2', 3, 'challenge'), line('127.3.2.2', 4), line('127.3.3.2', 6)], owners).rows
  const results = allFamilyResults(rows, ['human_http', 'benign_automation'])

  it('counts only the people in human friction', () => {
    expect(humanFriction(rows)).toMatchObject({ sessions: 1, requests: 2, session_friction: 0, sessions_with_friction: 0, request_block_rate: 0, request_mitigated_rate: 0 })
  })

  it('gives benign automation its own per-family entry, friction figure and target', () => {
    expect(results.benign_automation).toMatchObject({ sessions: 4, requests: 5, mitigated_share: 2 / 5, blocked_share: 1 / 5, session_mitigated_share: 2 / 4 })
    expect(benignAutomationFriction(results)).toBe(0.5)
    expect(benignAutomationFriction(allFamilyResults(rows, ['human_http']))).toBeNull()
    const checks = checkTargets(results, humanFriction(rows))
    expect(checks.find((c) => c.target === 'benign automation sessions with any challenge or block')).toMatchObject({ value: 0.5, limit: 0.02, comparison: '<=', met: false })
    // One person unhurt is no evidence: the target is judged on the upper 95 % bound (0 of 1 → 0.79).
    expect(checks.find((c) => c.target === 'human sessions with any challenge or block')).toMatchObject({ value: 0, judged_on: 'upper95', met: false })
    expect(checks.some((c) => c.target.includes('recall') && c.target.includes('benign'))).toBe(false)
  })

  it('is never labelled fraud; its mitigated lines become legitimate complaints, like people', () => {
    const items = chooseLabels(rows, 1, random(1))
    expect(items.filter((i) => i.label === 'fraud')).toEqual([])
    expect(items.map((i) => i.note).sort()).toEqual(['family=benign_automation session=b-0 complaint', 'family=benign_automation session=b-1 complaint'])
  })
})

describe('planning', () => {
  it('plans 400 sessions at scale 1 (two hurt still meet ≤ 2 % on the bound) and 3 in a smoke run (one of each kind), each at its own address in its own /24', () => {
    for (const variant of VARIANTS) {
      const planned = planRun(world({ variant }), [...FAMILIES])
      const mine = planned.filter((p) => p.ctx.family === 'benign_automation')
      expect(mine).toHaveLength(BENIGN_SESSIONS)
      expect(BENIGN_SESSIONS).toBe(400)
      expect(wilson(2, BENIGN_SESSIONS)![1]).toBeLessThanOrEqual(0.02)
      // Only people share addresses (offices, carrier NAT); every other session has one of its own.
      const ips = planned.filter((p) => p.ctx.site === null).map((p) => p.ctx.ip)
      expect(new Set(ips).size).toBe(ips.length)
      const sharedIps = new Set(planned.filter((p) => p.ctx.site !== null).map((p) => p.ctx.ip))
      expect(ips.some((ip) => sharedIps.has(ip))).toBe(false)
      expect(new Set(mine.map((p) => p.ctx.ip.split('.').slice(0, 3).join('.'))).size).toBe(BENIGN_SESSIONS)
      for (const p of mine) expect(p.startMs).toBeGreaterThanOrEqual(0)
      for (const p of mine) expect(p.startMs).toBeLessThan(150_000)
    }
    const smoke = planRun(world({ smoke: true, windowMs: 6000 }), ['benign_automation'])
    expect(smoke.map((p) => benignKind(p.ctx.index)).sort()).toEqual(['app', 'monitor', 'script'])
  })

  it('starts monitors at the opening of the window', () => {
    const mine = planRun(world(), ['benign_automation']).filter((p) => benignKind(p.ctx.index) === 'monitor')
    for (const p of mine) expect(p.startMs).toBeLessThanOrEqual(150_000 * 0.15)
  })
})

describe('plans are well-behaved', () => {
  const plans = manyPlans()

  it('signs in at most once, only as an app, with its own account and the right password', () => {
    for (const p of plans) {
      const logins = p.steps.filter((s) => s.method === 'POST')
      expect(logins.length).toBe(p.kind === 'app' ? 1 : 0)
      for (const s of logins) {
        expect(s.path).toBe('/login')
        expect(s.fields).toEqual({ username: demoUser(p.user!), password: demoPassword(p.user!) })
      }
    }
    const rng = random(9)
    for (let i = 0; i < 500; i++) {
      const c = ownCredentials(rng)
      expect(c.password).toBe(demoPassword(c.user))
      expect(c.username).toBe(demoUser(c.user))
      expect(c.user).toBeGreaterThanOrEqual(1)
      expect(c.user).toBeLessThanOrEqual(1000)
    }
  })

  it(`sends at most ${MAX_PER_MINUTE} requests in any minute, to public pages, the account and /login only`, () => {
    for (const p of plans) {
      expect(busiestMinute(p), JSON.stringify(p.steps.map((s) => s.waitMs))).toBeLessThanOrEqual(MAX_PER_MINUTE)
      for (const s of p.steps) expect(s.path).toMatch(/^\/(|products(\/\d+|\?page=\d+)?|api\/products(\?page=\d+&per_page=20)?|account|login)$/)
      if (p.kind !== 'app') expect(p.steps.some((s) => s.path === '/account')).toBe(false)
    }
  })

  it('uses hosting for most monitors and partner integrations, homes and phones for scripts and apps', () => {
    const base = plans.slice(0, 600)
    const share = (kind: string, net: string) => base.filter((p) => p.kind === kind && p.network === net).length / base.filter((p) => p.kind === kind).length
    expect(share('monitor', 'hosting')).toBeGreaterThan(0.6)
    expect(share('script', 'residential')).toBe(1)
    for (const p of base.filter((x) => x.kind === 'app' && ['okhttp', 'dart', 'ios_app'].includes(x.tool))) expect(['mobile', 'residential']).toContain(p.network)
  })
})

/** A client that records what it is asked to send and answers as told. */
function fakeActor(answer: (method: string, path: string) => Partial<Reply> = () => ({})): Actor & { sent: Array<{ method: string; path: string; fields?: Record<string, string>; json?: boolean }> } {
  const sent: Array<{ method: string; path: string; fields?: Record<string, string>; json?: boolean }> = []
  const reply = (method: string, path: string): Reply => ({ status: 200, mitigated: null, ref: null, location: null, ...answer(method, path) })
  return {
    ip: '127.50.0.2', session: 's', sent,
    get: async (path) => (sent.push({ method: 'GET', path }), reply('GET', path)),
    post: async (path, fields, opts) => (sent.push({ method: 'POST', path, fields: { ...fields }, json: opts?.json ?? false }), reply('POST', path)),
    cookie: () => undefined,
    setCookie: () => undefined,
    close: () => undefined,
  }
}

describe('session logic against a fake client', () => {
  it('never posts a wrong password and posts /login exactly once per app session, never otherwise', async () => {
    const w = world()
    for (let i = 0; i < 60; i++) {
      const s = ctx(w, i)
      const a = fakeActor()
      const plan = planBenign(benignKind(i), s.rng.fork('plan'), 'base', false)
      await followPlan(s, a, plan)
      expect(a.sent).toHaveLength(plan.steps.length)
      const posts = a.sent.filter((r) => r.method === 'POST')
      expect(posts.length).toBe(plan.kind === 'app' ? 1 : 0)
      for (const p of posts) {
        expect(p.path).toBe('/login')
        const n = Number(/^user(\d{4})@example\.com$/.exec(p.fields!.username!)![1])
        expect(p.fields!.password).toBe(demoPassword(n))
      }
    }
  })

  it('a script or app stops at a block; an app whose sign-in failed does not go on; a monitor keeps polling', async () => {
    const w = world()
    const blocked = () => ({ status: 403, mitigated: 'block' })
    for (let i = 0; i < 30; i++) {
      const plan = planBenign(benignKind(i), random(i, 'stop'), 'base', false)
      const a = fakeActor(blocked)
      await followPlan(ctx(w, i), a, plan)
      expect(a.sent).toHaveLength(plan.kind === 'monitor' ? plan.steps.length : 1)
      if (plan.kind === 'app') {
        const b = fakeActor((m) => (m === 'POST' ? { status: 401 } : {}))
        await followPlan(ctx(w, i), b, plan)
        expect(b.sent.at(-1)!.method).toBe('POST')
        expect(b.sent.some((r) => r.path === '/account')).toBe(false)
      }
    }
  })

  it('a monitor stops polling once the window is over (after a few polls)', async () => {
    const w = world({ startedAt: Date.now() - 200_000 })
    const plan = planBenign('monitor', random(3), 'base', false)
    const a = fakeActor()
    await followPlan(ctx(w, 0), a, plan)
    expect(a.sent).toHaveLength(plan.windowBound!)
  })
})

describe('an app session over a real socket', () => {
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string; remote: string }> = []
  let server: http.Server
  let port = 0
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, remote: req.socket.remoteAddress! })
        if (req.method === 'POST' && req.url === '/login') res.setHeader('set-cookie', 'demo_session=abc; Path=/; HttpOnly')
        res.setHeader('content-type', 'application/json')
        res.end('{"ok":true}')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('signs in once from its own address with its own password and keeps the session cookie', async () => {
    const w = world({ target: new URL(`http://127.0.0.1:${port}`), variant: 'base' as Variant, smoke: true })
    // Session 2 is an app (monitor, script, app in turn).
    const s = ctx(w, 2, '127.50.2.9')
    expect(benignKind(2)).toBe('app')
    await benignAutomation.run(s)
    const logins = seen.filter((r) => r.method === 'POST')
    expect(logins).toHaveLength(1)
    const login = logins[0]!
    const fields = login.headers['content-type']?.startsWith('application/json') ? (JSON.parse(login.body) as Record<string, string>) : Object.fromEntries(new URLSearchParams(login.body))
    const n = Number(/^user(\d{4})@example\.com$/.exec(fields.username!)![1])
    expect(fields.password).toBe(demoPassword(n))
    const after = seen.slice(seen.indexOf(login) + 1)
    expect(after.length).toBeGreaterThan(0)
    for (const r of after) expect(r.headers.cookie).toContain('demo_session=abc')
    for (const r of seen) expect(r.headers['user-agent']).toBeTruthy()
    for (const r of seen) expect(r.remote).toBe('127.50.2.9')
    expect(w.truth.sessions()).toEqual([{ family: 'benign_automation', session: s.session, label: 0, ip: '127.50.2.9', site: null }])
  })
})
