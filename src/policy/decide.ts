// decide: takes the compiled config, the route class, list hits, the rule outcome and the
// model's score; returns the Decision and, when an attack is confirmed, what to put on the
// deny list. Order: deny list → allow list → rules → model thresholds (with their guardrails)
// → what a browser can show → mode. No I/O.
import type { CompiledConfig } from '../config/compileConfig'
import { thresholdsFor } from '../config/compileConfig'
import { CREDENTIAL_CLASSES, SENSITIVE_CLASSES, type RouteClass } from '../config/routeClasses'
import type { FetchKind } from '../signals/fetchKind'
import { isForwarded, type Action, type Decision, type DecisionSource } from './decision'
import type { DenyTargetChoice, RuleOutcome } from './rules/evaluate'
import type { CrawlerAction } from '../signals/crawlers/policy'

export interface DecideInput {
  readonly config: CompiledConfig
  readonly routeClass: RouteClass
  /** e.g. `deny_ip`, `deny_device` — a deny-list hit; blocks before anything else. */
  readonly denyHit: string | null
  /** e.g. `allow_ip`, `verified_bot` — an allow-list hit. */
  readonly allowHit: string | null
  readonly rules: RuleOutcome
  /** The model's probability, or null when no model could be used. */
  readonly modelRisk: number | null
  readonly modelReasons: readonly string[]
  /** A valid clearance cookie (a solved challenge) turns a challenge into an allow. */
  readonly cleared: boolean
  /** The client's requests in the last minute, this one included (null: counters missing). */
  readonly clientRequests1m: number | null
  /** The request method (GET, POST, …); a page view is decided differently (see PAGE_METHODS). */
  readonly method: string
  /** What the browser says the request is for (Sec-Fetch-*): only a navigation can show a challenge. */
  readonly fetchKind: FetchKind
  /** A sub-resource of this client was due a challenge it could not show: its next navigation carries it. */
  readonly challengeOwed: boolean
  /**
   * A client on an address whose clients were shown challenge after challenge and passed none
   * (src/policy/ignoredChallenges.ts): its next page read carries one too.
   */
  readonly challengesIgnored?: boolean
  /**
   * A client without a device cookie on a shared address (3+ accounts signed in from it in the hour,
   * src/features/modelView.ts): the client is many people, and the model sees none of its journey.
   * Also a new device's credential attempt on a shared address, which is scored close to no device.
   */
  readonly crowd?: boolean
  /**
   * A browser without a device cookie on an address of many people, on a page view or a cart or
   * checkout POST: the model's score of the request's own signals, without its address's journey
   * (src/features/modelView.ts, ownSignalsOnly); on a sign-in while the address's refused usernames
   * are no more than those it got into: without the address's journey, its username's history kept
   * (withoutAddressJourney). Absent otherwise (a device, a declared tool, an account change, no model).
   */
  readonly ownSignalsRisk?: number | null
  /**
   * A browser without a device cookie, on one of its first two sign-ups in 10 minutes: the model alone
   * marks it `review` (reason), never challenges or blocks it. Absent / false otherwise.
   */
  readonly firstSignup?: boolean
  /**
   * The registered app whose valid token the request carries (src/signals/appToken.ts), or absent.
   * The model alone does not act on it — a library User-Agent and JSON calls are what the app is —
   * and marks it `review`; rules with counters still do.
   */
  readonly app?: string | null
  /**
   * A verified signed agent the operator listed with an action (config `agents`, docs/agents.md):
   * after the deny list, before everything else. `rate_limit` lets it in up to `ratePerMin` of its
   * requests a minute (`clientRequests1m` counts the agent's, all its addresses together). Absent: none.
   */
  readonly agent?: { readonly action: 'allow' | 'rate_limit' | 'block'; readonly ratePerMin: number } | null
  /**
   * A verified crawler's category policy (config `crawlers`, docs/crawlers.md): after a listed agent's
   * action, before the allow list — only on a page read (GET, HEAD) of a route class that is not
   * sensitive (crawlerPolicyApplies); elsewhere the request goes to the rules and the model like any
   * other. Absent: no verified category.
   */
  readonly crawler?: CrawlerPolicyInput | null
}

