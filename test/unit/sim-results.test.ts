// The simulator's pure parts: joining log lines with ground truth by address, per-family results
// (first mitigation family-wide and per session, time to detect), human friction, the targets,
// which labels the analyst posts, seeded randomness, unique addresses and Luhn-valid cards.
import { describe, expect, it } from 'vitest'
import { randomCard } from '../../src/cli/simulate/families/spec'
import { ipPool } from '../../src/cli/simulate/ips'
import { joinTruth, type Owner } from '../../src/cli/simulate/join'
import { chooseLabels } from '../../src/cli/simulate/labels'
import { parseLogLines, type LogLine } from '../../src/cli/simulate/logLines'
import { random } from '../../src/cli/simulate/random'
import { allFamilyResults, frictionCauses, humanFriction, stepUpCauses } from '../../src/cli/simulate/report'
import { humanLine } from '../../src/cli/simulate/table'
import { checkTargets } from '../../src/cli/simulate/targets'

let n = 0
const T0 = Date.parse('2026-11-21T07:00:00.000Z')
function line(ip: string, ms: number, action = 'allow', extra: Partial<LogLine> = {}): LogLine {
  n++
  return { ts: new Date(T0 + ms).toISOString(), ref: `ref${n}`, method: 'POST', path: '/login', route: 'login', ip, device: null, user: null, risk: 0, action, ...extra }
}
const owners = new Map<string, Owner>([
  ['127.1.0.2', { family: 'credential_stuffing', session: 'cs-0', label: 1 }],
  ['127.1.0.3', { family: 'credential_stuffing', session: 'cs-1', label: 1 }],
  ['127.2.0.2', { family: 'human_http', session: 'h-0', label: 0 }],
  ['127.2.0.3', { family: 'human_http', session: 'h-1', label: 0 }],
])

describe('joinTruth', () => {
  it('labels lines by the address that sent them and counts the rest', () => {
    const lines = [line('127.1.0.2', 0), line('127.9.9.9', 1), line('127.2.0.2', 2, 'allow', { route: 'edgeward', path: '/__edgeward/collect' }), line('127.2.0.2', 3)]
    const j = joinTruth(lines, owners)
    expect(j.rows.map((r) => [r.family, r.session, r.label])).toEqual([['credential_stuffing', 'cs-0', 1], ['human_http', 'h-0', 0]])
    expect(j).toMatchObject({ unowned: 1, reserved: 1 })
  })

  it('skips lines from before the run', () => {
    expect(joinTruth([line('127.1.0.2', -5000), line('127.1.0.2', 0)], owners, T0 - 1000).rows).toHaveLength(1)
  })

  it('reads decision lines out of wrangler chatter', () => {
    const text = `[wrangler:info] Ready\n${JSON.stringify(line('127.1.0.2', 0))}\n{"event":"config_rejected"}\n{"ref": broken\n`
    expect(parseLogLines(text)).toHaveLength(1)
  })
})

