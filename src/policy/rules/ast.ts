// The rule language's syntax tree and the names a rule can read. Plain data only.
import { COUNTER_RULE_VARIABLES } from '../../counters/ruleVariables'
import { FEATURES, type FeatureName } from '../../features/list'

/** Request facts a rule can read besides the features. */
export const RULE_VARIABLES = {
  route: 'string',
  method: 'string',
  path: 'string',
  country: 'string',
  asn: 'number',
  risk: 'number',
  ua: 'string',
  ua_crawler: 'bool',
  verified_bot: 'bool',
  /** TLS fingerprints where the plan provides them (JA3 as lower-case MD5 hex); missing otherwise. */
  ja3: 'string',
  ja4: 'string',
  /** The User-Agent was longer than rules read (`ua` holds its first 8 KiB). */
  ua_truncated: 'bool',
  /** A credential route (login, signup, password_reset) request that submits: any POST, or any method carrying a password field. */
  credential_attempt: 'bool',
  /** …whose username could not be read in full: body past the cap, unparsable, of an unread type, or no username field. */
  credential_unreadable: 'bool',
  /** …that carries two or more different usernames (`Username=a&username=b`, body vs query, duplicate JSON keys). */
  credential_conflict: 'bool',
  /** A sign-up whose e-mail address is at a throwaway-inbox domain (disposable-email-domains, plus `email.disposable_extra`). */
  email_disposable: 'bool',
  /** A sign-up whose e-mail address is an alias of its mailbox (`a.b+1@gmail.com` names `ab@gmail.com` through a +tag). */
  email_aliased: 'bool',
  /**
   * The attempt's password is in the breach corpus (a k-anonymity range check, docs/leaked.md); true
   * too when its username + password pair is. Missing when the check is off, had no password or missed its deadline.
   */
  'credential.leaked_password': 'bool',
  /** …its lower-cased username + password pair is (the pair check, `leaked.pair_range_url`). */
  'credential.leaked_pair': 'bool',
  /** Device standing (src/signals/deviceStanding.ts): proven by an SDK nonce and 10 min old, or signed in within 24 h. False without a device. */
  device_established: 'bool',
  /** A valid device cookie minted without a valid, unused SDK nonce; missing without a device. */
  device_unproven: 'bool',
  /** Devices that sent the same coarse SDK telemetry in the hour before this device's cookie was issued (replay); missing when not fingerprinted. */
  telemetry_seen_devices_1h: 'number',
  /** A client without a device on a shared address (3+ accounts signed in from it in the hour, src/features/modelView.ts): its counts are many people's. */
  crowd: 'bool',
  /** The request carries a valid token of a registered app (src/signals/appToken.ts): its library User-Agent is expected. */
  app_token: 'bool',
  /** That app's id; missing without a valid token. */
  app: 'string',
  /** The request carries a session cookie bound at sign-in to a device, and shows another device or none (worker/sessions.ts); missing without a bound session. */
  session_moved_device: 'bool',
  /** …bound in one country, and this request comes from another; missing without a bound session or a country. */
  session_moved_country: 'bool',
  /** The request's Web Bot Auth signature verified (docs/agents.md): a signed agent, whatever its User-Agent says. */
  agent_verified: 'bool',
  /** That agent: the operator's name for it in `agents`, else its Signature-Agent URL; missing when not verified. */
  agent: 'string',
  /** A declared crawler's category (docs/crawlers.md), granted only when it verified (published ranges, Bot Management, a listed signed agent); missing otherwise. */
  crawler: 'string',
  /** The category its User-Agent claims (bundled crawler table, `crawlers.user_agents`), verified or not; missing when it claims none. */
  crawler_claimed: 'string',
  /** It claims a search-engine or AI category and did not verify: a spoofed crawler User-Agent. */
  crawler_spoofed: 'bool',
  /** A declared crawler that fetched robots.txt asks for a path its group there disallows. */
  robots_disallowed: 'bool',
  /** Journey counters that are not model features (`ip.navigations_1m`, `user_key_slow`, …): src/counters/ruleVariables.ts. */
  ...COUNTER_RULE_VARIABLES,
} as const
export type RuleVariable = keyof typeof RULE_VARIABLES
export type ValueType = 'number' | 'string' | 'bool'

export type Expr =
  | { readonly kind: 'literal'; readonly value: number | string | boolean }
  | { readonly kind: 'missing' }
  | { readonly kind: 'feature'; readonly index: number; readonly bool: boolean; readonly name: FeatureName }
  | { readonly kind: 'var'; readonly name: RuleVariable }
  | { readonly kind: 'not'; readonly operand: Expr }
  | { readonly kind: 'neg'; readonly operand: Expr }
  | { readonly kind: 'logic'; readonly op: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'compare'; readonly op: '==' | '!=' | '<' | '<=' | '>' | '>='; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'arith'; readonly op: '+' | '-' | '*' | '/'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'in'; readonly needle: Expr; readonly list: readonly (number | string)[] }
  | { readonly kind: 'contains'; readonly haystack: Expr; readonly needle: string }

const FEATURE_BY_NAME = new Map(FEATURES.map((f, i) => [f.name as string, { index: i, bool: f.type === 'bool', name: f.name }]))

/**
 * Resolves a name: `device.failed_logins_10m` and `device_failed_logins_10m` both name the
 * feature; `route`, `risk`, … the request variables. Undefined for unknown names.
 */
export function resolveName(name: string): Expr | undefined {
  const lower = name.toLowerCase()
  if (Object.hasOwn(RULE_VARIABLES, lower)) return { kind: 'var', name: lower as RuleVariable }
  const f = FEATURE_BY_NAME.get(lower.replace(/\./g, '_'))
  return f === undefined ? undefined : { kind: 'feature', ...f }
}
