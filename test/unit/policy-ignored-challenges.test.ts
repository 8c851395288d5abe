// A challenge a client ignores sticks (src/policy/ignoredChallenges.ts, decide's `challengesIgnored`):
// five shown and none passed in 10 minutes, or four shown per pass, make a cookie-less page read a
// challenge the model alone would let in; a clearance lifts it; never a form post, a rule's word or a
// sub-resource.
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { decide, type DecideInput } from '../../src/policy/decide'
import { ignoresChallenges, IGNORED_CHALLENGES_MIN, IGNORED_CHALLENGES_PER_PASS } from '../../src/policy/ignoredChallenges'
import type { RuleOutcome } from '../../src/policy/rules/evaluate'

describe('ignoresChallenges', () => {
  it('takes five challenges shown and none passed, or four shown per pass', () => {
    expect(IGNORED_CHALLENGES_MIN).toBe(5)
    expect(IGNORED_CHALLENGES_PER_PASS).toBe(4)
    expect(ignoresChallenges(4, 0)).toBe(false)
    expect(ignoresChallenges(5, 0)).toBe(true)
    expect(ignoresChallenges(7, 1)).toBe(false)
    expect(ignoresChallenges(8, 1)).toBe(true)
    expect(ignoresChallenges(39, 9)).toBe(false)
    expect(ignoresChallenges(40, 9)).toBe(true)
    // Unread counts are no evidence.
    expect(ignoresChallenges(null, 0)).toBe(false)
    expect(ignoresChallenges(9, null)).toBe(false)
  })
})

describe("decide's challengesIgnored", () => {
  const compiled = compileConfig({ ...DEFAULT_CONFIG, thresholds: { default: { challenge: 0.8, block: 0.97 } } })
  if (!compiled.ok) throw new Error('config')
  const none = { action: null, actionRule: null, weight: 0, matched: [] } as unknown as RuleOutcome
  const base = {
    config: compiled.value, routeClass: 'other', denyHit: null, allowHit: null, rules: none, modelRisk: 0.1, modelReasons: [], cleared: false,
    clientRequests1m: 1, method: 'GET', fetchKind: 'navigation', challengeOwed: false, challengesIgnored: true,
  } as DecideInput

  it("challenges a page read the model lets in, liftable by any clearance", () => {
    expect(decide({ ...base, challengesIgnored: false }).decision.action).toBe('allow')
    const v = decide(base)
    expect(v).toMatchObject({ liftable: true, liftBy: 'any', decision: { action: 'challenge', source: 'model', reasons: ['challenges_ignored'] } })
    expect(decide({ ...base, cleared: true }).decision).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['cleared', 'challenges_ignored']) })
  })

  it('leaves a form post, a sub-resource and an allow-listed source alone; a rule\'s review asks for no less', () => {
    expect(decide({ ...base, method: 'POST', routeClass: 'cart' }).decision.action).toBe('allow')
    expect(decide({ ...base, fetchKind: 'subresource' }).decision.action).toBe('allow')
    expect(decide({ ...base, allowHit: 'allow_ip' }).decision.action).toBe('allow')
    const review = { action: 'review', actionRule: { name: 'leaked_pair', denyTtlS: null, denyTarget: 'client' }, weight: 0, matched: ['leaked_pair'] } as unknown as RuleOutcome
    expect(decide({ ...base, rules: review }).decision).toMatchObject({ action: 'challenge', source: 'model' })
    // A rule that acts is the rule's decision.
    const stuffing = { action: 'block', actionRule: { name: 'x', denyTtlS: null, denyTarget: 'client' }, weight: 0, matched: ['x'] } as unknown as RuleOutcome
    expect(decide({ ...base, rules: stuffing }).decision).toMatchObject({ action: 'block', source: 'rule' })
  })
})
