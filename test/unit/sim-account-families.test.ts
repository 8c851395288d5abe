// The account-abuse families' pure parts (src/cli/simulate/families/accountAbuse.ts, catalog.ts,
// report.ts, targets.ts): what one attempt of each is, the spray's interleaving, the bulk sign-ups'
// addresses as the Worker's own e-mail parser reads them, the SDK telemetry the owner's browser posts.
import { describe, expect, it } from 'vitest'
import { BROWSER_KINDS, browserHeaders, browserProfile } from '../../src/cli/simulate/browsers'
import { FAMILY_INFO, isAttempt } from '../../src/cli/simulate/catalog'
import { bulkSignupEmail, loadTelemetry, spammerMailboxes, sprayAttempt, sprayOrder, sprayPasswords } from '../../src/cli/simulate/families/accountAbuse'
import type { LabelledRow } from '../../src/cli/simulate/join'
import { random } from '../../src/cli/simulate/random'
import { familyResult } from '../../src/cli/simulate/report'
import { checkTargets } from '../../src/cli/simulate/targets'
import { demoPassword } from '../../src/cli/simulate/world'
import { emailFacts } from '../../src/signals/email'
import { parseTelemetry } from '../../src/signals/telemetry'

let refs = 0
const row = (method: string, path: string, action: string, session = 'session_replay-000'): LabelledRow =>
  ({ ts: new Date(1_700_000_000_000 + ++refs).toISOString(), ref: `r${refs}`, method, path, route: 'x', ip: '127.1.1.2', device: null, user: null, risk: 0, action, label: 1, family: 'session_replay', session }) as LabelledRow

describe('what one attempt is', () => {
  it("counts a stolen session's requests to the signed-in pages, not the owner's sign-in before them", () => {
    expect(FAMILY_INFO.session_replay.attempt).toBe('session')
    for (const [m, p] of [['GET', '/account'], ['GET', '/profile'], ['POST', '/profile'], ['POST', '/transfer']] as const) expect(isAttempt('session', m, p), `${m} ${p}`).toBe(true)
    for (const [m, p] of [['GET', '/login'], ['POST', '/login'], ['GET', '/'], ['POST', '/signup'], ['GET', '/products/1']] as const) expect(isAttempt('session', m, p), `${m} ${p}`).toBe(false)
    expect(FAMILY_INFO.password_spray.attempt).toBe('login')
    expect(FAMILY_INFO.bulk_signup.attempt).toBe('signup')
  })

  it("numbers a replay's first mitigation from the thief's first request, and judges the worst session on it", () => {
    const rows = [row('GET', '/login', 'allow'), row('POST', '/login', 'allow'), row('GET', '/account', 'block'), row('GET', '/profile', 'block'), row('POST', '/transfer', 'block')]
    const r = familyResult('session_replay', rows)
    expect(r).toMatchObject({ attempts: 3, attempts_mitigated: 3, first_mitigation: 1, requests: 5 })
    const late = familyResult('session_replay', [...rows, row('GET', '/login', 'allow', 'b'), row('POST', '/login', 'allow', 'b'), row('GET', '/account', 'allow', 'b'), row('GET', '/profile', 'block', 'b')])
    const check = (res: typeof r) => checkTargets({ session_replay: res }, { sessions: 0, requests: 0, session_friction: null, session_friction_ci95: null, request_block_rate: null, request_block_ci95: null } as never).find((c) => c.target.startsWith('stolen session'))
    expect(check(r)).toMatchObject({ value: 1, met: true })
    // One session let through on its first request: the target is missed (a worst of 2 > 1).
    expect(check(late)).toMatchObject({ value: 2, met: false })
  })
})

describe('the spray', () => {
  const rng = random(303, 'spray-test')
  const passwords = sprayPasswords(rng)
  const order = sprayOrder(rng)

  it('sprays 3 passwords that are no demo user\'s, each pair (account, password) once over 3,000 attempts', () => {
    expect(new Set(passwords).size).toBe(3)
    const real = new Set(Array.from({ length: 1000 }, (_, i) => demoPassword(i + 1)))
    for (const p of passwords) expect(real.has(p)).toBe(false)
    const pairs = new Set(Array.from({ length: 3000 }, (_, n) => JSON.stringify(sprayAttempt(n, passwords, order))))
    expect(pairs.size).toBe(3000)
  })

  it('interleaves its passwords: after 30 attempts each has been refused for 10 accounts, no more', () => {
    const counts = new Map<string, Set<string>>()
    for (let n = 0; n < 30; n++) {
      const a = sprayAttempt(n, passwords, order)
      counts.set(a.password, (counts.get(a.password) ?? new Set()).add(a.username))
    }
    expect([...counts.values()].map((s) => s.size)).toEqual([10, 10, 10])
  })
})

describe("a bulk sign-up's addresses", () => {
  it("are aliases of the spammer's few mailboxes, as the Worker folds them, or throwaway inboxes on the bundled list", () => {
    const rng = random(304, 'bulk-test')
    const boxes = spammerMailboxes(rng, 4)
    expect(new Set(boxes).size).toBe(4)
    const aliases = Array.from({ length: 200 }, (_, k) => bulkSignupEmail(rng, k, boxes, 0))
    expect(new Set(aliases).size).toBeGreaterThan(190)
    const folded = aliases.map((e) => emailFacts(e)!)
    for (const f of folded) expect(f).toMatchObject({ aliased: true, disposable: false })
    expect(new Set(folded.map((f) => f.mailbox))).toEqual(new Set(boxes.map((b) => `${b}@gmail.com`)))
    const throwaway = Array.from({ length: 100 }, (_, k) => emailFacts(bulkSignupEmail(rng, k, boxes, 1))!)
    for (const f of throwaway) expect(f.disposable).toBe(true)
    // No mailboxes at all: throwaway inboxes only.
    expect(emailFacts(bulkSignupEmail(rng, 0, [], 0))!.disposable).toBe(true)
  })
})

describe("the owner's browser", () => {
  it('posts telemetry the collect endpoint accepts, with the page nonce when the page had one', () => {
    const rng = random(305, 'telemetry-test')
    const with_ = parseTelemetry(loadTelemetry(rng, 'Europe/Berlin', 'abc.DEF_1-2'))
    expect(with_).toMatchObject({ ok: true, value: { phase: 'load', nonce: 'abc.DEF_1-2' } })
    const without = parseTelemetry(loadTelemetry(rng, 'America/New_York', null))
    expect(without.ok).toBe(true)
    expect(without.ok && 'nonce' in without.value).toBe(false)
  })

  it("sends the collect's JSON as every browser's fetch() does: Content-Type, Content-Length, Origin (without them collect answers 400)", () => {
    const rng = random(306, 'xhr-post')
    for (const kind of BROWSER_KINDS) {
      const h = new Map(browserHeaders(browserProfile(kind, 'DE', rng), 'xhr', { host: 'edge.test', contentLength: 42, contentType: 'application/json' }).map(([k, v]) => [k.toLowerCase(), v]))
      expect(h.get('content-type'), kind).toBe('application/json')
      expect(h.get('origin'), kind).toBe('http://edge.test')
      expect(h.get('sec-fetch-mode'), kind).toBe('cors')
      // A page's own GET has no body headers.
      expect(browserHeaders(browserProfile(kind, 'DE', rng), 'xhr', { host: 'edge.test' }).some(([k]) => k.toLowerCase() === 'content-type'), kind).toBe(false)
    }
  })
})
