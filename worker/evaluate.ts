// evaluate: the scoring half of the request path. Takes the request facts, config and
// route class; reads the device cookie, header/network signals and the journey counters
// (within their budget), builds the feature vector, scores it and decides. May throw —
// protect() turns any throw into a fail-open forward.
import { judgeSession, type SessionJudgement } from './sessions'
import type { SessionBinding } from '../src/signals/sessionCookie'
import { cidrSetHas, ipPrefix, parseIp } from '../src/config/cidr'
import { thresholdsFor, type CompiledConfig } from '../src/config/compileConfig'
import type { RouteClass } from '../src/config/routeClasses'
import type { CredentialFacts } from '../src/signals/credentials'
import { NOT_CHECKED, type LeakedFacts } from '../src/leaked/range'
import { ipCounterKey } from '../src/counters/ipKey'
import { placeOf, type AccountPlace } from '../src/counters/history'
import { aliasedSignupCohort, cookielessCohort, isNewDeviceSignInCohort, newDeviceSignInCohort } from '../src/counters/keys'
import { memberId } from '../src/counters/sketch'
import { isNavigation } from '../src/counters/navigation'
import { clientOf, missingLabels, type JourneyKeys, type JourneyRead } from '../src/counters/read'
import { counterRuleValues, type CounterRuleValues } from '../src/counters/ruleVariables'
import { fillBehavioral } from '../src/features/behavioral'
import { buildRequestFeatures } from '../src/features/buildFeatures'
import { fillEnvironmental } from '../src/features/environmental'
import { fillJourney } from '../src/features/journey'
import { addressReadAPage, addressView, modelView, ownSignalsOnly, pagesBeforeThisMinute, refusedAreFew, retriesOwnRefusal, withoutAddressJourney, withoutDevice } from '../src/features/modelView'
import { FEATURE_INDEX, type FeatureVector } from '../src/features/list'
import { explain } from '../src/model/explain'
import { predict } from '../src/model/predict'
import { challengeDifficulty, clearanceMinDifficulty, crawlerPolicyApplies, decide, type DenyRequest } from '../src/policy/decide'
import { challengeTier, waitAllowed } from '../src/policy/challengeTier'
import { ruleContext } from '../src/policy/rules/context'
import { evaluateRules } from '../src/policy/rules/evaluate'
import { makeDenyEntry, makeDenyTarget, type DenyEntry } from '../src/counters/deny'
import type { Decision } from '../src/policy/decision'
import { verifyAppToken } from '../src/signals/appToken'
import { bindingHashes } from '../src/signals/binding'
import { loadCookieKeys } from '../src/signals/cookieKeys'
import { readDeviceCookie } from '../src/signals/deviceCookie'
import type { DeviceCookieState } from '../src/signals/deviceClaims'
import { verifyDeviceToken } from '../src/signals/deviceToken'
import { CLEARANCE_MAX_REFUSED_USERS, DEVICE_LIFT_MAX_USERS, escalateRevoked } from '../src/policy/clearance'
import { useClearance } from './challenge/clearanceUse'
import { readHeaderSignals } from '../src/signals/headers'
import { deviceLoginSuccesses24h, deviceStanding, telemetrySeenDevices } from '../src/signals/deviceStanding'
import { noDeviceView } from '../src/features/deviceView'
import { fetchKind, type FetchKind } from '../src/signals/fetchKind'
import { owedChallenges, owedKey } from './policy/owedChallenges'
import { ignoresChallenges } from '../src/policy/ignoredChallenges'
import { denySource, flushMsOf, observeRequest } from './counters/client'
import { numberOrNull, stringOrNull } from './logDecision'
import { judgeCrawler, type CrawlerJudgement } from './crawling/judge'
import { originTarget } from './origin/forward'
import { activeModel } from './model/active'
import { verifyAgent, type AgentCheck } from './agents/verifyAgent'
import type { RequestFacts } from './request'

/** Logged as the model when no model could be used (the decision used rules and lists only). */
export const MODEL_FALLBACK_NAME = 'none'
const REASONS_FROM_MODEL = 3

