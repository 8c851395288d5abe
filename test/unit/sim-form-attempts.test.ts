// The automated-browser families' attempts: one per combo-list entry the bot meant to send. An entry
// whose form load was blocked, rate limited or challenged without coming back is an attempt mitigated
// (the session marks that answer's ref in the ground truth, the join marks its line); a sent entry
// is its login POST as before. Nothing else changes: no other family marks lines.
import { describe, expect, it } from 'vitest'
import type { Chromium } from '../../src/cli/simulate/chromium'
import { automatedBrowserStealth, automatedBrowserWebdriver, triesPerBrowser } from '../../src/cli/simulate/families/automatedBrowser'
import { joinTruth, type Owner } from '../../src/cli/simulate/join'
import type { LogLine } from '../../src/cli/simulate/logLines'
import { allFamilyResults, humanFriction, isAttemptRow } from '../../src/cli/simulate/report'
import { checkTargets, leastTrials, verdictText } from '../../src/cli/simulate/targets'
import { createTruth, type RequestRecord } from '../../src/cli/simulate/truth'
import { wilson } from '../../src/util/wilson'
import type { World } from '../../src/cli/simulate/world'

const T0 = Date.parse('2026-12-06T07:00:00.000Z')
const WD = '127.60.0.2'
const ST = '127.60.0.3'
const CS = '127.60.0.4'
const owners = new Map<string, Owner>([
  [WD, { family: 'automated_browser_webdriver', session: 'wd-0', label: 1 }],
  [ST, { family: 'automated_browser_stealth', session: 'st-0', label: 1 }],
  [CS, { family: 'credential_stuffing', session: 'cs-0', label: 1 }],
])
const session = (ip: string): string => owners.get(ip)!.session

const line = (ip: string, ref: string, ms: number, method: 'GET' | 'POST', action = 'allow'): LogLine => ({
  ts: new Date(T0 + ms).toISOString(), ref, method, path: '/login', route: 'login', ip, device: null, user: null, risk: 0, action,
})
/** What the session's proxy recorded: the ref only when edgeward answered with one (a mitigation). */
const sent = (l: LogLine): RequestRecord => ({
  session: session(l.ip), family: owners.get(l.ip)!.family, ip: l.ip, method: l.method, path: l.path, startedAt: Date.parse(l.ts), ms: 20, status: l.action === 'allow' ? 200 : 403,
  mitigated: l.action === 'allow' ? null : l.action, ref: l.action === 'allow' ? null : l.ref,
})

/** Lines and ground truth of a run; `stopped` lists the refs the sessions said stopped an entry unsent. */
function run(lines: readonly LogLine[], stopped: readonly string[]) {
  const truth = createTruth()
  for (const l of lines) truth.record(sent(l))
  for (const ref of stopped) truth.stoppedAttempt(session(lines.find((l) => l.ref === ref)!.ip), ref)
  return joinTruth(lines, owners, 0, truth.requests()).rows
}

describe('ground truth and join: a form load that stopped an entry', () => {
  it('marks the line whose answer the session said stopped it, and no other', () => {
    const rows = run([line(WD, 'b1', 0, 'GET', 'block'), line(WD, 'b2', 10, 'GET', 'block'), line(ST, 'a1', 20, 'GET')], ['b1'])
    expect(rows.map((r) => [r.ref, r.stopped_attempt])).toEqual([['b1', true], ['b2', undefined], ['a1', undefined]])
    // A row without the mark carries no key for it: the NDJSON of other families is as it was.
    expect(Object.keys(rows[1]!)).not.toContain('stopped_attempt')
  })

  it('ignores a ref claimed by a session that did not get that answer', () => {
    const truth = createTruth()
    const l = line(WD, 'b1', 0, 'GET', 'block')
    truth.record(sent(l))
    truth.stoppedAttempt('st-0', 'b1')
    expect(truth.requests()[0]!.stopped_attempt).toBeUndefined()
    expect(joinTruth([l], owners, 0, truth.requests()).rows[0]!.stopped_attempt).toBeUndefined()
  })
})

