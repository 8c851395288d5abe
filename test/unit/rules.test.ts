import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { emptyFeatureVector, FEATURE_INDEX } from '../../src/features/list'
import { challengeDifficulty, clearanceMinDifficulty, decide } from '../../src/policy/decide'
import { compileRules } from '../../src/policy/rules/compileRules'
import { ruleContext, type RuleFacts } from '../../src/policy/rules/context'
import { evaluateRules } from '../../src/policy/rules/evaluate'
import { parseRule } from '../../src/policy/rules/parse'

const facts: RuleFacts = {
  routeClass: 'login',
  method: 'POST',
  normalisedPath: '/login',
  country: 'NL',
  asn: 16509,
  risk: 0.1,
  userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  verifiedBot: false,
  ja3: null,
  ja4: null,
}

function matches(when: string, set: Partial<Record<keyof typeof FEATURE_INDEX, number>> = {}, f: Partial<RuleFacts> = {}): boolean {
  const compiled = compileRules([{ name: 'r', when, action: 'block', priority: 1 }])
  expect(compiled.problems).toEqual([])
  const vec = emptyFeatureVector()
  for (const [k, v] of Object.entries(set)) vec[FEATURE_INDEX[k as keyof typeof FEATURE_INDEX]] = v
  return evaluateRules(compiled.rules, ruleContext(vec, { ...facts, ...f })).matched.length === 1
}

const JA3 = 'e7d705a3286e19ea42f587b344ee6865'
const JA4 = 't13d1516h2_8daaf6152771_02713d6af862'

describe('the rule language', () => {
  it.each([
    [`ja4 == "${JA4}"`, { ja4: JA4 }, true],
    [`ja4 == "${JA4}"`, { ja4: 't13d1516h2_8daaf6152771_000000000000' }, false],
    [`ja3 in ["${JA3}", "00000000000000000000000000000000"]`, { ja3: JA3 }, true],
    [`ja4 contains "t13d1516h2_"`, { ja4: JA4 }, true],
    // No fingerprint on this plan: every comparison is false, `== missing` is true.
    [`ja4 == "${JA4}"`, {}, false],
    [`ja4 != "${JA4}"`, {}, false],
    [`ja3 in ["${JA3}"]`, {}, false],
    ['ja4 == missing and ja3 == missing', {}, true],
  ] as const)('TLS fingerprint rule %s with %o → %s', (when, tls, expected) => {
    expect(matches(when, {}, tls)).toBe(expected)
  })

  it('refuses comparing a fingerprint with a number', () => {
    const r = parseRule('ja4 == 13')
    expect(r.ok ? 'ok' : r.reason).toBe('type')
  })

  it.each([
    ['route == "login" and device.failed_logins_10m >= 10', { device_failed_logins_10m: 10 }, true],
    ['route == "login" and device.failed_logins_10m >= 10', { device_failed_logins_10m: 9 }, false],
    ['device_failed_logins_10m >= 10', {}, false],
    ['device_failed_logins_10m == missing', {}, true],
    ['not (device_failed_logins_10m > 3)', {}, true],
    ['sdk_webdriver', { sdk_webdriver: 1 }, true],
    ['sdk_webdriver', { sdk_webdriver: 0 }, false],
    ['sdk_webdriver', {}, false],
    ['route in ["signup", "login"] and method == "POST"', {}, true],
    ['asn in [16509, 14061]', {}, true],
    ['country == "US" or asn == 16509', {}, true],
    ['ua contains "googlebot" and ua_crawler and not verified_bot', {}, true],
    ['ip_failed_logins_10m / ip_distinct_users_10m > 0.5', { ip_failed_logins_10m: 4, ip_distinct_users_10m: 5 }, true],
    ['ip_failed_logins_10m / ip_distinct_users_10m > 0.5', { ip_failed_logins_10m: 4, ip_distinct_users_10m: 0 }, false],
    ['-risk < 0 and risk * 10 >= 1', {}, true],
    ['TRUE and Route == "login"', {}, true],
  ] as const)('%s → %s', (when, set, expected) => {
    expect(matches(when, set)).toBe(expected)
  })

  it.each([
    ['route == ', 'syntax', 'position 10'],
    ['route = "login"', 'syntax', 'position 7'],
    ['rout == "login"', 'syntax', 'unknown name "rout"'],
    ['route == 3', 'type', 'cannot compare string with number'],
    ['route > "a"', 'type', 'expected a number'],
    ['device_failed_logins_10m', 'type', 'must be true or false'],
    ['"unterminated', 'syntax', 'unterminated string'],
    ['route == "login" extra', 'syntax', 'unexpected text'],
    ['(((((((((((((((((((((((((((((((((((true)))))))))))))))))))))))))))))))))))', 'syntax', 'nested deeper'],
    ['route in ["a", 1]', 'type', 'list items must be strings'],
    ['route @ 1', 'syntax', 'unexpected "@"'],
  ] as const)('rejects %j as %s, saying where', (when, reason, detail) => {
    const r = parseRule(when)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.reason).toBe(reason)
      expect(r.detail).toContain(detail)
    }
  })

  it('rejects a config with a broken rule, naming the rule and its position', () => {
    const r = compileConfig({ version: 'bad-rule', rules: [{ name: 'ok_rule', when: 'true', action: 'allow' }, { name: 'broken', when: 'route == ', action: 'block' }] })
    expect(r.ok).toBe(false)
    expect(r.problems).toEqual([expect.stringMatching(/^rules\[1\]\.when: rule "broken": .*position 10/)])
  })

  it('compiles every bundled default rule', () => {
    const r = compileConfig(DEFAULT_CONFIG)
    expect(r.ok && r.value.rules.length).toBe(DEFAULT_CONFIG.rules.length)
  })
})