export interface EvaluateInput {
  readonly request: Request
  readonly facts: RequestFacts
  readonly env: Env
  readonly ctx: ExecutionContext
  readonly config: CompiledConfig
  readonly routeClass: RouteClass
  /** Keyed hash of the username in the body, if any. */
  readonly user: string | null
  /** A sign-in's password as its keyed digest (its password key), if any. */
  readonly password?: string | null
  /** What the credential reader saw (worker/credentials.ts); absent = not a credential attempt. */
  readonly credentials?: CredentialFacts
  /** The leaked-credential check under way (worker/leaked.ts; it keeps its own deadline), or null: not checked. */
  readonly leaked?: Promise<LeakedFacts> | null
  /** A cart add's units (worker/cart.ts); null or absent: not a cart add, or its body unread. */
  readonly cartUnits?: number | null
  readonly now: number
  /** Appended to: what was unavailable for this request. */
  readonly missing: string[]
}

export interface Evaluation {
  readonly decision: Decision
  /** What the model scored (src/features/modelView.ts): the log line carries it, and training reads that. */
  readonly features: FeatureVector
  readonly keys: JourneyKeys
  readonly device: string | null
  /** The registered app whose valid token the request carried, or null. */
  readonly app: string | null
  readonly cookie: string
  readonly counters: 'ok' | 'missing'
  /** Journey-counter rule variables (`ip.distinct_devices_1h`, …; null where a key is missing). */
  readonly counterValues: CounterRuleValues
  /** The addresses this request's username was tried from in the hour, this one included (null: none or unread). */
  readonly userAddresses1h: number | null
  readonly modelVersion: string
  /** A valid, unreplayed cookie already proven by an SDK nonce: its collects carry the proof (worker/routes/collect.ts). */
  readonly deviceProven: boolean
  /** What the leaked-credential check found (all null: not checked or missing). */
  readonly leaked: LeakedFacts
  /** Where the request comes from as an account's place (network, country, bound device): what a confirmed step-up remembers. */
  readonly here: AccountPlace
  /** The request's session cookie as judged against its binding (worker/sessions.ts). */
  readonly session: SessionJudgement
  /** What a session cookie the origin sets on this answer is bound to. */
  readonly sessionHere: SessionBinding
  /** A verified signed agent (Web Bot Auth): the operator's name for it, else its URL; null otherwise. */
  readonly agent: string | null
  /** The declared crawler, its granted category and its payment (worker/crawling/judge.ts). */
  readonly crawler: CrawlerJudgement
}

