// Whether, and where, deny entries go to a Cloudflare account IP List. Takes the env; returns the
// settings or null (off). Off unless the token, account and list are all set: an unconfigured zone
// queues nothing and never calls the API.
import { isHttpsOrLoopback } from '../../src/util/loopback'

export const DEFAULT_WAF_API_BASE = 'https://api.cloudflare.com/client/v4'

export interface WafSettings {
  readonly token: string
  readonly accountId: string
  readonly listId: string
  /** The API's base, up to and including `/client/v4` (a local stand-in in tests). */
  readonly baseUrl: string
  /** The fetch to call the API with (tests hand in a stand-in). */
  readonly fetch: typeof fetch
}

let override: WafSettings | null | undefined

/** Tests only: settings to use instead of the env's (null = off); undefined restores the env's. */
export function setWafSettingsForTests(s: WafSettings | null | undefined): void {
  override = s
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/

export function wafSettings(env: Partial<Env>): WafSettings | null {
  if (override !== undefined) return override
  const token = env.EDGEWARD_CF_API_TOKEN
  const accountId = env.EDGEWARD_WAF_ACCOUNT_ID
  const listId = env.EDGEWARD_WAF_LIST_ID
  // Ids go into the URL path: anything but an id's characters turns the sync off rather than off somewhere else.
  if (!token || accountId === undefined || listId === undefined || !ID_RE.test(accountId) || !ID_RE.test(listId)) return null
  const base = (env.EDGEWARD_WAF_API_BASE ?? '').trim() || DEFAULT_WAF_API_BASE
  // The token rides in every call: https, or plain http only to a stand-in on this machine.
  if (!isHttpsOrLoopback(base)) return null
  return { token, accountId, listId, baseUrl: base.replace(/\/+$/, ''), fetch: (input, init) => fetch(input, init) }
}