export interface CrawlerPolicyInput {
  readonly action: CrawlerAction
  readonly ratePerMin: number
  /** Under `charge`: whether the request agreed to the price (src/signals/crawlers/policy.ts). */
  readonly paid: boolean
  /** It fetched robots.txt and asks for a path its group there disallows. */
  readonly robotsDisallowed: boolean
}

/**
 * Guardrails on the model alone (a score, no counter evidence from a rule):
 * - a page view (GET or HEAD) is never blocked — at most challenged. One score must not lock a
 *   person out of the site (an office behind one address, a browser without JavaScript);
 * - a form view (a page view of a credential class) is never challenged either, only marked
 *   `review`: the attempt is the POST, decided on its own, and a person whose browser runs no
 *   JavaScript cannot pass a challenge;
 * - a score alone never deny-lists an address: only a device (its signed cookie) — an address is
 *   listed only by a rule with counter evidence (stuffing, carding);
 * - a crowd (no device cookie, on a shared address) is challenged by a score alone only at the block
 *   threshold, and never blocked by one: below it the request is marked `review`. Its journey is many
 *   people's; only its headers are its own, and one person's odd browser must not stop the office.
 *   Being a crowd costs 3 working accounts signed in from the address within the hour. A new
 *   device's sign-in on a shared address is judged the same way (worker/evaluate.ts);
 * - a browser without a device cookie, on a page view or a cart or checkout POST, is acted on by a
 *   score alone no further than the request's own signals (no journey) reach: below the challenge
 *   threshold it is marked `review`. Its journey is its address's, and sixty people behind
 *   carrier-grade NAT before any of them signed in read like one fast shopper. The address's volume
 *   is the rules' explicit bounds (`scraping_rate`, `cart_hoarding`, `carding_*`). So are, on any
 *   address, its first two cart adds (of a few units: `cart.grace_max_units`) or checkouts in 10
 *   minutes after the address read a page, and its sign-in after a minute spent on the form
 *   (worker/evaluate.ts): a thin journey before a write is no evidence. Its sign-in is
 *   too, while the address's refused usernames are no more than those it got into, or while it
 *   retries a username refused from this address in 10 minutes: ten colleagues whose first three
 *   sign-ins were typos read like a stuffer's first attempts. A stuffer rotating
 *   header sets keeps this only by getting in for every username refused; `credential_stuffing`
 *   counts its refusals all the same.
 * - such a browser's first two sign-ups in 10 minutes are marked `review` by a score alone, never
 *   challenged or blocked (`firstSignup`); the sign-up rules act from the first.
 * Rules still act with their own action.
 */
const PAGE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD'])

/**
 * Where a verified crawler's category policy (and the `verified_bot` allow) holds: a page read (GET,
 * HEAD) of a route class that is not sensitive. A verified Googlebot posting to /login, or reading
 * /checkout, is judged by the rules and the model (`declared_bot_on_sensitive_route`): a crawler has
 * nothing to index there, and a verified address is no licence to sign in or pay.
 */
export function crawlerPolicyApplies(method: string, routeClass: RouteClass): boolean {
  return PAGE_METHODS.has(method.toUpperCase()) && !SENSITIVE_CLASSES.has(routeClass)
}

export interface DenyRequest {
  readonly target: DenyTargetChoice
  readonly ttlS: number
  readonly reason: string
}

