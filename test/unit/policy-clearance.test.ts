// What a clearance lifts and how a revoked one escalates, in plain Node: the model's challenge,
// and an identity rule's for a device's clearance, are lifted (decide); uses past the limit and failures past the threshold end
// it; a revoked clearance re-challenges at the hardest difficulty, or blocks, and in shadow mode
// only changes what would happen.
import { describe, expect, it } from 'vitest'
import { POW_MAX_DIFFICULTY } from '../../src/action/pow'
import { compileConfig } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import {
  CLEARANCE_BLOCK_FAILURES, CLEARANCE_MAX_USES, CLEARANCE_REVOKE_FAILURES, escalateRevoked, judgeClearanceUse, revokedByFailures,
} from '../../src/policy/clearance'
import { decide, type DecideInput } from '../../src/policy/decide'
import type { Decision } from '../../src/policy/decision'
import type { RuleOutcome } from '../../src/policy/rules/evaluate'

const challenge = (over: Partial<Decision> = {}): Decision =>
  ({ action: 'challenge', difficulty: 14, risk: 0.3, modelRisk: 0.3, mode: 'enforce', routeClass: 'login', wouldAction: 'challenge', source: 'model', reasons: ['x'], rules: [], ...over }) as Decision

/** many_new_devices as the acting rule, with `matched` beside it. */
const identityOutcome = (matched: string[]): RuleOutcome =>
  ({ action: 'challenge', actionRule: { name: 'many_new_devices', denyTtlS: null, denyTarget: 'client' }, weight: 0, matched }) as unknown as RuleOutcome

/** A sign-in POST the model alone would let through (thresholds out of reach), decided on `rules`; not cleared. */
function signInInput(rules: RuleOutcome): DecideInput {
  const compiled = compileConfig({ ...DEFAULT_CONFIG, thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } } })
  if (!compiled.ok) throw new Error('config')
  return {
    config: compiled.value, routeClass: 'login', denyHit: null, allowHit: null, rules, modelRisk: 0.2, modelReasons: [], cleared: false,
    clientRequests1m: 1, method: 'POST', fetchKind: 'navigation', challengeOwed: false,
  } as DecideInput
}

describe('what a clearance lifts', () => {
  it("decide: cleared lifts the model's challenge and never a rule's", () => {
    const compiled = compileConfig({ ...DEFAULT_CONFIG, thresholds: { default: { challenge: 0, block: 1 } } })
    if (!compiled.ok) throw new Error('config')
    const none: RuleOutcome = { action: null, actionRule: null, weight: 0, matched: [] } as unknown as RuleOutcome
    const base: DecideInput = {
      config: compiled.value, routeClass: 'other', denyHit: null, allowHit: null, rules: none, modelRisk: 0.5, modelReasons: [], cleared: true,
      clientRequests1m: 1, method: 'GET', fetchKind: 'navigation', challengeOwed: false,
    } as DecideInput
    expect(decide(base).decision).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['cleared']) })
    const ruled = { ...none, action: 'challenge', actionRule: { name: 'credential_stuffing', denyTtlS: null, denyTarget: 'client' }, matched: ['credential_stuffing'] } as unknown as RuleOutcome
    expect(decide({ ...base, rules: ruled }).decision).toMatchObject({ action: 'challenge', source: 'rule' })
    // Evaluate reads a clearance only when decide says the challenge is liftable.
    expect(decide({ ...base, cleared: false }).liftable).toBe(true)
    expect(decide({ ...base, cleared: false, rules: ruled }).liftable).toBe(false)
  })

  it("decide: an identity rule's challenge (many_new_devices) is lifted by a device's clearance, unless another acting rule matched too", () => {
    const identity = identityOutcome(['many_new_devices', 'telemetry_replay_seen'])
    const base = signInInput(identity)
    expect(decide(base)).toMatchObject({ liftable: true, liftBy: 'device_one_user', decision: { action: 'challenge', source: 'rule' } })
    expect(decide({ ...base, cleared: true }).decision).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['cleared', 'many_new_devices']) })
    // A counter rule about attempts beside it: solving says nothing about how many passwords are tried.
    const both = { ...identity, matched: ['many_new_devices', 'access_diversity_ip'] } as unknown as RuleOutcome
    expect(decide({ ...base, rules: both }).liftable).toBe(false)
    expect(decide({ ...base, rules: both, cleared: true }).decision.action).toBe('challenge')
    // The model's own challenge is lifted by any clearance.
    expect(decide({ ...base, rules: { action: null, actionRule: null, weight: 0, matched: [] } as unknown as RuleOutcome, modelRisk: 1 }).liftBy).toBe('any')
  })

  it("decide: a `review` rule beside the identity rule leaves it liftable, and the lifted sign-in is still stepped up", () => {
    // A new browser behind a busy office, during a wave of new browsers' refused guesses: both match.
    const base = signInInput(identityOutcome(['many_new_devices', 'new_device_sign_in_wave']))
    expect(decide(base)).toMatchObject({ liftable: true, liftBy: 'device_one_user', decision: { action: 'challenge' } })
    // Solved by this device: no "already verified" loop — forwarded, marked for the origin's second factor.
    expect(decide({ ...base, cleared: true }).decision).toMatchObject({ action: 'review', source: 'rule', reasons: expect.arrayContaining(['new_device_sign_in_wave', 'cleared']) })
  })

  it("decide: what lifts is the config's `lift: device`, not a rule's name", () => {
    const withRules = (rules: unknown[]) => {
      const c = compileConfig({ version: 'lift', rules } as never)
      if (!c.ok) throw new Error(c.detail)
      return c.value
    }
    const outcome = (name: string) => ({ action: 'challenge', actionRule: { name }, weight: 0, matched: [name] }) as unknown as RuleOutcome
    const base = { routeClass: 'login', denyHit: null, allowHit: null, modelRisk: 0.2, modelReasons: [], cleared: false, clientRequests1m: 1, method: 'POST', fetchKind: 'navigation', challengeOwed: false }
    const renamed = withRules([{ name: 'office_new_devices', when: 'credential_attempt', action: 'challenge', lift: 'device' }])
    expect(decide({ ...base, config: renamed, rules: outcome('office_new_devices') } as DecideInput).liftable).toBe(true)
    const unmarked = withRules([{ name: 'many_new_devices', when: 'credential_attempt', action: 'challenge' }])
    expect(decide({ ...base, config: unmarked, rules: outcome('many_new_devices') } as DecideInput).liftable).toBe(false)
  })
})