export async function evaluate(input: EvaluateInput): Promise<Evaluation> {
  const { facts, env, config, routeClass, now, missing } = input
  const userAgent = facts.headers.get('user-agent')

  // Web Bot Auth (worker/agents/): only a request with all three signature headers does any work here.
  const [keys, binding, agentCheck] = await Promise.all([loadCookieKeys(env.EDGEWARD_COOKIE_KEYS), bindingHashes(userAgent, facts.ip), verifyAgent(facts, config, env, now)])
  if (agentCheck.kind === 'unverified' && agentCheck.missing !== null) missing.push(agentCheck.missing)
  const signed = agentCheck.kind === 'verified' ? agentCheck : null
  const signedAgent = signed === null ? null : (signed.name ?? signed.identity)
  // Only an agent the operator listed is trusted with anything: a key and a directory at any https
  // path cost nothing, so an unlisted identity is named on the line and judged as if unsigned — its
  // bot User-Agent still counts, and it counts as its cookie or address, not as a fresh identity.
  const trusted = signed !== null && signed.policy !== null ? signed : null
  const cookie = await verifyDeviceToken(readDeviceCookie(facts.headers.get('cookie')), keys, { now, ...binding })
  if (!keys.ok) missing.push('cookie_keys')
  const device = cookie.kind === 'valid' ? cookie.deviceId : null
  // The operator's own app or partner (src/signals/appToken.ts): its token, not a cookie, is its identity.
  const appToken = await verifyAppToken(facts.appToken, keys, { now, ...binding, apps: config.source.apps })
  const app = appToken.kind === 'valid' ? appToken.app : null

  // The IP as counters and deny entries key it: an IPv6 address by its /64 (counters.ipv6_prefix_bits).
  const ip = ipCounterKey(facts.ip, config.source.counters.ipv6_prefix_bits)
  // A token holder without a device cookie counts as its token: one client of the app, whose per-client
  // rules (credential_stuffing, scraping_rate) hold per token, and whose deny entry is the token's.
  // A listed agent counts as itself, whatever address or cookie it comes with: its per-minute rate
  // (`agents.<url>.rate_per_min`) is all its requests'.
  const clientKey = trusted?.counterKey ?? device ?? (appToken.kind === 'valid' ? appToken.id : null)
  const claimedKind = fetchKind(facts.headers)
  const navigation = isNavigation(claimedKind, routeClass)
  const signals = readHeaderSignals({ headers: facts.headers, cf: facts.cf, url: facts.url.href, extraHostingAsns: config.hostingAsnsExtra })
  // A cookie-less browser is one of the address's browsers (its `agents` set); a declared tool is not.
  // A digest, never the headers: they are the client's to pad past the object's member limit.
  const agent = device === null && app === null && signals.userAgent.claimsBrowser ? memberId(`${userAgent ?? ''}\n${facts.headers.get('accept-language') ?? ''}`) : null
  // A page a tool read (its address's `tool_pages` set): a monitor polls one or two, a scraper walks the
  // catalogue (tool_walks_catalogue). A tool is a User-Agent that claims no browser, or one that claims
  // a browser whose version sends Sec-Fetch-* headers, sent none, and has run no JavaScript on a page of
  // ours (no device cookie proven by a page's SDK nonce: one POST to collect mints an unproven cookie,
  // which would switch this off for free): a script in a browser's User-Agent. An app, a listed agent
  // and an asset are not counted. The path without its query: a monitor's cache-buster is one page.
  const script = !signals.userAgent.claimsBrowser || (signals.secFetchMissing && !(cookie.kind === 'valid' && cookie.provenAt !== null))
  const toolPage = script && app === null && trusted === null && routeClass !== 'static' && (facts.method === 'GET' || facts.method === 'HEAD')
    ? memberId(facts.normalisedPath)
    : null
  const signIn = input.credentials?.attempt === true && routeClass === 'login'
  // A cookie-less browser's sign-in or checkout is also one of the site's (its cohort key): a script
  // spread one attempt (one card) per fresh address, having read the page like a browser without
  // JavaScript, has no count of its own anywhere but there (cookieless_sign_in_wave, cookieless_carding_wave).
  const checkout = routeClass === 'checkout' && facts.method.toUpperCase() === 'POST'
  // A sign-up at an aliased address is one of the site's such sign-ups, whatever the client (aliased_signup_wave).
  const aliasedSignUp = input.credentials?.attempt === true && routeClass === 'signup' && input.credentials.emailAliased === true
  // A new browser's sign-in (a device cookie bound to this client, not yet aged into an established
  // device: known from the cookie alone, before any read) is one of the site's such sign-ins: a
  // stuffer's fresh profiles, one or two guesses each, have no count of their own but there
  // (new_device_sign_in_wave). A replayed cookie is no device of this client's, and in neither cohort.
  const byCookie = deviceStanding(cookie, null, now)
  const newBrowser = byCookie.present && !byCookie.established
  const cohort = aliasedSignUp
    ? aliasedSignupCohort(facts.url.hostname)
    : agent === null
      ? (signIn && newBrowser ? newDeviceSignInCohort(facts.url.hostname) : null)
      : signIn ? cookielessCohort('sign_in', facts.url.hostname) : checkout ? cookielessCohort('checkout', facts.url.hostname) : null
  // A sign-in's place is judged against its account's and, let in, becomes one (src/counters/history.ts).
  // Its device only as a cookie bound to this client: one carried to another network or browser (a
  // stolen cookie) is no device the account knows.
  const boundDevice = cookie.kind === 'valid' && cookie.replay === null ? cookie.deviceId : null
  const here = placeOf(facts.asn, facts.cf.country, boundDevice)
  const place = signIn && input.user !== null ? here : null
  // A sign-in's password key (keyed digest): how many accounts one password is tried on (password_spraying).
  const password = signIn ? (input.password ?? null) : null
  const journeyKeys: JourneyKeys = { device: clientKey, ip, ipPrefix: ipPrefix(facts.ip), user: input.user, asn: facts.asn, cohort, place, password }
  // The origin's session cookie against where it signed in (worker/sessions.ts): the device its cookie
  // claims (a person's own browser keeps its id across networks), and the country.
  const sessionHere = { device, country: stringOrNull(facts.cf.country) }
  const [journey, model, session] = await Promise.all([
    // A credential attempt counts like a POST whatever its method (GET /login?username=…&password=…).
    observeRequest(env, journeyKeys, { routeClass, method: input.credentials?.attempt ? 'POST' : facts.method, now, navigation, agent, toolPage }, config.source.counters.budget_ms, {
      defer: (p) => input.ctx.waitUntil(p),
      usernameBudgetMs: config.source.counters.username_budget_ms,
      flushEveryMs: counterFlushMs(env, config),
      listed: configDenied(config, facts),
    }),
    activeModel(env.EDGEWARD_CONFIG, config, now),
    // Every route, static included: a route class is a path pattern, and an origin that serves
    // `/account;x.css` as `/account` would let a stolen session through under a static-looking path.
    judgeSession({ facts, env, config, here: sessionHere, now, budgetMs: config.source.counters.budget_ms, missing }),
  ])
  missing.push(...missingLabels(journey))
  if (model.problem !== null) missing.push(model.problem)

  const contentLength = Number.parseInt(facts.headers.get('content-length') ?? '', 10)
  const features = buildRequestFeatures({ routeClass, method: facts.method, contentLength: Number.isFinite(contentLength) ? contentLength : null })
  fillEnvironmental(features, signals, cookie, now)
  fillBehavioral(features, cookie, now)
  fillJourney(features, journey)
  // A listed agent declared itself a bot with a key it answers for: its bot or headless User-Agent
  // is what it is, not a disguise, and neither the model nor the rules hold it against it.
  if (trusted !== null) {
    features[FEATURE_INDEX.ua_is_bot] = 0
    features[FEATURE_INDEX.ua_is_headless] = 0
  }
  // What the model scores (and the line logs): rates in page views, a shared address's aggregate
  // replaced by the client's own (src/features/modelView.ts). Rules read the observed counts.
  const address = addressView(journey)
  // A client without a device on a shared address is many people: rules scale per-client bounds, and
  // the model alone may not challenge it below its block threshold (src/policy/decide.ts).
  const crowd = device === null && app === null && address.crowd
  const modelInput = modelView(features, journey, address, device !== null)
  // A device that is not established is also scored as no device on credential routes; the higher
  // score counts, so behaviour can raise risk but not lower it below "no cookie" (docs/identity.md).
  const standing = deviceStanding(cookie, deviceLoginSuccesses24h(journey), now)
  const noDeviceObserved = noDeviceView({ observed: features, signals, cookie, standing, journey, routeClass, method: facts.method, now })
  const noDevice = noDeviceObserved === null ? null : modelView(noDeviceObserved, withoutDevice(journey), address, false)

  let modelRisk: number | null = null
  // The vector whose score counted: the log line carries it, so a line can be re-scored exactly.
  let scoredInput = modelInput
  let modelReasons: string[] = []
  if (model.model !== null) {
    const observedRisk = predict(model.model, modelInput)
    const noDeviceRisk = noDevice === null ? null : predict(model.model, noDevice)
    const scored = noDevice !== null && noDeviceRisk !== null && noDeviceRisk > observedRisk ? noDevice : modelInput
    scoredInput = scored
    modelRisk = Math.max(observedRisk, noDeviceRisk ?? observedRisk)
    modelReasons = explain(model.model, scored, REASONS_FROM_MODEL, 'positive').map((r) => r.feature)
  }
  // A browser without a device cookie, browsing or shopping, on an address that shows many people
  // (several browsers without cookies in 10 minutes, or a crowd): is the request itself suspect, apart
  // from its address's volume (src/policy/decide.ts)? One browser's header set at one address is one
  // client, and a declared tool (curl, python-requests) too: their volume stays the model's. A sign-in
  // there is judged without the address's journey (its username's history kept) only while the
  // address's refused usernames are no more than those it got into: an office whose people mistype, not
  // a stuffer rotating header sets — or while it retries a username refused from this very address in
  // 10 minutes: three colleagues who mistyped within seconds read, on the address's view, like a
  // stuffer's first attempts, and their retries were challenged and blocked until none of the office
  // got in (spent held-out 844018478: 12 people at one address). Account changes keep the model's whole view.
  //
  // The same holds anywhere for a browser's first two cart adds or checkouts in 10 minutes, and for a
  // slow reader's sign-in — one whose last minute holds nothing else, after pages read earlier in 10
  // minutes (pagesBeforeThisMinute). One add to a cart after landing on a product page is no
  // evidence of hoarding, yet the model read a thin journey before a write as a script posting
  // straight at the route (full-scale held-out seed 519859458: 155 people's cart adds challenged at
  // 0.91–0.96). Only after a page read from the address in 10 minutes: a person adds from the page
  // they are on, and three hoarders posting straight at /cart had their first two adds let in by this
  // (spent held-out 844018478). And only a cart add of a few units (cart.grace_max_units; a body it
  // could not read, none): a person adds one or two, a hoarder holds stock by the dozen — dev seed 301's
  // hoarders read a product page first, then added 20–99. What it costs a script: a page read per
  // address, then a few units for its first two writes per identity; from the third the model's whole
  // view, and the rules' counts (cart_hoarding, carding_*, credential_stuffing) hold from the first.
  const browsing = facts.method === 'GET' || facts.method === 'HEAD' || (facts.method === 'POST' && (routeClass === 'cart' || routeClass === 'checkout'))
  const firstWrites = facts.method === 'POST' && addressReadAPage(journey) && ((routeClass === 'cart' && atMost(features, 'device_cart_adds_10m', 2) && input.cartUnits != null && input.cartUnits <= config.source.cart.grace_max_units) || (routeClass === 'checkout' && atMost(features, 'device_checkouts_10m', 2)))
  // And a browser's first two sign-ups in 10 minutes: the model never saw a person open an account (its
  // sign-ups were all spam), and challenged or blocked 37 people's first sign-up on held-out seed
  // 1358322068. The sign-up rules (throwaway inbox, one mailbox's third account, signup_burst) hold
  // from the first; the model's whole view from the third.
  const clientSignups10m = journey.status === 'ok' ? (clientOf(journey.counters)?.counts.signup_attempts?.['10m'] ?? null) : null
  const firstSignups = facts.method === 'POST' && routeClass === 'signup' && clientSignups10m !== null && clientSignups10m <= 2
  const thinJourney = firstWrites || firstSignups || (signIn && pagesBeforeThisMinute(journey))
  const judgedOnOwnSignals = agent !== null && (address.crowd || address.browsers || thinJourney)
  const ownSignalsRisk = !judgedOnOwnSignals || model.model === null
    ? null
    : (browsing && !input.credentials?.attempt) || firstSignups
      ? predict(model.model, ownSignalsOnly(modelInput))
      : signIn && (refusedAreFew(journey) || retriesOwnRefusal(journey))
        ? predict(model.model, withoutAddressJourney(modelInput))
        : null

  // Verified: Bot Management says so, a crawler User-Agent from its published ranges, or a listed
  // agent mapped to a crawler category; its category's policy and robots.txt (worker/crawling/).
  const crawler = await judgeCrawler({ facts, env, config, now, userAgent, claimsBrowser: signals.userAgent.claimsBrowser, isBot: signals.userAgent.isBot, botManagement: signals.verifiedBot, agent: trusted?.policy ?? null, target: originTarget(env.ORIGIN_URL), missing })
  const verifiedBot = crawler.verifiedBot
  const counterValues = counterRuleValues(journey, { newDevices: isNewDeviceSignInCohort(cohort) })
  // Started before the counters were read, with its own deadline: by now it is usually in.
  const leaked = input.leaked == null ? NOT_CHECKED : await input.leaked
  const rules = evaluateRules(
    config.rules,
    ruleContext(features, {
      routeClass,
      method: facts.method,
      normalisedPath: facts.normalisedPath,
      country: stringOrNull(facts.cf.country),
      asn: facts.asn,
      risk: modelRisk,
      userAgent,
      verifiedBot,
      ja3: facts.tls.ja3Hash,
      ja4: facts.tls.ja4,
      credentials: input.credentials,
      leaked,
      counters: counterValues,
      device: { established: standing.established, unproven: standing.unproven, telemetrySeenDevices1h: telemetrySeenDevices(cookie, now) },
      crowd,
      app,
      session: session.move,
      agent: signedAgent,
      crawler: { claimed: crawler.claim?.category ?? null, category: crawler.category, spoofed: crawler.spoofed, robotsDisallowed: crawler.robotsDisallowed },
    }),
  )
  const decideInput = {
    config,
    routeClass,
    denyHit: denyHit(config, facts, journey),
    // A verified bot is let in only where its crawler policy holds (a page read, not a sensitive route).
    allowHit: verifiedBot && crawlerPolicyApplies(input.credentials?.attempt ? 'POST' : facts.method, routeClass) ? 'verified_bot' : allowHit(config, facts),
    rules,
    modelRisk,
    modelReasons,
    cleared: false,
    clientRequests1m: numberOrNull(features[FEATURE_INDEX.device_requests_1m]),
    // A credential attempt is judged as a submission, not a form view, whatever its method.
    method: input.credentials?.attempt ? 'POST' : facts.method,
    fetchKind: creditedFetchKind(claimedKind, journey),
    challengeOwed: owedChallenges.isOwed(owedKey(device), now),
    // A client on an address that ignores its challenges (src/policy/ignoredChallenges.ts), counted across
    // isolates on the IP key: with or without a device cookie — a cookie is one free POST to mint, and a
    // scraper that took one per challenge would otherwise shed the record. Never a shared address's (people
    // behind it solve theirs one by one), an app's or a listed agent's.
    challengesIgnored: app === null && trusted === null && !address.shared && ignoresChallenges(numberOrNull(counterValues['ip.challenges_shown_10m']), numberOrNull(counterValues['ip.challenge_passes_10m'])),
    // A new device's sign-in on a shared address is judged as a crowd's cookie-less client's would be
    // (a new device is scored close to no device, and its no-device view there has none of the
    // address's journey): people in Chromium whose cookie was a minute old were challenged at sign-in
    // at 0.72 with nothing else against them (dev seed 11: 4 of the 5 people in Chromium challenged
    // there; spent seed 1997523046: 5 of an office of 10). Shared costs 3 accounts signed in there, or
    // 3 established devices and 2 sign-ins; the rules' counts still hold (many_new_devices,
    // access_diversity_ip, telemetry_replay).
    crowd: crowd || (noDevice !== null && app === null && address.shared),
    ownSignalsRisk,
    firstSignup: agent !== null && firstSignups,
    app,
    agent: signed?.policy?.action === undefined ? null : { action: signed.policy.action, ratePerMin: signed.policy.rate_per_min },
    crawler: crawler.policy,
  }
  let verdict = decide(decideInput)
  // `liftable`, not the decision's action: a sub-resource's challenge was already turned into an
  // allow or a block, and a cleared client's XHR must be cleared, not blocked. A sub-resource read
  // already let through (`review`) reads no clearance: it would spend a use and a Durable Object
  // call per image or XHR, and a page's reads would exhaust the clearance its next write needs.
  const deviceId = cookie.kind === 'valid' && cookie.replay === null ? cookie.deviceId : null
  // An identity rule's challenge (many_new_devices) is lifted only for the device that earned the
  // clearance, while it has named at most DEVICE_LIFT_MAX_USERS usernames: a device that moves on
  // to more is not read a clearance (src/policy/clearance.ts, a rule's `lift: device`). The device's
  // count unread (its counter key missed the budget while the address's answered, so the rule still
  // matched) fails open, visibly (`missing`), like a clearance whose uses cannot be counted: refusing
  // it sent a person who had just solved to "already verified" with no way on.
  const deviceUsers = numberOrNull(features[FEATURE_INDEX.device_distinct_users_10m])
  const oneUserDevice = deviceId !== null && (deviceUsers === null || deviceUsers <= DEVICE_LIFT_MAX_USERS)
  // No clearance lifts the challenge of a sign-in to a username never refused before, from a device
  // already refused for two in 10 minutes, or that has named more than DEVICE_LIFT_MAX_USERS usernames
  // in them, this one included (src/policy/clearance.ts): solving again buys no guesses, while a
  // person's retry of the username they mistyped a password for stays cleared. Named, not only refused:
  // a real browser that solves the puzzle by itself had its second guess challenged unsent (never
  // refused), and went on to a third account under the clearance it had just earned.
  const refusedUsers = numberOrNull(counterValues['device.failed_users_10m'])
  const usernameRefusedFrom = numberOrNull(counterValues['user.failed_ips_1h'])
  const manyNamed = deviceUsers !== null && deviceUsers > DEVICE_LIFT_MAX_USERS
  const guessing = signIn && deviceId !== null && usernameRefusedFrom === 0 && ((refusedUsers !== null && refusedUsers > CLEARANCE_MAX_REFUSED_USERS) || manyNamed)
  if (verdict.liftable && guessing) verdict = { ...verdict, decision: { ...verdict.decision, reasons: ['clearance_withheld', ...verdict.decision.reasons] } }
  if (verdict.liftable && !guessing && verdict.decision.wouldAction !== 'allow' && (verdict.liftBy === 'any' || oneUserDevice)) {
    // A solved challenge (hard enough for this risk, this device or network, uses left) turns the
    // model's challenge — or an identity rule's, for its device — into an allow; never another
    // rule's, never a block. A cleared client that keeps failing logins loses it: challenged at the
    // hardest difficulty, or blocked (docs/challenge.md).
    const clearance = await useClearance(
      {
        env,
        cookieHeader: facts.headers.get('cookie'),
        keys,
        binding,
        ip: facts.ip,
        deviceId,
        minDifficulty: clearanceMinDifficulty(verdict.decision.risk),
        failures: { device: numberOrNull(features[FEATURE_INDEX.device_failed_logins_10m]), ip: numberOrNull(features[FEATURE_INDEX.ip_failed_logins_10m]) },
        budgetMs: config.source.counters.budget_ms,
        now,
        deviceBoundOnly: verdict.liftBy === 'device_one_user',
        // A no-JavaScript wait never passes a high-tier challenge, earned or carried (docs/challenge.md).
        waitLifts: waitAllowed(challengeTier(verdict.decision.risk, challengeDifficulty(verdict.decision.risk), thresholdsFor(config, routeClass))),
      },
      missing,
    )
    if (clearance.kind === 'cleared') {
      verdict = decide({ ...decideInput, cleared: true })
      owedChallenges.settle(owedKey(device))
    } else if (clearance.kind === 'revoked') {
      verdict = { ...verdict, decision: escalateRevoked(verdict.decision, clearance.escalation) }
    }
  }
  if (verdict.oweChallenge) owedChallenges.owe(owedKey(device), now)
  if (verdict.deny !== null) {
    const entry = denyEntryFor(verdict.deny, journeyKeys, now)
    if (entry !== null) input.ctx.waitUntil(denySource(env, entry, now))
  }
  return {
    decision: withAgentReason(verdict.decision, agentCheck),
    features: scoredInput,
    keys: outcomeKeys(journeyKeys, counterValues, standing.established || app !== null || trusted !== null),
    device,
    app,
    cookie: cookieLabel(cookie),
    // ok: every key answered; missing: at least one did not (`missing` names which).
    counters: journey.status === 'ok' && journey.counters.missing.length === 0 ? 'ok' : 'missing',
    counterValues,
    userAddresses1h: numberOrNull(features[FEATURE_INDEX.user_distinct_ips_1h]),
    modelVersion: model.model?.version ?? MODEL_FALLBACK_NAME,
    deviceProven: standing.unproven === false,
    leaked,
    here,
    session,
    sessionHere,
    agent: signedAgent,
    crawler,
  }
}