describe('attempts of the automated-browser families', () => {
  it('counts entries stopped at the form as attempts mitigated: blocked before anything was sent is measured, not missing', () => {
    // The held-out case: every visit to /login blocked, no POST at all.
    const lines = Array.from({ length: 8 }, (_, i) => line(WD, `wd${i}`, i * 100, 'GET', 'block'))
    const r = allFamilyResults(run(lines, lines.map((l) => l.ref)), ['automated_browser_webdriver']).automated_browser_webdriver!
    expect(r).toMatchObject({ attempts: 8, attempts_mitigated: 8, attempts_mitigated_share: 1, first_mitigation: 1 })
    expect(r.first_mitigation_per_session).toEqual({ median: 1, max: 1, never: 0 })
  })

  it('keeps the POST as it was judged: a credential sent after a solved challenge is not mitigated, a challenged POST is', () => {
    const lines = [
      // 1: form loaded, credential sent and let through — an attempt, not mitigated.
      line(ST, 'g1', 0, 'GET'), line(ST, 'p1', 100, 'POST'),
      // 2: the form load challenged, solved, back to the form (not marked), credential sent and let through.
      line(ST, 'g2', 200, 'GET', 'challenge'), line(ST, 'g2r', 300, 'GET'), line(ST, 'p2', 400, 'POST'),
      // 3: the POST challenged (mitigated, as before); the return to the form after the solve is blocked — not an entry of its own.
      line(ST, 'g3', 500, 'GET'), line(ST, 'p3', 600, 'POST', 'challenge'), line(ST, 'g3r', 700, 'GET', 'block'),
      // 4: the form load challenged and the challenge never came back: the entry was not sent — stopped.
      line(ST, 'g4', 800, 'GET', 'challenge'),
      // 5: the form load rate limited: stopped.
      line(ST, 'g5', 900, 'GET', 'rate_limit'),
      // 6: the POST stepped up (review): mitigated for an attack family, as before.
      line(ST, 'g6', 1000, 'GET'), line(ST, 'p6', 1100, 'POST', 'review'),
    ]
    const rows = run(lines, ['g4', 'g5'])
    const r = allFamilyResults(rows, ['automated_browser_stealth']).automated_browser_stealth!
    expect(rows.filter((x) => isAttemptRow('login', x)).map((x) => x.ref)).toEqual(['p1', 'p2', 'p3', 'g4', 'g5', 'p6'])
    expect(r).toMatchObject({ attempts: 6, attempts_mitigated: 4, attempts_stepped_up: 1, first_mitigation: 3 })
    expect(r.attempts_mitigated_share).toBeCloseTo(4 / 6)
  })

  it('leaves every other family counted as before: a blocked GET of the form is no attempt of one-source stuffing', () => {
    const lines = [line(CS, 'c1', 0, 'GET', 'block'), line(CS, 'c2', 100, 'POST'), line(CS, 'c3', 200, 'POST', 'block')]
    const r = allFamilyResults(run(lines, []), ['credential_stuffing']).credential_stuffing!
    expect(r).toMatchObject({ attempts: 2, attempts_mitigated: 1, first_mitigation: 2 })
  })

  it('judges the recall target on them: a full-scale run with every entry stopped meets it', () => {
    const lines = Array.from({ length: 48 }, (_, i) => line(WD, `x${i}`, i * 50, 'GET', 'block'))
    const results = allFamilyResults(run(lines, lines.map((l) => l.ref)), ['automated_browser_webdriver'])
    const check = checkTargets(results, humanFriction([])).find((c) => c.target === 'recall (attempts mitigated), automated_browser_webdriver')!
    expect(check).toMatchObject({ value: 1, n: 48, least_n: 35, met: true })
    expect(verdictText(check)).toBe('met')
  })
})

describe('sessions of the automated-browser families', () => {
  const world = (over: Partial<World>): World => ({ seed: 1, variant: 'base', scale: 1, smoke: false, chromium: {} as Chromium, ...over }) as World

  it('give a full-scale run enough entries for three misses to still meet 90 % recall on its bound, whatever the tries per browser', () => {
    const seen = new Set<number>()
    for (let seed = 1; seed <= 200; seed++) {
      for (const [spec, family] of [[automatedBrowserWebdriver, 'automated_browser_webdriver'], [automatedBrowserStealth, 'automated_browser_stealth']] as const) {
        const w = world({ seed })
        const tries = triesPerBrowser(w, family)
        seen.add(tries)
        const n = spec.sessions(w) * tries
        expect(n).toBeGreaterThanOrEqual(leastTrials('>=', 0.9)! + 50)
        expect(wilson(n - 3, n)![0]).toBeGreaterThanOrEqual(0.9)
        expect(n).toBeLessThanOrEqual(104)
      }
    }
    expect(seen.size).toBe(13) // every value of 4…16 drawn somewhere in 200 runs
  })

  it('stay cheap when small: none in a smoke run or without Chromium, at most two at a tenth of the scale', () => {
    expect(automatedBrowserWebdriver.sessions(world({ smoke: true }))).toBe(0)
    expect(automatedBrowserWebdriver.sessions(world({ chromium: null }))).toBe(0)
    for (let seed = 1; seed <= 50; seed++) {
      expect(automatedBrowserStealth.sessions(world({ seed, scale: 0.1 }))).toBeGreaterThanOrEqual(1)
      expect(automatedBrowserStealth.sessions(world({ seed, scale: 0.1 }))).toBeLessThanOrEqual(2)
      expect(automatedBrowserStealth.sessions(world({ seed, scale: 0.25 }))).toBeLessThanOrEqual(6)
    }
  })
})
