// The config schema (valibot): takes nothing, describes every field of the KV `config`
// JSON with its bounds. Must not compile or interpret anything — see compileConfig.
import * as v from 'valibot'
import { ROUTE_CLASSES } from './routeClasses'
import { isHttpsOrLoopback } from '../util/loopback'
import { APP_ID_PATTERN } from '../signals/appToken'
import { agentIdentity } from '../signals/webBotAuth/keyDirectory'
import { CRAWLER_CATEGORIES, type CrawlerCategory } from '../signals/crawlers/categories'
import { CRAWLER_ACTIONS, CRAWLER_PRICE, DEFAULT_CRAWLER_POLICY, type CrawlerAction } from '../signals/crawlers/policy'

export const MODES = ['enforce', 'shadow', 'off'] as const
export type Mode = (typeof MODES)[number]

export const IP_LOG_MODES = ['full', 'truncated', 'hashed'] as const
export type IpLogMode = (typeof IP_LOG_MODES)[number]

const routeClass = v.picklist(ROUTE_CLASSES)
const probability = v.pipe(v.number(), v.minValue(0), v.maxValue(1))
const shortString = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max))
const list = <T extends v.GenericSchema>(item: T, max: number) => v.pipe(v.array(item), v.maxLength(max))

const pathPattern = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(256),
  v.regex(/^\/[A-Za-z0-9\-._~!$&'()+,;=:@%/*]*$/, 'must start with "/" and use URL path characters, with * as wildcard'),
)

/** A route: a path pattern, optionally with query conditions (`/index.php?route=account/login`). */
const routePattern = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(256),
  v.regex(
    /^\/[A-Za-z0-9\-._~!$&'()+,;=:@%/*]*(\?[A-Za-z0-9\-._~%[\]]+(=[A-Za-z0-9\-._~!$'()+,;:@%/*]*)?(&[A-Za-z0-9\-._~%[\]]+(=[A-Za-z0-9\-._~!$'()+,;:@%/*]*)?)*)?$/,
    'must start with "/" and use URL path characters, with * as wildcard, optionally "?name=value&…"',
  ),
)
const route = v.strictObject({ class: routeClass, pattern: routePattern })
const crawlerAction = v.picklist(CRAWLER_ACTIONS)

const thresholds = v.pipe(
  v.strictObject({ challenge: probability, block: probability }),
  v.check((t) => t.challenge <= t.block, 'challenge must not be above block'),
)

const rule = v.strictObject({
  name: v.pipe(shortString(64), v.regex(/^[a-z0-9_]+$/, 'lowercase letters, digits and _ only')),
  when: shortString(2000),
  action: v.optional(v.picklist(['allow', 'review', 'challenge', 'rate_limit', 'block'] as const)),
  weight: v.optional(v.pipe(v.number(), v.minValue(-1), v.maxValue(1))),
  priority: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)), 100),
  deny_ttl_s: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(30 * 86400))),
  /** Which source a deny-listing rule puts on the list; `client` = the device, else the IP. */
  deny_target: v.optional(v.picklist(['client', 'ip', 'device', 'user_ip'] as const)),
  /**
   * `device`: a rule whose evidence is the source's new identities, not the client's own attempts
   * (many_new_devices): its challenge is lifted by a clearance bound to this request's device while
   * that device named at most 2 usernames (src/policy/clearance.ts). Other rules' challenges never lift.
   */
  lift: v.optional(v.picklist(['device'] as const)),
})

/** How an origin that does not say "failed" with its status says it anyway (see src/counters/outcomeMarker.ts). */
const outcomeMarker = v.strictObject({
  /** A response header: present (no `value`), or containing `value` (case-insensitive). */
  failure_header: v.optional(
    v.strictObject({
      name: v.pipe(shortString(64), v.regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name')),
      value: v.optional(shortString(256)),
    }),
  ),
  /** Text in the first `outcomes.max_body_bytes` of the body (exact, case-sensitive). */
  failure_body: v.optional(shortString(256)),
})

const ipOrCidr = shortString(64)
const asn = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4294967295))
/** A range API's base URL: https, or http on a loopback address (a local range server under `npm start`). */
const rangeUrl = v.pipe(
  v.string(),
  v.maxLength(512),
  v.url('a URL, e.g. "https://api.pwnedpasswords.com"'),
  v.check(isRangeBase, 'must be https://… (or http:// on 127.x.y.z, localhost or [::1]), without ?query or #fragment'),
)
const emailDomain = v.pipe(shortString(253), v.toLowerCase(), v.regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'a domain, e.g. "throwaway.example"'))

