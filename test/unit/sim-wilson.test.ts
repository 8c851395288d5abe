// Wilson 95 % intervals against published values, and targets judged on the bound, not the point.
import { describe, expect, it } from 'vitest'
import type { FamilyResult, HumanFriction } from '../../src/cli/simulate/report'
import { checkTargets, leastTrials, tooFew, verdictText } from '../../src/cli/simulate/targets'
import { rate, wilson } from '../../src/util/wilson'

describe('wilson', () => {
  it('matches known intervals', () => {
    // Wilson 1927 / Newcombe 1998 (Stat Med 17:857, table I): 0/10, 1/10 … and the symmetric 5/10.
    expect(wilson(0, 10)![0]).toBe(0)
    expect(wilson(0, 10)![1]).toBeCloseTo(0.2775, 4)
    expect(wilson(1, 10)![0]).toBeCloseTo(0.0179, 4)
    expect(wilson(1, 10)![1]).toBeCloseTo(0.4042, 4)
    expect(wilson(5, 10)![0]).toBeCloseTo(0.2366, 4)
    expect(wilson(5, 10)![1]).toBeCloseTo(0.7634, 4)
    expect(wilson(10, 10)![0]).toBeCloseTo(0.7225, 4)
    expect(wilson(10, 10)![1]).toBe(1)
    // Newcombe's example 81/263: 0.2553–0.3662.
    expect(wilson(81, 263)![0]).toBeCloseTo(0.2553, 4)
    expect(wilson(81, 263)![1]).toBeCloseTo(0.3662, 4)
    // Newcombe's 15/148: 0.0624–0.1605.
    expect(wilson(15, 148)![0]).toBeCloseTo(0.0624, 4)
    expect(wilson(15, 148)![1]).toBeCloseTo(0.1605, 4)
  })

  it('has the closed form z²/(n+z²) at zero successes: ~800 sessions with none hurt bound friction near 0.5 %', () => {
    const z2 = 1.959963984540054 ** 2
    for (const n of [1, 29, 332, 800, 5000]) expect(wilson(0, n)![1]).toBeCloseTo(z2 / (n + z2), 12)
    expect(wilson(0, 332)![1]).toBeGreaterThan(0.005)
    expect(wilson(0, 800)![1]).toBeLessThan(0.005)
    expect(wilson(1, 800)![1]).toBeGreaterThan(0.005)
    expect(wilson(1, 1200)![1]).toBeLessThan(0.005)
  })

  it('refuses counts that are not a share and has no interval without trials', () => {
    expect(wilson(0, 0)).toBeNull()
    expect(() => wilson(3, 2)).toThrow(RangeError)
    expect(() => wilson(-1, 2)).toThrow(RangeError)
    expect(rate(2, 8)).toMatchObject({ k: 2, n: 8, share: 0.25 })
  })
})

describe('targets judged on the bound', () => {
  const humans = (hurt: number, sessions: number): HumanFriction => ({
    sessions, requests: sessions * 5, session_friction: hurt / sessions, session_friction_ci95: wilson(hurt, sessions), sessions_with_friction: hurt,
    request_block_rate: 0, request_block_ci95: wilson(0, sessions * 5), requests_blocked: 0, request_mitigated_rate: 0, request_mitigated_ci95: wilson(0, sessions * 5),
    sessions_stepped_up: 0, session_step_up: 0, session_step_up_ci95: wilson(0, sessions), sign_in_sessions: 0, sign_in_sessions_stepped_up: 0, sign_in_step_up: null, sign_in_step_up_ci95: null,
  })
  const family = (k: number, n: number): FamilyResult => ({
    sessions: 4, requests: n, mitigated_share: k / n, mitigated_share_ci95: wilson(k, n), mitigated_requests: k, blocked_share: 0, blocked_share_ci95: wilson(0, n),
    session_mitigated_share: 1, session_mitigated_share_ci95: wilson(4, 4), sessions_mitigated: 4, attempt_kind: 'login', attempts: n,
    attempts_mitigated_share: k / n, attempts_mitigated_share_ci95: wilson(k, n), attempts_mitigated: k,
    first_mitigation: 1, first_mitigation_per_session: { median: 1, max: 1, never: 0 }, time_to_detect_ms: 0, actions: {},
    requests_stepped_up: 0, attempts_stepped_up: 0, sessions_stepped_up: 0,
  })
  const find = (checks: ReturnType<typeof checkTargets>, name: string) => checks.find((c) => c.target === name)!

  it('does not call zero hurt of 332 people a met 0.5 % target, but does for 0 of 1000', () => {
    const few = find(checkTargets({}, humans(0, 332)), 'human sessions with any challenge or block')
    expect(few).toMatchObject({ value: 0, judged_on: 'upper95', met: false })
    expect(few.bound).toBeCloseTo(0.0114, 4)
    expect(find(checkTargets({}, humans(0, 1000)), 'human sessions with any challenge or block').met).toBe(true)
  })

  it('judges recall on the lower bound: 40 of 40 attempts clears 90 %, 10 of 10 does not', () => {
    const name = 'recall (attempts mitigated), credential_stuffing'
    const big = find(checkTargets({ credential_stuffing: family(40, 40) }, humans(0, 1000)), name)
    expect(big).toMatchObject({ value: 1, judged_on: 'lower95', met: true })
    expect(big.bound).toBeCloseTo(0.9124, 4)
    expect(find(checkTargets({ credential_stuffing: family(10, 10) }, humans(0, 1000)), name)).toMatchObject({ value: 1, met: false })
  })

  it('says when a run is too small for a target: a perfect result of that size would miss its bound', () => {
    // 36 of 36 stopped has a lower bound of 90.4 %, 35 of 35 of 90.1 %, 34 of 34 of 89.8 %.
    expect(leastTrials('>=', 0.9)).toBe(35)
    expect(wilson(35, 35)![0]).toBeGreaterThanOrEqual(0.9)
    expect(wilson(34, 34)![0]).toBeLessThan(0.9)
    // 0 hurt of 767 people has an upper bound just under 0.5 %; of 766, just over.
    const people = leastTrials('<=', 0.005)!
    expect(wilson(0, people)![1]).toBeLessThanOrEqual(0.005)
    expect(wilson(0, people - 1)![1]).toBeGreaterThan(0.005)
    const name = 'recall (attempts mitigated), credential_stuffing'
    const small = find(checkTargets({ credential_stuffing: family(20, 20) }, humans(0, 1000)), name)
    expect(small).toMatchObject({ met: false, n: 20, least_n: 35 })
    expect(tooFew(small)).toBe(true)
    expect(verdictText(small)).toBe('NOT met — too few to judge (20; a perfect run needs 35)')
    // A miss of a big enough run is the defence's own.
    const missed = find(checkTargets({ credential_stuffing: family(30, 40) }, humans(0, 1000)), name)
    expect(tooFew(missed)).toBe(false)
    expect(verdictText(missed)).toBe('NOT met')
  })
})