export interface Verdict {
  readonly decision: Decision
  /** Set only in enforce mode, for a block that rules or the model confirmed. */
  readonly deny: DenyRequest | null
  /**
   * Enforce mode only: a sub-resource was due a challenge it cannot show (a script, an image, an
   * XHR), so the client's next navigation should carry it.
   */
  readonly oweChallenge: boolean
  /**
   * The model asked for a challenge (before a sub-resource turned it into an allow or a block), or
   * an identity rule did (`lift: device`): a clearance may lift it — a cleared client's XHR
   * is cleared, not blocked.
   */
  readonly liftable: boolean
  /**
   * Which clearance lifts it: `any` (the model's challenge: a device's or a deviceless one), or
   * `device_one_user` (an identity rule's: only a clearance bound to this request's device, while
   * that device has named at most DEVICE_LIFT_MAX_USERS usernames — evaluate checks both).
   */
  readonly liftBy: 'any' | 'device_one_user'
}

/**
 * Whether a rule's challenge is one a device's clearance may lift: every rule that matched with an
 * action of its own is an identity rule (`lift: device` in the config). A stuffing or carding rule that
 * matched beside it keeps the challenge unliftable.
 */
function identityChallenge(config: CompiledConfig, rules: RuleOutcome): boolean {
  const rule = (name: string) => config.rules.find((r) => r.name === name)
  if (rules.action !== 'challenge' || rules.actionRule === null || rule(rules.actionRule.name)?.liftByDevice !== true) return false
  // A `review` rule beside it asks the origin for a second factor, not for a puzzle: it does not keep the
  // challenge standing (it did: a person behind a busy office, new browser, solved and sat on "already
  // verified" whenever new_device_sign_in_wave matched too) — it is applied after the lift (below).
  return rules.matched.every((name) => rule(name)?.liftByDevice === true || (rule(name)?.action ?? null) === null || rule(name)?.action === 'review')
}

/** The matched `review` rule that comes first (config.rules is in the rules' own precedence: lowest priority first), or null. */
function firstReview(config: CompiledConfig, rules: RuleOutcome): string | null {
  return config.rules.find((r) => r.action === 'review' && rules.matched.includes(r.name))?.name ?? null
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1)