describe('judging a counted use', () => {
  it.each<[string, Parameters<typeof judgeClearanceUse>[0], number | null, string]>([
    ['the first use', { uses: 1, failuresSince: 0, revoked: false }, 0, 'cleared'],
    ['the last use', { uses: CLEARANCE_MAX_USES, failuresSince: 0, revoked: false }, 0, 'cleared'],
    ['one past the limit', { uses: CLEARANCE_MAX_USES + 1, failuresSince: 0, revoked: false }, 0, 'exhausted'],
    ['revoked, few failures in the window', { uses: 5, failuresSince: CLEARANCE_REVOKE_FAILURES, revoked: true }, CLEARANCE_BLOCK_FAILURES - 1, 'revoked:hardest'],
    ['revoked, and still failing', { uses: 5, failuresSince: CLEARANCE_REVOKE_FAILURES, revoked: true }, CLEARANCE_BLOCK_FAILURES, 'revoked:block'],
    ['revoked, counters missing', { uses: 5, failuresSince: null, revoked: true }, null, 'revoked:hardest'],
  ])('a device clearance: %s → %s', (_name, use, failures, expected) => {
    const j = judgeClearanceUse(use, failures, true)
    expect(j.kind === 'revoked' ? `revoked:${j.escalation}` : j.kind).toBe(expected)
  })

  it("a deviceless clearance, revoked by its address's failures (a NAT neighbour's too), is challenged again, never escalated", () => {
    const use = { uses: 5, failuresSince: CLEARANCE_REVOKE_FAILURES, revoked: true }
    expect(judgeClearanceUse(use, CLEARANCE_BLOCK_FAILURES * 3, false)).toEqual({ kind: 'revoked', escalation: 'again' })
    expect(judgeClearanceUse({ uses: 1, failuresSince: 0, revoked: false }, CLEARANCE_BLOCK_FAILURES, false)).toEqual({ kind: 'cleared' })
  })

  it(`revokes at ${CLEARANCE_REVOKE_FAILURES} failed logins since the first use, not before, never on unknown`, () => {
    expect(revokedByFailures(CLEARANCE_REVOKE_FAILURES - 1)).toBe(false)
    expect(revokedByFailures(CLEARANCE_REVOKE_FAILURES)).toBe(true)
    expect(revokedByFailures(null)).toBe(false)
  })
})

describe('escalating a revoked clearance', () => {
  it('challenges again at the hardest difficulty', () => {
    expect(escalateRevoked(challenge(), 'hardest')).toMatchObject({ action: 'challenge', difficulty: POW_MAX_DIFFICULTY, reasons: ['clearance_revoked', 'x'] })
  })

  it("challenges again at the decision's own difficulty (a deviceless clearance)", () => {
    expect(escalateRevoked(challenge(), 'again')).toMatchObject({ action: 'challenge', difficulty: 14, reasons: ['clearance_revoked', 'x'] })
  })

  it('blocks a client that keeps failing', () => {
    const blocked = escalateRevoked(challenge(), 'block')
    expect(blocked).toMatchObject({ action: 'block', wouldAction: 'block', reasons: ['clearance_revoked_block', 'x'] })
    expect('difficulty' in blocked).toBe(false)
  })

  it('in shadow mode changes only what enforce would do', () => {
    const shadow = challenge({ action: 'allow', mode: 'shadow' })
    expect(escalateRevoked(shadow, 'block')).toMatchObject({ action: 'allow', wouldAction: 'block' })
    expect(escalateRevoked(shadow, 'hardest')).toMatchObject({ action: 'allow', wouldAction: 'challenge' })
  })
})