describe('the bundled aliased sign-up wave', () => {
  const config = (() => {
    const r = compileConfig(DEFAULT_CONFIG)
    if (!r.ok) throw new Error(r.detail)
    return r.value
  })()
  /** Whether aliased_signup_wave fires on a sign-up with these cohort counts (this one included). */
  const waves = (aliased: boolean, tenMinutes: number, day: number): boolean => {
    const counters = { 'cohort.signup_attempts_10m': tenMinutes, 'cohort.signup_attempts_24h': day } as unknown as RuleFacts['counters']
    const f: RuleFacts = { ...facts, routeClass: 'signup', normalisedPath: '/signup', userAgent: null, credentials: { attempt: true, unreadable: false, conflict: false, emailDisposable: false, emailAliased: aliased }, counters }
    return evaluateRules(config.rules, ruleContext(emptyFeatureVector(), f)).matched.includes('aliased_signup_wave')
  }

  it('fires from the 20th aliased sign-up in 10 minutes on a site that sees few', () => {
    expect(waves(true, 19, 19)).toBe(false)
    expect(waves(true, 20, 20)).toBe(true)
    expect(waves(false, 40, 40)).toBe(false) // a plain address is nobody's alias
  })

  it("rises with the site's own pace: three times the day's usual 10 minutes", () => {
    // A site whose people open 50 aliased accounts every 10 minutes (7,200 a day): 150 in 10 minutes is the wave.
    expect(waves(true, 50, 7200)).toBe(false)
    expect(waves(true, 149, 7200)).toBe(false)
    expect(waves(true, 150, 7200)).toBe(true)
  })
})

describe('the bundled review of a sign-in to an account with no past, from a hosting network', () => {
  const config = (() => {
    const r = compileConfig(DEFAULT_CONFIG)
    if (!r.ok) throw new Error(r.detail)
    return r.value
  })()
  const fires = (hosting: number, signinDays: number | null, established = false): boolean => {
    const vec = emptyFeatureVector()
    vec[FEATURE_INDEX.asn_hosting] = hosting
    const counters = { 'user.signin_days_30d': signinDays } as unknown as RuleFacts['counters']
    const f: RuleFacts = { ...facts, userAgent: null, credentials: { attempt: true, unreadable: false, conflict: false }, counters, device: { established, unproven: false, telemetrySeenDevices1h: null } }
    return evaluateRules(config.rules, ruleContext(vec, f)).matched.includes('unknown_account_from_hosting')
  }

  it('reviews an account not let in for 30 days, from a hosting network, on a device not yet established', () => {
    expect(fires(1, 0)).toBe(true)
  })

  it("leaves an account with a past (unfamiliar_sign_in's), a residential network, an established device and an unread account alone", () => {
    expect(fires(1, 3)).toBe(false)
    expect(fires(0, 0)).toBe(false)
    expect(fires(1, 0, true)).toBe(false)
    expect(fires(1, null)).toBe(false)
  })
})