export function decide(input: DecideInput): Verdict {
  const { config, routeClass, rules } = input
  const mode = config.source.mode
  const risk = clamp01((input.modelRisk ?? 0) + rules.weight)
  let would: Action
  let source: DecisionSource
  let reasons: string[]
  let deny: DenyRequest | null = null

  if (input.denyHit !== null) {
    would = 'block'
    source = 'deny_list'
    reasons = [input.denyHit]
  } else if (input.agent != null) {
    // Counters missing: the listed agent's rate is unknown, and it is let in (fail open).
    const over = input.agent.action === 'rate_limit' && input.clientRequests1m !== null && input.clientRequests1m > input.agent.ratePerMin
    would = input.agent.action === 'block' ? 'block' : over ? 'rate_limit' : 'allow'
    source = would === 'block' ? 'deny_list' : would === 'rate_limit' ? 'rule' : 'allow_list'
    reasons = [would === 'block' ? 'agent_block' : over ? 'agent_rate_limit' : 'agent_allow']
  } else if (input.crawler != null && crawlerPolicyApplies(input.method, routeClass)) {
    // A crawler is held to the robots.txt it read, whatever its category's policy. Counters missing:
    // its rate is unknown, and it is let in (fail open), as a listed agent is.
    const c = input.crawler
    const over = c.action === 'rate_limit' && input.clientRequests1m !== null && input.clientRequests1m > c.ratePerMin
    const reason = c.robotsDisallowed ? 'robots_disallowed' : c.action === 'block' ? 'crawler_block' : over ? 'crawler_rate_limit' : c.action === 'charge' && !c.paid ? 'crawler_charge' : c.action === 'charge' ? 'crawler_charged' : 'crawler_allow'
    would = reason === 'crawler_rate_limit' ? 'rate_limit' : reason === 'crawler_allow' || reason === 'crawler_charged' ? 'allow' : 'block'
    source = would === 'allow' ? 'allow_list' : 'rule'
    reasons = [reason]
  } else if (input.allowHit !== null) {
    would = 'allow'
    source = 'allow_list'
    reasons = [input.allowHit]
  } else if (rules.action !== null && rules.actionRule !== null && rules.action !== 'review') {
    would = rules.action
    source = 'rule'
    reasons = [rules.actionRule.name, ...input.modelReasons]
    if (would === 'block' && rules.actionRule.denyTtlS !== null) {
      deny = { target: rules.actionRule.denyTarget, ttlS: rules.actionRule.denyTtlS, reason: `rule:${rules.actionRule.name}` }
    }
  } else {
    const t = thresholdsFor(config, routeClass)
    const pageView = PAGE_METHODS.has(input.method)
    const formView = pageView && CREDENTIAL_CLASSES.has(routeClass)
    would = risk >= t.block ? 'block' : risk >= t.challenge ? 'challenge' : 'allow'
    source = 'model'
    reasons = [...input.modelReasons]
    if (would === 'block' && (pageView || input.crowd === true)) would = 'challenge'
    if (would === 'challenge' && input.crowd === true && risk < t.block) {
      would = 'allow'
      reasons = ['review', ...reasons]
    }
    if (would !== 'allow' && input.ownSignalsRisk != null) {
      // No further than the request's own signals reach: below the challenge threshold, review.
      const own = clamp01(input.ownSignalsRisk + rules.weight)
      if (own < t.challenge) {
        would = 'allow'
        reasons = ['review', ...reasons]
      } else if (own < t.block && would === 'block') would = 'challenge'
    }
    // A person's first sign-up is a route the shipped model never saw a person use (its training's
    // sign-ups were all spam): it scored people's 0.8 median and challenged or blocked 37 of them on
    // held-out seed 1358322068. Retrained with people who sign up, it lost the office's sign-ins
    // instead (test/e2e/people.test.ts), so it was not shipped. The sign-up rules (throwaway inbox, one
    // mailbox's third account, signup_burst) act from the first; the model's own action from the third.
    if (would !== 'allow' && input.firstSignup === true) {
      would = 'allow'
      reasons = ['review', ...reasons]
    }
    if (would !== 'allow' && input.app != null) {
      would = 'allow'
      reasons = ['review', ...reasons]
    }
    if (would === 'challenge' && formView) {
      would = 'allow'
      reasons = ['review', ...reasons]
    }
    const confirm = config.source.deny_on_block
    // One request is never enough for the model alone to deny-list a client (a stray curl, a shared
    // address): it takes a confident score on a client that keeps going, and only its device is
    // listed, never its address. Missing counters: no deny.
    const repeated = input.clientRequests1m !== null && input.clientRequests1m >= confirm.min_requests_1m
    if (would === 'block' && confirm.ttl_s > 0 && input.modelRisk !== null && input.modelRisk >= confirm.min_risk && repeated) {
      deny = { target: 'device', ttlS: confirm.ttl_s, reason: 'model' }
    }
  }
  // The navigation after a sub-resource that could not show its challenge carries it.
  if (isForwarded(would) && input.challengeOwed && input.fetchKind !== 'subresource' && source !== 'allow_list') {
    would = 'challenge'
    reasons = ['challenge_owed', ...reasons]
  }
  // …and so does a page read after the client's address ignored its challenges (never a
  // form post, never past a rule's word). Lifted, like the model's, by a clearance: passing once is
  // what a person does, and what the scraper must pay for.
  if (isForwarded(would) && input.challengesIgnored === true && source === 'model' && PAGE_METHODS.has(input.method) && input.fetchKind !== 'subresource') {
    would = 'challenge'
    reasons = ['challenges_ignored', ...reasons]
  }
  // A clearance lifts the model's challenge, and an identity rule's for the device that earned it;
  // never another rule's (src/policy/clearance.ts).
  const deviceLift = source === 'rule' && identityChallenge(config, rules)
  const liftSource = source === 'model' || deviceLift
  let deviceLifted = false
  if (would === 'challenge' && input.cleared && liftSource) {
    would = 'allow'
    reasons = ['cleared', ...reasons]
    deviceLifted = deviceLift
  }
  // A rule's `review` (step-up) asks for no less than what was decided: it raises the model's allow —
  // or a challenge a clearance lifted (a solved challenge proves a browser, not the account's owner;
  // a device-lifted identity rule's too, when a review rule matched beside it) — and never lowers a
  // challenge or a block.
  const stepUp = source === 'model' && rules.action === 'review' ? (rules.actionRule?.name ?? null) : deviceLifted ? firstReview(config, rules) : null
  if (would === 'allow' && stepUp !== null) {
    would = 'review'
    source = 'rule'
    reasons = [stepUp, ...reasons]
  }
  // A browser cannot show a challenge page in place of a script, an image or an XHR: a page read
  // goes through (marked `review`), anything else is blocked; either way the next navigation
  // carries the challenge. Claiming to be a sub-resource never turns a challenged POST into an allow.
  const liftable = would === 'challenge' && liftSource
  const liftBy: Verdict['liftBy'] = deviceLift ? 'device_one_user' : 'any'
  let owe = false
  if (would === 'challenge' && input.fetchKind === 'subresource') {
    owe = true
    const read = PAGE_METHODS.has(input.method)
    would = read ? 'allow' : 'block'
    reasons = [read ? 'review' : 'subresource_challenge', ...reasons]
  }

  const common = { risk, modelRisk: input.modelRisk, mode, routeClass, wouldAction: would, reasons, rules: rules.matched }
  // shadow: log what enforce would do, forward everything (deny-list hits included).
  if (mode === 'off') return { decision: { ...common, action: 'allow', source: 'mode_off' }, deny: null, oweChallenge: false, liftable: false, liftBy }
  if (mode === 'shadow') return { decision: { ...common, action: 'allow', source }, deny: null, oweChallenge: false, liftable, liftBy }
  switch (would) {
    case 'allow':
      return { decision: { ...common, action: 'allow', source }, deny: null, oweChallenge: owe, liftable, liftBy }
    case 'review':
      return { decision: { ...common, action: 'review', source }, deny: null, oweChallenge: owe, liftable, liftBy }
    case 'challenge':
      return { decision: { ...common, action: 'challenge', source, difficulty: challengeDifficulty(risk) }, deny: null, oweChallenge: false, liftable, liftBy }
    case 'rate_limit':
      return { decision: { ...common, action: 'rate_limit', source, retryAfterS: config.source.rate_limit.retry_after_s }, deny: null, oweChallenge: false, liftable: false, liftBy }
    case 'block':
      return { decision: { ...common, action: 'block', source }, deny, oweChallenge: owe, liftable, liftBy }
  }
}

/**
 * Proof-of-work difficulty (leading zero bits) grows with risk: 12 … 18. A person pays it too, in the
 * page's JavaScript: 20 bits took 19–57 s in headless Chromium on a busy 2-core box, and the person
 * who mistyped three times waited that long (test/e2e/people.test.ts). 20 stays for a revoked
 * clearance or a page without a signed ticket (POW_MAX_DIFFICULTY); the work is not the main cost of
 * a challenge — the browser report, the bound and counted clearance are (docs/challenge.md).
 */
export function challengeDifficulty(risk: number): number {
  return 12 + Math.round(clamp01(risk) * 6)
}

/**
 * The least difficulty a solved challenge must have to clear a request at this risk: its own
 * difficulty less 2 bits. Risk moves between the challenged request and the return (counters tick,
 * the device cookie arrives), and a person who has just solved one must not go round again for a
 * small drift; a rise of more than ~0.25 still asks for a new, harder puzzle.
 */
export function clearanceMinDifficulty(risk: number): number {
  return challengeDifficulty(risk) - CLEARANCE_SLACK_BITS
}
const CLEARANCE_SLACK_BITS = 2