/** counters.flush_ms, unless the test suite's binding (EDGEWARD_COUNTER_FLUSH_MS, never in wrangler.toml) says otherwise. */
export function counterFlushMs(env: Env, config: CompiledConfig): number {
  return flushMsOf(env.EDGEWARD_COUNTER_FLUSH_MS, config.source.counters.flush_ms)
}

/** A signature that did not verify says why on the line (`agent_unverified:<reason>`); it changes nothing else. */
function withAgentReason(decision: Decision, check: AgentCheck): Decision {
  return check.kind === 'unverified' ? { ...decision, reasons: [...decision.reasons, `agent_unverified:${check.reason}`] } : decision
}

/** The config's deny list hit for the source (an IP range or an ASN), or null: blocked whatever its counters say. */
export function configDenyHit(config: CompiledConfig, facts: RequestFacts): 'deny_ip' | 'deny_asn' | null {
  if (cidrSetHas(config.denyIps, parseIp(facts.ip))) return 'deny_ip'
  if (facts.asn !== null && config.denyAsns.has(facts.asn)) return 'deny_asn'
  return null
}

const configDenied = (config: CompiledConfig, facts: RequestFacts): boolean => configDenyHit(config, facts) !== null

function denyHit(config: CompiledConfig, facts: RequestFacts, journey: JourneyRead): string | null {
  return configDenyHit(config, facts) ?? (journey.deny !== null ? `deny_${journey.deny.kind}` : null)
}

