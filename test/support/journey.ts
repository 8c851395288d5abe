// Journey helpers for Worker tests: a real device cookie from POST /__edgeward/collect, and a
// read (without counting) of the counters object of one journey key, named as the log line names it.
import { env } from 'cloudflare:workers'
import { counterName, type KeyKind } from '../../src/counters/keys'
import type { KeySnapshot } from '../../src/counters/metrics'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { issueSdkNonce } from '../../src/signals/sdkNonce'
import telemetry from '../fixtures/tokens/telemetry-valid.json'
import { BROWSER_HEADERS, callWorker } from './worker'

let devicesMade = 0

/** A page view's SDK nonce for this client, as the Worker would have put on a page (docs/identity.md). */
async function pageNonce(userAgent: string, clientIp: string): Promise<string> {
  const keys = await loadCookieKeys((env as unknown as Env).EDGEWARD_COOKIE_KEYS)
  if (!keys.ok) throw new Error('test cookie keys')
  const id = `N${String(++devicesMade).padStart(21, '0')}`
  return issueSdkNonce({ id, now: Date.now(), ...(await bindingHashes(userAgent, clientIp)) }, keys.value)
}

/**
 * `__edgeward=<token>` for a new device, bound to this client's User-Agent and IP prefix, carrying
 * the SDK telemetry of test/fixtures/tokens/telemetry-valid.json (with `telemetryOver` on top).
 * Like a browser's, the collect carries its page view's SDK nonce (the device is proven) unless
 * `proven: false`.
 */
export async function deviceCookie(
  clientIp: string,
  opts: { userAgent?: string; telemetryOver?: Record<string, unknown>; proven?: boolean; cookie?: string } = {},
): Promise<{ cookie: string; device: string; setCookies: string[] }> {
  const userAgent = opts.userAgent ?? BROWSER_HEADERS['user-agent']!
  const headers = { 'content-type': 'application/json', 'user-agent': userAgent, ...(opts.cookie === undefined ? {} : { cookie: opts.cookie }) }
  // Each test device is another person: its own time to submit (a shared one would read as a replay, docs/identity.md).
  const took = telemetry.timeToSubmitMs + 300 * ++devicesMade
  const nonce = opts.proven === false ? {} : { nonce: await pageNonce(userAgent, clientIp) }
  const body = JSON.stringify({ ...telemetry, timeOnPageMs: took, timeToSubmitMs: took, ...nonce, ...opts.telemetryOver })
  const call = await callWorker('/__edgeward/collect', { method: 'POST', body, headers }, { clientIp })
  const token = /__edgeward=([^;]+)/.exec(call.response.headers.get('set-cookie') ?? '')?.[1]
  const device = call.logs[0]?.device
  if (call.response.status !== 204 || token === undefined || typeof device !== 'string') throw new Error(`collect gave no cookie (${call.response.status})`)
  return { cookie: `__edgeward=${token}`, device, setCookies: call.response.headers.getSetCookie() }
}

/** The windows of one key's counters object, read without counting (`value` as logged: device id, IP, user hash). */
export function peekCounters(kind: KeyKind, value: string): Promise<KeySnapshot> {
  const stub = env.COUNTERS.get(env.COUNTERS.idFromName(counterName(kind, value)))
  return stub.peek(Date.now()) as Promise<KeySnapshot>
}

/**
 * The site's people on new browsers: `n` fresh devices, each at its own address in 198.18.0.0/15,
 * reading the form, running the SDK and signing in to an account of its own with no past — the new
 * browsers' sign-ins a fresh-profile stuffer's refusals are weighed against (new_device_sign_in_wave).
 */
export async function signInNewBrowsers(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    const ip = `198.18.${Math.floor(i / 250)}.${1 + (i % 250)}`
    await callWorker('/login', {}, { clientIp: ip })
    const { cookie } = await deviceCookie(ip)
    const body = `username=newcomer${i}%40example.com&password=right`
    const { logs } = await callWorker('/login', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie } }, { clientIp: ip, reply: () => new Response('', { status: 200 }) })
    if (logs[0]?.action !== 'allow') throw new Error(`signInNewBrowsers: newcomer ${i} was not let in (${String(logs[0]?.action)}: ${JSON.stringify(logs[0]?.reasons)})`)
  }
}