describe('decide', () => {
  const config = (() => {
    const r = compileConfig({ version: 't', rules: [{ name: 'stuffing', when: 'device.distinct_users_10m >= 5', action: 'block', deny_ttl_s: 600 }, { name: 'bump', when: 'sdk_paste_credential', weight: 0.5 }] })
    if (!r.ok) throw new Error(r.detail)
    return r.value
  })()
  const run = (set: Partial<Record<keyof typeof FEATURE_INDEX, number>>, extra: Partial<Parameters<typeof decide>[0]> = {}) => {
    const vec = emptyFeatureVector()
    for (const [k, v] of Object.entries(set)) vec[FEATURE_INDEX[k as keyof typeof FEATURE_INDEX]] = v
    const rules = evaluateRules(config.rules, ruleContext(vec, facts))
    return decide({ config, routeClass: 'login', denyHit: null, allowHit: null, rules, modelRisk: 0.1, modelReasons: ['m1'], cleared: false, clientRequests1m: 1, method: 'POST', fetchKind: 'unknown', challengeOwed: false, ...extra })
  }

  it('lets a blocking rule deny-list its source', () => {
    const v = run({ device_distinct_users_10m: 5 })
    expect(v.decision).toMatchObject({ action: 'block', source: 'rule', reasons: ['stuffing', 'm1'], rules: ['stuffing'] })
    expect(v.deny).toEqual({ target: 'client', ttlS: 600, reason: 'rule:stuffing' })
  })

  it('adds rule weights to the model risk before the thresholds', () => {
    const v = run({ sdk_paste_credential: 1 })
    expect(v.decision.risk).toBeCloseTo(0.6)
    expect(v.decision.action).toBe('challenge')
  })

  it('puts the deny list before the allow list and the allow list before rules', () => {
    expect(run({ device_distinct_users_10m: 9 }, { denyHit: 'deny_ip', allowHit: 'allow_ip' }).decision.source).toBe('deny_list')
    expect(run({ device_distinct_users_10m: 9 }, { allowHit: 'allow_ip' }).decision).toMatchObject({ action: 'allow', source: 'allow_list' })
  })

  it('turns a challenge into an allow for a cleared client, but never a block', () => {
    expect(run({ sdk_paste_credential: 1 }, { cleared: true }).decision).toMatchObject({ action: 'allow', reasons: ['cleared', 'm1'] })
    expect(run({ device_distinct_users_10m: 5 }, { cleared: true }).decision.action).toBe('block')
  })

  type Extra = Partial<Parameters<typeof decide>[0]>
  const at = (routeClass: 'login' | 'signup' | 'password_reset' | 'checkout' | 'other', method: string, modelRisk: number, extra: Extra = {}) =>
    decide({ config, routeClass, denyHit: null, allowHit: null, rules: evaluateRules(config.rules, ruleContext(emptyFeatureVector(), facts)), modelRisk, modelReasons: [], cleared: false, clientRequests1m: 1, method, fetchKind: 'unknown', challengeOwed: false, ...extra })

  it('never lets the model alone challenge or block a form view (GET of login, signup, password reset): it marks it for review', () => {
    expect(at('login', 'GET', 0.8).decision.action).toBe('allow')
    expect(at('signup', 'HEAD', 0.8).decision.action).toBe('allow')
    expect(at('password_reset', 'GET', 0.8).decision).toMatchObject({ action: 'allow', reasons: ['review'] })
    expect(at('login', 'GET', 0.999).decision).toMatchObject({ action: 'allow', wouldAction: 'allow', reasons: ['review'] })
    expect(at('login', 'POST', 0.8).decision.action).toBe('challenge')
    expect(at('login', 'POST', 0.99).decision.action).toBe('block')
  })

  it('challenges a crowd (no cookie, shared address) on a score alone only at the block threshold, and never blocks it', () => {
    const crowd = { crowd: true }
    expect(at('login', 'POST', 0.88, crowd).decision).toMatchObject({ action: 'allow', reasons: ['review'] })
    expect(at('checkout', 'POST', 0.8, crowd).decision.action).toBe('allow')
    expect(at('other', 'GET', 0.9, crowd).decision.action).toBe('allow')
    expect(at('login', 'POST', 0.96, crowd).decision.action).toBe('challenge')
    expect(at('login', 'POST', 0.999, crowd).decision.action).toBe('challenge')
    expect(at('other', 'GET', 0.99, crowd).decision.action).toBe('challenge')
    // The same scores without the crowd: as ever.
    expect(at('login', 'POST', 0.88).decision.action).toBe('challenge')
    expect(at('login', 'POST', 0.999).decision.action).toBe('block')
    // A rule with counter evidence still acts on a crowd.
    const stuffing = evaluateRules(config.rules, ruleContext((() => { const v = emptyFeatureVector(); v[FEATURE_INDEX.device_distinct_users_10m] = 5; return v })(), facts))
    expect(at('login', 'POST', 0.1, { ...crowd, rules: stuffing }).decision).toMatchObject({ action: 'block', source: 'rule' })
  })

  it("acts on a cookie-less browser's page view or guest checkout no further than the request's own signals (no journey) reach", () => {
    // Sixty people behind carrier-grade NAT before any signed in: their address's page views read as one fast client.
    const busyAddress = at('other', 'GET', 0.9, { ownSignalsRisk: 0.05 })
    expect(busyAddress.decision).toMatchObject({ action: 'allow', source: 'model', reasons: ['review'] })
    expect(busyAddress.oweChallenge).toBe(false)
    // A request suspect on its own (a script's headers) is challenged as before.
    expect(at('other', 'GET', 0.99, { ownSignalsRisk: 0.9 }).decision.action).toBe('challenge')
    // Without the own-signals score (a device, a declared tool, a sign-in, no model) nothing changes.
    expect(at('other', 'GET', 0.9).decision.action).toBe('challenge')
    expect(at('checkout', 'POST', 0.99).decision.action).toBe('block')
    // A guest's cart or checkout POST: no further than its own signals reach.
    expect(at('checkout', 'POST', 0.99, { ownSignalsRisk: 0.05 }).decision).toMatchObject({ action: 'allow', reasons: ['review'] })
    expect(at('checkout', 'POST', 0.99, { ownSignalsRisk: 0.9 }).decision.action).toBe('challenge')
    expect(at('checkout', 'POST', 0.99, { ownSignalsRisk: 0.99 }).decision.action).toBe('block')
    // A rule's own weight counts on the own-signals side too.
    const weighted = evaluateRules(config.rules, ruleContext((() => { const v = emptyFeatureVector(); v[FEATURE_INDEX.sdk_paste_credential] = 1; return v })(), facts))
    expect(at('other', 'GET', 0.9, { ownSignalsRisk: 0.35 }).decision.action).toBe('allow')
    expect(at('other', 'GET', 0.9, { ownSignalsRisk: 0.35, rules: weighted }).decision.action).toBe('challenge')
  })

  it("marks a cookie-less browser's first sign-ups review on a score alone, and lets the sign-up rules act", () => {
    expect(at('signup', 'POST', 0.999, { firstSignup: true }).decision).toMatchObject({ action: 'allow', source: 'model', reasons: expect.arrayContaining(['review']) })
    expect(at('signup', 'POST', 0.8, { firstSignup: true }).decision.action).toBe('allow')
    // From the third sign-up (or with a device) the model acts as ever.
    expect(at('signup', 'POST', 0.999).decision.action).toBe('block')
    expect(at('signup', 'POST', 0.8).decision.action).toBe('challenge')
    // A rule with its own action is not the model alone.
    const stuffing = evaluateRules(config.rules, ruleContext((() => { const v = emptyFeatureVector(); v[FEATURE_INDEX.device_distinct_users_10m] = 5; return v })(), facts))
    expect(at('signup', 'POST', 0.1, { firstSignup: true, rules: stuffing }).decision).toMatchObject({ action: 'block', source: 'rule' })
  })

  it('never lets the model alone block a page view: at most it challenges', () => {
    expect(at('other', 'GET', 0.999).decision.action).toBe('challenge')
    expect(at('checkout', 'HEAD', 0.99).decision.action).toBe('challenge')
    expect(at('other', 'GET', 0.85).decision.action).toBe('challenge')
    expect(at('other', 'POST', 0.999).decision.action).toBe('block')
  })

  it('never challenges a sub-resource: a read goes through for review, a write is blocked, and the next navigation carries the challenge', () => {
    const script = at('other', 'GET', 0.9, { fetchKind: 'subresource' })
    expect(script.decision).toMatchObject({ action: 'allow', wouldAction: 'allow', reasons: ['review'] })
    expect(script.oweChallenge).toBe(true)
    const xhrLogin = at('login', 'POST', 0.8, { fetchKind: 'subresource' })
    expect(xhrLogin.decision).toMatchObject({ action: 'block', reasons: ['subresource_challenge'] })
    expect(xhrLogin.oweChallenge).toBe(true)
    expect(xhrLogin.deny).toBeNull()
    // A calm sub-resource owes nothing; the same request as a navigation is challenged as before.
    expect(at('other', 'GET', 0.1, { fetchKind: 'subresource' }).oweChallenge).toBe(false)
    expect(at('other', 'GET', 0.9, { fetchKind: 'navigation' }).decision.action).toBe('challenge')
  })

  it('lets a clearance lift a sub-resource\'s challenge: a cleared client\'s XHR is allowed, not blocked', () => {
    const xhr = at('login', 'POST', 0.8, { fetchKind: 'subresource' })
    expect(xhr.liftable).toBe(true)
    expect(at('login', 'POST', 0.8, { fetchKind: 'subresource', cleared: true }).decision).toMatchObject({ action: 'allow', reasons: ['cleared'] })
    expect(at('login', 'POST', 0.99, { fetchKind: 'subresource' }).liftable).toBe(false) // a block is never lifted
  })

  it('challenges the navigation after an owed challenge unless the client cleared it, and never a sub-resource for it', () => {
    expect(at('other', 'GET', 0.1, { challengeOwed: true, fetchKind: 'navigation' }).decision).toMatchObject({ action: 'challenge', reasons: ['challenge_owed'] })
    expect(at('login', 'GET', 0.1, { challengeOwed: true, fetchKind: 'unknown' }).decision.action).toBe('challenge')
    expect(at('other', 'GET', 0.1, { challengeOwed: true, fetchKind: 'subresource' }).decision.action).toBe('allow')
    expect(at('other', 'GET', 0.1, { challengeOwed: true, fetchKind: 'navigation', cleared: true }).decision.action).toBe('allow')
    expect(at('other', 'GET', 0.1, { challengeOwed: true, fetchKind: 'navigation', allowHit: 'allow_ip' }).decision.action).toBe('allow')
  })

  it('in shadow mode owes no challenge', () => {
    const shadow = compileConfig({ version: 's', mode: 'shadow' })
    if (!shadow.ok) throw new Error('bad')
    const v = decide({ config: shadow.value, routeClass: 'other', denyHit: null, allowHit: null, rules: evaluateRules(shadow.value.rules, ruleContext(emptyFeatureVector(), facts)), modelRisk: 0.9, modelReasons: [], cleared: false, clientRequests1m: 1, method: 'GET', fetchKind: 'subresource', challengeOwed: false })
    expect(v.oweChallenge).toBe(false)
  })

  it('deny-lists on the model alone only a device (never an address), above deny_on_block.min_risk, on a client past its first requests', () => {
    expect(run({}, { modelRisk: 0.999, clientRequests1m: 3 }).deny).toEqual({ target: 'device', ttlS: 900, reason: 'model' })
    expect(run({}, { modelRisk: 0.96, clientRequests1m: 3 }).deny).toBeNull()
    expect(run({}, { modelRisk: 0.999, clientRequests1m: 2 }).deny).toBeNull()
    expect(run({}, { modelRisk: 0.999, clientRequests1m: null }).deny).toBeNull()
    expect(run({}, { modelRisk: 0.999 }).decision.action).toBe('block') // still blocked, just not listed
  })

  it('logs the model score next to the decision risk', () => {
    const v = run({ sdk_paste_credential: 1 }, { modelRisk: 0.2 })
    expect(v.decision.risk).toBeCloseTo(0.7)
    expect(v.decision.modelRisk).toBe(0.2)
  })

  it('in shadow mode forwards and never deny-lists', () => {
    const shadow = compileConfig({ version: 's', mode: 'shadow', rules: [{ name: 'stuffing', when: 'device.distinct_users_10m >= 5', action: 'block', deny_ttl_s: 600 }] })
    if (!shadow.ok) throw new Error('bad')
    const vec = emptyFeatureVector()
    vec[FEATURE_INDEX.device_distinct_users_10m] = 7
    const rules = evaluateRules(shadow.value.rules, ruleContext(vec, facts))
    const v = decide({ config: shadow.value, routeClass: 'login', denyHit: null, allowHit: null, rules, modelRisk: 0.1, modelReasons: [], cleared: false, clientRequests1m: 10, method: 'POST', fetchKind: 'unknown', challengeOwed: false })
    expect(v.decision).toMatchObject({ action: 'allow', wouldAction: 'block' })
    expect(v.deny).toBeNull()
  })
})

