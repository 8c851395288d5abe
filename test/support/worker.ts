// Test harness for the Worker inside workerd: calls the real fetch handler with the
// real bindings (plus overrides), captures the decision log lines, and can stand a
// recording echo in for the network so tests see exactly what an origin would get.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { onTestFinished, vi } from 'vitest'
import worker from '../../worker/index'
import { resetConfigCacheForTests } from '../../worker/config/load'

export const ECHO_ORIGIN = 'http://origin.test'

/** What desktop Chrome 130 on Linux sends with a navigation (minus Host and Cookie). */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8',
  'accept-language': 'en-US,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'sec-ch-ua': '"Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Linux"',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-user': '?1',
  'upgrade-insecure-requests': '1',
}
/** Added when a test names a Chrome User-Agent but not these (hints would have to match its version). */
const BROWSER_FILL = ['accept', 'accept-language', 'accept-encoding', 'sec-fetch-dest', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-user', 'upgrade-insecure-requests']

export interface Seen {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly body: Uint8Array
  readonly redirect: string
}

export interface Call {
  readonly response: Response
  readonly logs: Record<string, unknown>[]
  readonly errors: string[]
  readonly seen: Seen[]
}

/** Responses the echo origin sends back; default: 200 echoing the request as JSON. */
export type EchoReply = (seen: Seen) => Response | Promise<Response>

export function echoReply(seen: Seen): Response {
  return Response.json({ url: seen.url, method: seen.method, headers: [...seen.headers], body: [...seen.body] })
}

const DEFAULT_SITE = 'http://edge.test'
let site = DEFAULT_SITE

/**
 * Runs this test's path-only requests on a host of its own (`http://<name>.edge.test`), so site-wide
 * counts — the cookie-less and the new browsers' sign-in cohorts — start empty, whatever the file's
 * other tests did there.
 */
export function ownSite(name: string): void {
  site = `http://${name}.edge.test`
  onTestFinished(() => {
    site = DEFAULT_SITE
  })
}

export async function callWorker(
  input: string | Request,
  init: RequestInit = {},
  options: { env?: Partial<Env>; reply?: EchoReply; clientIp?: string } = {},
): Promise<Call> {
  const request = typeof input === 'string' ? new Request(new URL(input, site), init) : input
  if (!request.headers.has('cf-connecting-ip')) request.headers.set('cf-connecting-ip', options.clientIp ?? '203.0.113.7')
  // A request that does not say who sends it comes from a desktop Chrome, headers and all, and one
  // that only names Chrome gets the rest of Chrome's headers: the plumbing under test must not hinge
  // on what the model thinks of a bare test request. Tests about headers set the ones they mean.
  const ua = request.headers.get('user-agent')
  const fill = ua === null ? Object.keys(BROWSER_HEADERS) : /Chrome\/\d/.test(ua) && !/Headless/.test(ua) ? BROWSER_FILL : []
  for (const k of fill) if (!request.headers.has(k)) request.headers.set(k, BROWSER_HEADERS[k]!)
  const seen: Seen[] = []
  const reply = options.reply ?? echoReply
  const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (target, targetInit) => {
    const req = new Request(target as RequestInfo, targetInit as RequestInit)
    const s: Seen = {
      url: req.url,
      method: req.method,
      headers: req.headers,
      body: new Uint8Array(await req.arrayBuffer()),
      redirect: req.redirect,
    }
    seen.push(s)
    return reply(s)
  })
  const logSpy = vi.spyOn(console, 'log').mockImplementation(() => {})
  const errSpy = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    const ctx = createExecutionContext()
    const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, { ...env, ORIGIN_URL: ECHO_ORIGIN, ...options.env } as Env, ctx)
    await waitOnExecutionContext(ctx)
    const logs = logSpy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>)
    const errors = errSpy.mock.calls.map((args) => String(args[0]))
    return { response, logs, errors, seen }
  } finally {
    fetchSpy.mockRestore()
    logSpy.mockRestore()
    errSpy.mockRestore()
  }
}

/** Writes a config to the KV namespace and drops the isolate cache so it is read now. */
export async function writeConfig(config: unknown): Promise<void> {
  await env.EDGEWARD_CONFIG.put('config', typeof config === 'string' ? config : JSON.stringify(config))
  resetConfigCacheForTests()
}

export async function clearConfig(): Promise<void> {
  await env.EDGEWARD_CONFIG.delete('config')
  await env.EDGEWARD_CONFIG.delete('config:last-good')
  resetConfigCacheForTests()
}

/**
 * A browser reads the sign-in form from its address before it posts it: one GET of `path` from `ip`
 * (the `cold_sign_in` rule challenges a browser's sign-in from an address that read no page in 10
 * minutes). For tests whose people, or stuffers that read the form, sign in through a browser.
 */
export async function loadForm(ip: string, options: { path?: string; headers?: Record<string, string>; env?: Partial<Env> } = {}): Promise<Call> {
  return callWorker(options.path ?? '/login', { headers: options.headers ?? {} }, { clientIp: ip, ...(options.env === undefined ? {} : { env: options.env }) })
}

/**
 * The site's people: `n` browsers without JavaScript (no device cookie), each at its own address in
 * 192.0.2.0/24, reading the form and getting in — the cookie-less sign-ins a stuffer's refusals are
 * weighed against (cookieless_sign_in_wave). A test of a per-source or identity rule runs on a site
 * with people, so the site-wide rule does not answer for the one under test.
 */
export async function signInPeople(n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    const ip = `192.0.2.${i}`
    await loadForm(ip)
    const body = `username=person${i}%40example.com&password=right`
    const { logs } = await callWorker('/login', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, { clientIp: ip, reply: () => new Response('', { status: 200 }) })
    if (logs[0]?.action !== 'allow') throw new Error(`signInPeople: person ${i} was not let in (${String(logs[0]?.action)}: ${JSON.stringify(logs[0]?.reasons)})`)
  }
}