/**
 * The keys a request's outcome is counted on. A new browser's sign-in counts in its cohort only when the
 * account was not let in for 30 days (the username's history read says 0: the site's people sign in to
 * accounts they use, a stuffer's list is mostly names the site does not have; unread: not counted), and
 * only when the rule could hold it: not from a device a sign-in established, an app or a listed agent.
 */
function outcomeKeys(keys: JourneyKeys, counters: CounterRuleValues, exempt: boolean): JourneyKeys {
  if (!isNewDeviceSignInCohort(keys.cohort) || (!exempt && counters['user.signin_days_30d'] === 0)) return keys
  return { ...keys, cohort: null }
}

/** The deny-list entry for a confirmed attack: the client is its device, else its IP. */
function denyEntryFor(request: DenyRequest, keys: JourneyKeys, now: number): DenyEntry | null {
  const kind = request.target === 'client' ? (keys.device !== null ? 'device' : 'ip') : request.target === 'user_ip' && keys.user === null ? 'ip' : request.target
  const target = makeDenyTarget(kind, { device: keys.device ?? undefined, ip: keys.ip, user: keys.user ?? undefined })
  if (!target.ok) return null
  const entry = makeDenyEntry(target.value, request.ttlS, request.reason, now)
  return entry.ok ? entry.value : null
}