describe('family results and targets', () => {
  const lines = [
    line('127.1.0.2', 0), line('127.1.0.2', 100, 'allow', { method: 'GET', path: '/login' }), line('127.1.0.2', 200), line('127.1.0.2', 300, 'block'),
    line('127.1.0.3', 50), line('127.1.0.3', 150, 'challenge'),
    line('127.2.0.2', 10, 'allow', { method: 'GET', path: '/' }), line('127.2.0.3', 20, 'challenge', { method: 'GET', path: '/' }),
  ]
  const rows = joinTruth(lines, owners).rows
  const results = allFamilyResults(rows, ['credential_stuffing', 'human_http'])

  it('numbers attempts family-wide in time order and per session', () => {
    const cs = results.credential_stuffing!
    // Login POSTs in time order: cs-0@0, cs-1@50, cs-0@200, cs-0@300(block), cs-1@150(challenge) → sorted 0,50,150,200,300.
    expect(cs).toMatchObject({ sessions: 2, requests: 6, attempts: 5, first_mitigation: 3, time_to_detect_ms: 150 })
    expect(cs.first_mitigation_per_session).toEqual({ median: 2.5, max: 3, never: 0 })
    expect(cs.mitigated_share).toBeCloseTo(2 / 6)
    expect(cs.attempts_mitigated_share).toBeCloseTo(2 / 5) // the GET /login is not an attempt
    expect(cs.session_mitigated_share).toBe(1)
  })

  it('measures human friction by session and blocks by request', () => {
    expect(humanFriction(rows)).toMatchObject({ sessions: 2, requests: 2, session_friction: 0.5, sessions_with_friction: 1, request_block_rate: 0, request_mitigated_rate: 0.5 })
    expect(humanFriction(rows).session_friction_ci95).toEqual([0.0945, 0.9055])
  })

  it('checks each target against its limit', () => {
    const checks = checkTargets(results, humanFriction(rows))
    const by = Object.fromEntries(checks.map((c) => [c.target, c]))
    expect(by['human sessions with any challenge or block']).toMatchObject({ value: 0.5, met: false })
    // 0 of 2 blocked is no evidence of ≤ 0.05 %: judged on the upper bound.
    expect(by['human requests blocked']).toMatchObject({ value: 0, judged_on: 'upper95', met: false })
    expect(by['credential stuffing (one source): first mitigation by attempt']).toMatchObject({ value: 3, met: true })
    expect(by['recall (attempts mitigated), credential_stuffing']).toMatchObject({ value: 0.4, met: false, limit: 0.9, judged_on: 'lower95' })
  })

  it('judges the person-paced takeover by attempts and by sessions stopped, not by the pages around them', () => {
    const ato = joinTruth([line('127.3.0.2', 0, 'allow', { method: 'GET', path: '/' }), line('127.3.0.2', 10, 'block')], new Map([['127.3.0.2', { family: 'manual_ato', session: 'ato-0', label: 1 }]])).rows
    const results = allFamilyResults(ato, ['manual_ato'])
    expect(results.manual_ato).toMatchObject({ mitigated_share: 0.5, attempts_mitigated_share: 1 })
    const checks = checkTargets(results, humanFriction(ato))
    expect(checks.filter((c) => c.target.endsWith('manual_ato')).map((c) => [c.target, c.value, c.met])).toEqual([
      // 1 of 1 is a point of 100 % but a lower 95 % bound of 21 %: not met.
      ['recall (attempts mitigated), manual_ato', 1, false],
      ['recall (sessions mitigated), manual_ato', 1, false],
    ])
    expect(checks.some((c) => c.target === 'recall (sessions mitigated), credential_stuffing')).toBe(false)
  })

  it('labels a share of attack sessions as fraud and human friction as legitimate', () => {
    const items = chooseLabels(rows, 1, random(1))
    expect(items.filter((i) => i.label === 'fraud').map((i) => i.ref)).toEqual(expect.arrayContaining(rows.filter((r) => r.label === 1 && r.method === 'POST').map((r) => r.ref)))
    expect(items.filter((i) => i.label === 'legitimate')).toEqual([{ ref: rows.find((r) => r.session === 'h-1')!.ref, label: 'legitimate', note: 'family=human_http session=h-1 complaint' }])
    expect(chooseLabels(rows, 0, random(1)).filter((i) => i.label === 'fraud')).toEqual([])
  })
})

describe('seeded helpers', () => {
  it('repeats a stream for the same seed and key, and differs across keys', () => {
    const a = random(7, 'x')
    const b = random(7, 'x')
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()])
    expect(random(7, 'y').next()).not.toBe(random(7, 'x').next())
  })

  it('hands out unique loopback addresses outside 127.0/16, each in its own /24', () => {
    const pool = ipPool(random(3))
    const ips = Array.from({ length: 2000 }, () => pool.spread())
    expect(new Set(ips).size).toBe(2000)
    expect(new Set(ips.map((ip) => ip.split('.').slice(0, 3).join('.'))).size).toBe(2000)
    for (const ip of ips) expect(ip).toMatch(/^127\.([1-9]\d{0,2})\.\d{1,3}\.\d{1,3}$/)
  })

  it('generates Luhn-valid card numbers', () => {
    const rng = random(5)
    for (let i = 0; i < 200; i++) {
      const card = randomCard(rng.next)
      let sum = 0
      ;[...card].reverse().forEach((c, j) => {
        const d = Number(c) * (j % 2 ? 2 : 1)
        sum += d > 9 ? d - 9 : d
      })
      expect(sum % 10, card).toBe(0)
    }
  })
})

describe('frictionCauses', () => {
  it("counts each hurt person once, by their first mitigated request: action, method, route and what decided it", () => {
    const lines = [
      line('127.2.0.2', 0, 'allow', { method: 'GET', path: '/', route: 'other' }),
      line('127.2.0.2', 10, 'challenge', { source: 'model' }),
      line('127.2.0.2', 20, 'block', { source: 'rule', reasons: ['credential_stuffing'], rules: ['hosting_asn_on_login', 'credential_stuffing'] }),
      line('127.2.0.3', 30, 'challenge', { source: 'rule', reasons: ['username_from_many_ips'], rules: ['username_from_many_ips'] }),
      line('127.1.0.2', 5, 'block', { source: 'model' }), // an attacker: not a person
    ]
    expect(frictionCauses(joinTruth(lines, owners).rows)).toEqual([
      { cause: 'challenge POST login by model', sessions: 1 },
      { cause: 'challenge POST login by rule username_from_many_ips', sessions: 1 },
    ])
  })
})