export const ConfigSchema = v.strictObject({
  version: v.pipe(shortString(64), v.regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')),
  mode: v.picklist(MODES),
  routes: list(route, 200),
  /** Matched before `routes`: add a route without restating the defaults (first match wins). */
  routes_add: list(route, 100),
  thresholds: v.strictObject({
    default: thresholds,
    ...Object.fromEntries(ROUTE_CLASSES.map((c) => [c, v.optional(thresholds)])),
  } as Record<'default', typeof thresholds> & Record<(typeof ROUTE_CLASSES)[number], v.OptionalSchema<typeof thresholds, undefined>>),
  /** The model alone confirming an attack: a block at or above this risk also deny-lists the client. */
  deny_on_block: v.strictObject({
    min_risk: probability,
    ttl_s: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(30 * 86400)),
    /** …and only once the client has sent this many requests in the last minute: one request is never enough. */
    min_requests_1m: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)),
  }),
  rate_limit: v.strictObject({
    retry_after_s: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86400)),
  }),
  /** Per-source limits on /__edgeward/* (src/counters/reserved.ts): requests per IP (or /24) per window. */
  reserved_limits: v.strictObject({
    collect_per_ip_1m: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
    collect_per_prefix_1m: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
    challenge_per_ip_1m: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
    verify_per_ip_1m: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
    admin_failures_per_ip_10m: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
  }),
  rules: list(rule, 200),
  /**
   * The no-JavaScript path through a low- or medium-tier challenge (docs/challenge.md): the wait in
   * seconds before a wait token is redeemable, and how many such clearances one /24 (or /64) may get
   * in 10 minutes (0: no wait is offered).
   */
  challenge: v.optional(
    v.strictObject({
      nojs_wait_s: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(60)), 5),
      nojs_per_net_10m: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100)), 3),
    }),
    { nojs_wait_s: 5, nojs_per_net_10m: 3 },
  ),
  /**
   * Cart adds (route class `cart`, POST): the fields the origin reads a quantity from (form, query,
   * JSON leaves; the last name segment of `items[0][qty]`), and the most units a browser's first two
   * adds may ask for and still be judged on their own signals (src/policy/decide.ts): a person adds a
   * unit or a few from the page they are on, a hoarder holds stock in bulk.
   */
  cart: v.optional(
    v.strictObject({
      quantity_fields: v.optional(list(shortString(64), 20), ['qty', 'quantity']),
      grace_max_units: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)), 9),
    }),
    { quantity_fields: ['qty', 'quantity'], grace_max_units: 9 },
  ),
  allow: v.strictObject({ ips: list(ipOrCidr, 1000), asns: list(asn, 1000) }),
  /** The operator's own apps and partners (src/signals/appToken.ts): an id and an Ed25519 public key each. */
  apps: list(
    v.strictObject({
      id: v.pipe(shortString(64), v.regex(APP_ID_PATTERN, 'lower-case letters, digits, - and _')),
      public_key: v.strictObject({ kty: v.literal('OKP'), crv: v.literal('Ed25519'), x: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url Ed25519 public key')) }),
    }),
    50,
  ),
  deny: v.strictObject({ ips: list(ipOrCidr, 10000), asns: list(asn, 1000) }),
  origin_headers: v.strictObject({
    enabled: v.boolean(),
    risk: v.boolean(),
    action: v.boolean(),
    reasons: v.boolean(),
    device: v.boolean(),
    /** On a sign-in: what its account's history says of it (`x-edgeward-user-risk`, docs/accounts.md). */
    user_risk: v.optional(v.boolean(), true),
    /** On a credential attempt whose password (or username + password) is in a breach corpus: `x-edgeward-leaked` (docs/leaked.md). */
    leaked: v.optional(v.boolean(), true),
  }),
  log: v.strictObject({ ip: v.picklist(IP_LOG_MODES), features: v.boolean() }),
  credentials: v.strictObject({
    username_fields: list(shortString(64), 20),
    /** Dotted paths into a JSON body (`user.email`), matched case-insensitively, array levels skipped. */
    json_paths: list(v.pipe(shortString(128), v.regex(/^[^.\s]+(\.[^.\s]+)*$/, 'dotted key names, e.g. "user.email"')), 20),
    /** Their presence (never their value) makes a non-POST request on a credential route an attempt. */
    password_fields: list(shortString(64), 20),
    max_body_bytes: v.pipe(v.number(), v.integer(), v.minValue(256), v.maxValue(1_048_576)),
  }),
  /** Login / signup / checkout outcome markers; empty = status codes only. */
  outcomes: v.strictObject({
    max_body_bytes: v.pipe(v.number(), v.integer(), v.minValue(256), v.maxValue(1_048_576)),
    login: outcomeMarker,
    signup: outcomeMarker,
    checkout: outcomeMarker,
  }),
  counters: v.strictObject({
    budget_ms: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
    /**
     * A sign-in's wait for its username's counters. That object lives where the username was first
     * used — near the account's owner, far from an attacker elsewhere — so under budget_ms alone the
     * furthest attacker would always sign in without the account's counts.
     */
    username_budget_ms: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
    /** IP counters and IP deny entries key an IPv6 address by this prefix (one subscriber's /64). */
    ipv6_prefix_bits: v.pipe(v.number(), v.integer(), v.minValue(32), v.maxValue(128)),
    /**
     * Page views, assets and API reads are counted after the answer: the writes an isolate holds go
     * to their objects at most this often (one call per key), 0 after every answer (worker/counters/ledger.ts).
     */
    flush_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)), 2_000),
  }),
  model: v.strictObject({ active: v.pipe(shortString(64), v.regex(/^[A-Za-z0-9._-]+$/)) }),
  sdk: v.strictObject({ inject: v.boolean(), exclude: list(pathPattern, 100) }),
  asn: v.strictObject({ hosting_extra: list(asn, 10000) }),
  /** Sign-up addresses (src/signals/email.ts): throwaway-inbox domains to add to the bundled list, and to allow. */
  email: v.optional(
    v.strictObject({ disposable_extra: list(emailDomain, 10000), disposable_allow: list(emailDomain, 1000) }),
    { disposable_extra: [], disposable_allow: [] },
  ),
  /**
   * Stolen sessions (worker/sessions.ts): the origin's session cookie names, bound when the origin sets one
   * to the device and country of that request, for at most `keep_hours`. None named: off (in front of the
   * embedded demo, its own `demo_session`).
   */
  sessions: v.optional(
    v.strictObject({
      cookie_names: list(v.pipe(shortString(64), v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a cookie name (RFC 6265 token)')), 8),
      keep_hours: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(720)),
    }),
    { cookie_names: [], keep_hours: 168 },
  ),
  /**
   * The leaked-credential check (worker/leaked.ts, docs/leaked.md): k-anonymity range queries in the
   * Pwned Passwords format. Off while `range_url` is null; the pair check off while `pair_range_url` is.
   */
  leaked: v.strictObject({
    range_url: v.optional(v.nullable(rangeUrl), null),
    pair_range_url: v.optional(v.nullable(rangeUrl), null),
    /** Budget for both ranges (cache reads included); late = missing, the request is judged without it. */
    deadline_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 50),
    /** A suffix counts as leaked when seen at least this many times (padding lines, count 0, never do). */
    min_count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000_000)), 1),
  }),
  /**
   * Signed agents (Web Bot Auth, docs/agents.md) by their Signature-Agent URL: the operator's name for
   * each and what to do with it once its signature verifies. `allow`: let in from its first request;
   * `rate_limit`: let in up to `rate_per_min` requests a minute (all its addresses together), then 429;
   * `block`: 403. No action: judged like any client, its declared bot User-Agent not held against it.
   */
  agents: v.optional(
    v.pipe(
      v.record(
        v.pipe(v.string(), v.maxLength(512), v.check(isAgentUrl, 'an agent URL: https://… (http:// on 127.x.y.z under npm start), no ?query or #fragment')),
        v.strictObject({
          name: v.pipe(shortString(64), v.regex(/^[A-Za-z0-9._ -]+$/, 'letters, digits, space and . _ - only')),
          action: v.optional(v.picklist(['allow', 'rate_limit', 'block'] as const)),
          rate_per_min: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 60),
          /** The crawler category this agent's verified requests get (`crawlers.policy`), when it has no `action`. */
          category: v.optional(v.picklist(CRAWLER_CATEGORIES)),
        }),
      ),
      v.check((r) => Object.keys(r).length <= 200, 'at most 200 agents'),
    ),
    {},
  ),
  /**
   * A signed agent not in `agents`: `verify` fetches its key directory (any https URL a client names,
   * bounded by the directory cache and its deadline) and verifies it; `ignore` fetches nothing for it
   * (`agent_unverified:unlisted`), so the Worker never fetches a URL the operator did not name.
   */
  agents_unlisted: v.optional(v.picklist(['verify', 'ignore'] as const), 'verify'),
  /**
   * Published crawler IP ranges, refreshed by the Cron Trigger into KV `crawlers:<name>`. `tokens`: the
   * crawler product tokens the source's ranges vouch for (default: the built-in list for its name,
   * src/signals/crawlers/sources.ts; none for another name).
   */
  verified_crawlers: v.strictObject({
    sources: list(
      v.strictObject({
        name: v.pipe(shortString(32), v.regex(/^[a-z0-9_-]+$/)),
        url: v.pipe(v.string(), v.maxLength(512), v.url(), v.startsWith('https://')),
        tokens: v.optional(list(v.pipe(shortString(64), v.regex(/^[A-Za-z0-9_.-]+$/)), 50)),
      }),
      10,
    ),
  }),
  /**
   * Declared crawlers by purpose (docs/crawlers.md): extra User-Agent patterns checked before the
   * bundled table, and what each category gets once its crawler verifies. `charge` answers 402 with
   * `crawler-price` until the crawler agrees to pay it.
   */
  crawlers: v.optional(
    v.strictObject({
      user_agents: v.optional(list(v.strictObject({ pattern: shortString(256), category: v.picklist(CRAWLER_CATEGORIES) }), 100), []),
      policy: v.optional(
        v.strictObject(Object.fromEntries(CRAWLER_CATEGORIES.map((c) => [c, v.optional(crawlerAction, DEFAULT_CRAWLER_POLICY[c])])) as Record<CrawlerCategory, v.OptionalSchema<typeof crawlerAction, CrawlerAction>>),
        DEFAULT_CRAWLER_POLICY,
      ),
      /** A verified crawler's requests a minute (per address, or per listed agent) under `rate_limit`. */
      rate_per_min: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 60),
      /** What `charge` asks per request: `crawler-price: <currency> <amount>`. */
      price: v.optional(v.pipe(v.string(), v.maxLength(32), v.regex(CRAWLER_PRICE, 'a currency and an amount, e.g. "USD 0.01"')), 'USD 0.01'),
      /** Where the terms of a paid crawl are (`crawler-terms` on a 402); null: no such header. */
      terms: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(512), v.url(), v.startsWith('https://'))), null),
      /** How long an isolate keeps the origin's robots.txt (and a failure to read it, for at most 60 s). */
      robots_ttl_s: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(86_400)), 300),
    }),
    { user_agents: [], policy: DEFAULT_CRAWLER_POLICY, rate_per_min: 60, price: 'USD 0.01', terms: null, robots_ttl_s: 300 },
  ),
})

/** https anywhere; http only to a loopback host. No query or fragment: `/range/<prefix>` is appended. */
function isRangeBase(raw: string): boolean {
  return isHttpsOrLoopback(raw) && !raw.includes('?') && !raw.includes('#')
}

export type ConfigInput = v.InferInput<typeof ConfigSchema>
export type Config = v.InferOutput<typeof ConfigSchema>
export type Thresholds = v.InferOutput<typeof thresholds>
export type RuleConfig = v.InferOutput<typeof rule>
export type OutcomeMarker = v.InferOutput<typeof outcomeMarker>
export type AgentPolicy = Config['agents'][string]
export type CrawlersConfig = Config['crawlers']

function isAgentUrl(raw: string): boolean {
  return agentIdentity(raw) !== null
}
