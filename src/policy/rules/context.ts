// The rule context of one request: takes the feature vector and the request facts a rule
// may read; returns the plain record the evaluator looks names up in. Pure.
import { NO_COUNTER_VALUES, type CounterRuleValues } from '../../counters/ruleVariables'
import type { FeatureVector } from '../../features/list'
import type { CredentialFacts } from '../../signals/credentials'
import type { RouteClass } from '../../config/routeClasses'
import type { SessionMove } from '../../signals/sessionCookie'
import type { LeakedFacts } from '../../leaked/range'
import type { RuleContext } from './evaluate'

/** User-Agents of the big search-engine crawlers; claiming one from an unverified source is a fake. */
const CRAWLER_UA = /\b(googlebot|google-inspectiontool|bingbot|bingpreview|yandex(?:bot|images)|baiduspider|duckduckbot|applebot|slurp)\b/i
/** Rules read this much of the User-Agent (real ones are < 1 KiB; past it `ua_truncated` is true). */
export const MAX_RULE_UA = 8 * 1024

export interface RuleFacts {
  readonly routeClass: RouteClass
  readonly method: string
  readonly normalisedPath: string
  readonly country: string | null
  readonly asn: number | null
  readonly risk: number | null
  readonly userAgent: string | null
  readonly verifiedBot: boolean
  /** From readTlsFingerprints: null when the plan does not provide them. */
  readonly ja3: string | null
  readonly ja4: string | null
  /** What the credential reader saw on a credential route (worker/credentials.ts); absent = all false. */
  readonly credentials?: CredentialFacts
  /** What the leaked-credential check found (worker/leaked.ts); absent = not checked (missing). */
  readonly leaked?: LeakedFacts
  /** Journey-counter values that are not features (counterRuleValues of the journey read); absent = all null. */
  readonly counters?: CounterRuleValues
  /** The device's standing (worker/evaluate.ts); absent = no device. */
  readonly device?: DeviceRuleFacts
  /** No device, on a shared address (addressView's `crowd`); absent = false. */
  readonly crowd?: boolean
  /** The registered app whose valid token the request carries; absent = none. */
  readonly app?: string | null
  /** How the request's session cookie moved from where it was bound; absent / null = no bound session. */
  readonly session?: SessionMove | null
  /** A verified signed agent (Web Bot Auth): the operator's name for it, else its URL; absent / null = none. */
  readonly agent?: string | null
  /** The declared-crawler judgement (worker/crawlers/judge.ts); absent = none claimed. */
  readonly crawler?: CrawlerRuleFacts
}

export interface CrawlerRuleFacts {
  readonly claimed: string | null
  readonly category: string | null
  readonly spoofed: boolean
  readonly robotsDisallowed: boolean
}

export interface DeviceRuleFacts {
  readonly established: boolean
  readonly unproven: boolean | null
  readonly telemetrySeenDevices1h: number | null
}

export function claimsCrawler(userAgent: string | null): boolean {
  return userAgent !== null && CRAWLER_UA.test(userAgent.slice(0, MAX_RULE_UA))
}

export function ruleContext(features: FeatureVector, f: RuleFacts): RuleContext {
  return {
    features,
    vars: {
      route: f.routeClass,
      method: f.method,
      path: f.normalisedPath,
      country: f.country,
      asn: f.asn,
      risk: f.risk,
      ua: f.userAgent === null ? null : f.userAgent.slice(0, MAX_RULE_UA),
      ua_truncated: f.userAgent !== null && f.userAgent.length > MAX_RULE_UA,
      credential_attempt: f.credentials?.attempt ?? false,
      credential_unreadable: f.credentials?.unreadable ?? false,
      credential_conflict: f.credentials?.conflict ?? false,
      email_disposable: f.credentials?.emailDisposable ?? false,
      email_aliased: f.credentials?.emailAliased ?? false,
      'credential.leaked_password': f.leaked?.password ?? null,
      'credential.leaked_pair': f.leaked?.pair ?? null,
      ua_crawler: claimsCrawler(f.userAgent),
      verified_bot: f.verifiedBot,
      ja3: f.ja3,
      ja4: f.ja4,
      device_established: f.device?.established ?? false,
      device_unproven: f.device?.unproven ?? null,
      telemetry_seen_devices_1h: f.device?.telemetrySeenDevices1h ?? null,
      crowd: f.crowd ?? false,
      app_token: (f.app ?? null) !== null,
      app: f.app ?? null,
      session_moved_device: f.session?.device ?? null,
      session_moved_country: f.session?.country ?? null,
      agent: f.agent ?? null,
      agent_verified: (f.agent ?? null) !== null,
      crawler: f.crawler?.category ?? null,
      crawler_claimed: f.crawler?.claimed ?? null,
      crawler_spoofed: f.crawler?.spoofed ?? false,
      robots_disallowed: f.crawler?.robotsDisallowed ?? false,
      ...(f.counters ?? NO_COUNTER_VALUES),
    },
  }
}