describe('a rule that asks for review (step-up)', () => {
  const config = (() => {
    const r = compileConfig({ version: 'review', rules: [{ name: 'step_up', when: 'route == "login"', action: 'review' }] })
    if (!r.ok) throw new Error(r.detail)
    return r.value
  })()
  const rules = evaluateRules(config.rules, ruleContext(emptyFeatureVector(), facts))
  const at = (modelRisk: number) =>
    decide({ config, routeClass: 'login', denyHit: null, allowHit: null, rules, modelRisk, modelReasons: ['m1'], cleared: false, clientRequests1m: 1, method: 'POST', fetchKind: 'unknown', challengeOwed: false })

  it('raises what the model would allow to review, named first', () => {
    expect(at(0.1).decision).toMatchObject({ action: 'review', wouldAction: 'review', source: 'rule', reasons: ['step_up', 'm1'] })
  })

  it('survives a solved challenge: the clearance lifts the model\'s challenge, not the step-up', () => {
    const cleared = decide({ config, routeClass: 'login', denyHit: null, allowHit: null, rules, modelRisk: 0.8, modelReasons: ['m1'], cleared: true, clientRequests1m: 1, method: 'POST', fetchKind: 'unknown', challengeOwed: false })
    expect(cleared.decision).toMatchObject({ action: 'review', source: 'rule', reasons: ['step_up', 'cleared', 'm1'] })
  })

  it('never lowers the model: a challenge or a block stands', () => {
    expect(at(0.8).decision).toMatchObject({ action: 'challenge', source: 'model' })
    expect(at(0.99).decision).toMatchObject({ action: 'block', source: 'model' })
  })

  it('gives way to the allow list, and to a challenge the client owes', () => {
    expect(decide({ config, routeClass: 'login', denyHit: null, allowHit: 'allow_ip', rules, modelRisk: 0.1, modelReasons: [], cleared: false, clientRequests1m: 1, method: 'POST', fetchKind: 'unknown', challengeOwed: false }).decision.action).toBe('allow')
    expect(decide({ config, routeClass: 'login', denyHit: null, allowHit: null, rules, modelRisk: 0.1, modelReasons: [], cleared: false, clientRequests1m: 1, method: 'POST', fetchKind: 'navigation', challengeOwed: true }).decision).toMatchObject({ action: 'challenge', reasons: ['challenge_owed'] })
  })
})

describe('challenge difficulty and what clears it', () => {
  it('grows from 12 to 18 bits with risk', () => {
    expect(challengeDifficulty(0)).toBe(12)
    expect(challengeDifficulty(0.5)).toBe(15)
    expect(challengeDifficulty(1)).toBe(18)
  })

  it('honours a puzzle solved a little before the risk moved, not one solved at a much lower risk', () => {
    const solvedAt = (risk: number) => challengeDifficulty(risk)
    expect(solvedAt(0.6)).toBeGreaterThanOrEqual(clearanceMinDifficulty(0.8)) // drift of 0.2: still cleared
    expect(solvedAt(0.3)).toBeLessThan(clearanceMinDifficulty(0.9)) // jump of 0.6: a new, harder puzzle
  })
})