function allowHit(config: CompiledConfig, facts: RequestFacts): string | null {
  if (cidrSetHas(config.allowIps, parseIp(facts.ip))) return 'allow_ip'
  if (facts.asn !== null && config.allowAsns.has(facts.asn)) return 'allow_asn'
  return null
}

/** The cookie state as a log field: valid, missing, invalid:<reason>, replayed:<kind>. */
function cookieLabel(c: DeviceCookieState): string {
  switch (c.kind) {
    case 'missing':
      return 'missing'
    case 'invalid':
      return `invalid:${c.reason}`
    case 'valid':
      return c.replay === null ? 'valid' : `replayed:${c.replay}`
  }
}

/**
 * A browser's sub-resource belongs to a page it loaded: the claim (Sec-Fetch-*, a header the client
 * chooses) is credited only when the client — its device, else its address — made a navigation in the
 * last 10 minutes. Otherwise it is judged like any request (a script sending `Sec-Fetch-Dest: empty`
 * on every read does not dodge the model's challenge). Counters missing: the claim stands (fail open).
 */
function creditedFetchKind(kind: FetchKind, journey: JourneyRead): FetchKind {
  if (kind !== 'subresource' || journey.status !== 'ok') return kind
  const client = clientOf(journey.counters)
  const navigations = client?.counts.navigations?.['10m']
  return navigations === undefined || navigations > 0 ? kind : 'unknown'
}

/** The observed count is known and at most `n` (this request included). */
function atMost(features: FeatureVector, name: 'device_cart_adds_10m' | 'device_checkouts_10m', n: number): boolean {
  const v = features[FEATURE_INDEX[name]]
  return v !== undefined && Number.isFinite(v) && v <= n
}
