// The Worker's bindings and vars. Secrets are optional here on purpose: a deployment
// without them must still run (fail open), and `npm start` supplies dev values.
import type { NonceStore } from './challenge/NonceStore'
import type { Counters } from './counters/Counters'
import type { PasswordTries } from './counters/PasswordTries'
import type { SessionBindings } from './counters/SessionBindings'
import type { Registry } from './counters/Registry'
import type { ZoneStats } from './counters/ZoneStats'

declare global {
  // Augment Cloudflare.Env so `env` from cloudflare:workers (tests) is typed too.
  namespace Cloudflare {
  interface Env {
    EDGEWARD_CONFIG: KVNamespace
    COUNTERS: DurableObjectNamespace<Counters>
    /** Zone-wide figures: shard objects and one root (worker/counters/ZoneStats.ts). */
    ZONE_STATS: DurableObjectNamespace<ZoneStats>
    /** Admin registry: deny-list index and fraud labels (worker/counters/Registry.ts). */
    REGISTRY: DurableObjectNamespace<Registry>
    /** Password spraying: the zone's password digests in shards, an hour each (worker/counters/PasswordTries.ts). */
    PASSWORD_TRIES: DurableObjectNamespace<PasswordTries>
    /** Stolen sessions: session cookies' bindings in shards (worker/counters/SessionBindings.ts). */
    SESSION_BINDINGS: DurableObjectNamespace<SessionBindings>
    /** "zone" (deployed: fetch(request)), "demo" or unset (embedded demo), or an origin URL. */
    ORIGIN_URL?: string
    /** "true" only under `npm start`: honour the x-edgeward-test-cf header. */
    EDGEWARD_TRUST_TEST_HEADERS?: string
    /** Bearer token for /__edgeward/admin/*. Unset → every admin call answers 401. */
    EDGEWARD_ADMIN_TOKEN?: string
    /** Key for the keyed hash of usernames (and IPs when configured). */
    EDGEWARD_USER_HASH_KEY?: string
    /** JWK set (JSON) for the device cookie and clearance tokens; newest key signs. */
    EDGEWARD_COOKIE_KEYS?: string
    /** Used challenge ids, until they expire (worker/challenge/NonceStore.ts). */
    CHALLENGE_NONCES: DurableObjectNamespace<NonceStore>
    /** Turnstile site key (a var). With EDGEWARD_TURNSTILE_SECRET, challenges use Turnstile instead of proof of work. */
    EDGEWARD_TURNSTILE_SITE_KEY?: string
    /** Turnstile secret key (a secret), for siteverify. */
    EDGEWARD_TURNSTILE_SECRET?: string
    /**
     * Set only by `npm start` (src/cli/start.ts): its local range server, used by the leaked-credential
     * check while the config names no range API, and only with EDGEWARD_TRUST_TEST_HEADERS (docs/leaked.md).
     */
    EDGEWARD_DEV_LEAKED_RANGE_URL?: string
    EDGEWARD_DEV_LEAKED_PAIR_RANGE_URL?: string
    /** Cloudflare API token (a secret) with "Account Filter Lists Edit": with the two ids below, IP deny entries go to that IP List (worker/waf/). */
    EDGEWARD_CF_API_TOKEN?: string
    /** The account that holds the IP List (a var). */
    EDGEWARD_WAF_ACCOUNT_ID?: string
    /** The IP List's id (a var); a WAF custom rule `ip.src in $<list name>` then blocks before the Worker runs. */
    EDGEWARD_WAF_LIST_ID?: string
    /** The Cloudflare API base (a var, default https://api.cloudflare.com/client/v4): a local stand-in for tests. */
    EDGEWARD_WAF_API_BASE?: string
    /** Workers Analytics Engine dataset: one data point per decision when bound (worker/analytics/decisionPoint.ts). */
    EDGEWARD_ANALYTICS?: AnalyticsEngineDataset
    /** "off" only in the test suite (vitest.config.ts): reserved-path per-source limits not applied (the deny list still is). Never set in wrangler.toml. */
    EDGEWARD_RESERVED_LIMITS?: string
    /** Tests only (vitest.config.ts): overrides counters.flush_ms, "0" = held counter writes flushed after every answer. */
    EDGEWARD_COUNTER_FLUSH_MS?: string
  }
  }
  interface Env extends Cloudflare.Env {}
}

export type WorkerEnv = Env