describe('step-up (review): mitigation for an attack, not friction for people', () => {
  const ownersUp = new Map<string, Owner>([
    ['127.4.0.2', { family: 'manual_ato', session: 'ato-0', label: 1 }],
    ['127.4.0.3', { family: 'manual_ato', session: 'ato-1', label: 1 }],
    ['127.5.0.2', { family: 'human_http', session: 'p-0', label: 0 }],
    ['127.5.0.3', { family: 'human_http', session: 'p-1', label: 0 }],
    ['127.5.0.4', { family: 'human_http', session: 'p-2', label: 0 }],
    ['127.5.0.5', { family: 'human_http', session: 'p-3', label: 0 }],
    ['127.6.0.2', { family: 'benign_automation', session: 'b-0', label: 0 }],
  ])
  const rule = { source: 'rule', reasons: ['unfamiliar_sign_in'], rules: ['unfamiliar_sign_in'] }
  const rows = joinTruth([
    // The takeover: one stepped up at sign-in, one challenged.
    line('127.4.0.2', 0, 'allow', { method: 'GET', path: '/login' }), line('127.4.0.2', 10, 'review', rule),
    line('127.4.0.3', 5, 'challenge', { source: 'model' }),
    // People: p-0 signs in and is stepped up, p-1 signs in, p-2 browses, p-3 is challenged (friction).
    line('127.5.0.2', 0, 'allow', { method: 'GET', path: '/', route: 'other' }), line('127.5.0.2', 20, 'review', rule), line('127.5.0.2', 30, 'allow', { method: 'GET', path: '/account', route: 'account' }),
    line('127.5.0.3', 1, 'allow'),
    line('127.5.0.4', 2, 'allow', { method: 'GET', path: '/', route: 'other' }),
    line('127.5.0.5', 3, 'challenge', { method: 'GET', path: '/', route: 'other', source: 'model' }),
    // Benign automation signing in, stepped up: not friction either.
    line('127.6.0.2', 4, 'review', rule),
  ], ownersUp).rows
  const results = allFamilyResults(rows, ['manual_ato', 'human_http', 'benign_automation'])

  it('counts a review as mitigated for an attack family, and says how many attempts it was', () => {
    const ato = results.manual_ato!
    expect(ato).toMatchObject({ attempts: 2, attempts_mitigated: 2, attempts_mitigated_share: 1, sessions_mitigated: 2, attempts_stepped_up: 1, sessions_stepped_up: 1, requests_stepped_up: 1, first_mitigation: 1 })
    expect(ato.actions).toMatchObject({ review: 1, challenge: 1, allow: 1 })
  })

  it('keeps a review out of people\'s friction and reports it beside, with its interval', () => {
    const h = humanFriction(rows)
    // Only p-3's challenge is friction: 1 of 4 sessions, 1 of 6 requests; p-0's review is not.
    expect(h).toMatchObject({ sessions: 4, requests: 6, sessions_with_friction: 1, session_friction: 0.25, request_block_rate: 0 })
    expect(h.request_mitigated_rate).toBeCloseTo(1 / 6)
    expect(h).toMatchObject({ sessions_stepped_up: 1, session_step_up: 0.25, sign_in_sessions: 2, sign_in_sessions_stepped_up: 1, sign_in_step_up: 0.5 })
    expect(h.session_step_up_ci95).toEqual([0.0456, 0.6994])
    expect(h.sign_in_step_up_ci95).toEqual([0.0945, 0.9055])
    expect(humanLine(h)).toContain('1 of 2 sign-in sessions = 50.00% [9.45–90.55]')
    // The people's target is judged on friction alone.
    expect(checkTargets(results, h).find((c) => c.target === 'human sessions with any challenge or block')).toMatchObject({ value: 0.25 })
    // Their family row counts friction too; the step-up is reported beside it.
    expect(results.human_http).toMatchObject({ sessions_mitigated: 1, mitigated_requests: 1, sessions_stepped_up: 1, attempts_stepped_up: 1 })
  })

  it('treats benign automation\'s review like people\'s: a step-up, not friction', () => {
    expect(results.benign_automation).toMatchObject({ sessions: 1, sessions_mitigated: 0, session_mitigated_share: 0, sessions_stepped_up: 1 })
  })

  it('lists friction causes without step-ups, and step-up causes apart', () => {
    expect(frictionCauses(rows)).toEqual([{ cause: 'challenge GET other by model', sessions: 1 }])
    expect(stepUpCauses(rows)).toEqual([{ cause: 'review POST login by rule unfamiliar_sign_in', sessions: 1 }])
  })

  it('does not file a person\'s step-up as a complaint', () => {
    const items = chooseLabels(rows, 0, random(1))
    expect(items.map((i) => i.note)).toEqual(['family=human_http session=p-3 complaint'])
  })
})
