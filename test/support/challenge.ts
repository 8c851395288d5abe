// Test helpers for the challenge flow inside workerd: fetch the challenge page and read its
// signed challenge, solve the proof of work the way the page does, post the answer to verify
// with the browser report the page's script would send, and read tokens. Built on callWorker
// (its echo stands in for the network, siteverify too).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { vi } from 'vitest'
import { solvePow } from '../../src/action/pow'
import { challengeReturn } from '../../src/action/respond'
import { bindingHashes, type BindingHashes } from '../../src/signals/binding'
import type { BrowserReport } from '../../src/signals/browserReport'
import { issueChallengeToken } from '../../src/signals/challengeToken'
import { loadCookieKeys, type LoadedKeys } from '../../src/signals/cookieKeys'
import { reservedApp } from '../../worker/app'
import { challengeOutcome, type ChallengeOutcome } from '../../worker/routes/challenge'
import { callWorker, echoReply, type Call, type EchoReply } from './worker'

export const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
export const CLIENT_IP = '203.0.113.7'
export const HTML_ACCEPT = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8'
export const ORIGIN = 'http://edge.test'
export const ACCEPT_LANGUAGE = 'en-US,en;q=0.9'

/** What the page's script reports for the test browser (Chrome on Linux, no client hints sent). */
export function browserReport(over: Partial<BrowserReport> = {}, ua = UA): BrowserReport {
  return {
    v: 1, ua, webdriver: false, platform: 'Linux x86_64', languages: ['en-US', 'en'], plugins: 5, uaData: null,
    screen: [1920, 1080, 1920, 1053, 24], window: [1280, 900, 1920, 1053], timezone: 'Europe/Berlin',
    webgl: 'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)', automation: [], ...over,
  }
}

export interface ClientOptions {
  readonly ua?: string
  readonly clientIp?: string
  readonly env?: Partial<Env>
  readonly reply?: EchoReply
  readonly cookie?: string
  readonly headers?: Record<string, string>
}

export interface IssuedChallenge {
  readonly call: Call
  readonly html: string
  readonly token: string
  readonly challengeId: string
  readonly difficulty: number
}

function headersFor(o: ClientOptions, extra: Record<string, string> = {}): Record<string, string> {
  return { 'user-agent': o.ua ?? UA, accept: HTML_ACCEPT, 'accept-language': ACCEPT_LANGUAGE, ...(o.cookie === undefined ? {} : { cookie: o.cookie }), ...extra, ...o.headers }
}

/** A challenge ticket for this client, as the interstitial of a challenge decision signs it. */
export async function ticketFor(difficulty: number, returnPath = '/', o: ClientOptions = {}, now = Date.now()): Promise<string> {
  const keys = await testKeys()
  if (!keys.ok) throw new Error('test keys')
  const id = crypto.randomUUID().replace(/-/g, '').slice(0, 22)
  return issueChallengeToken({ id, method: 'pow', difficulty, returnPath, now, ...(await bindingOf(o.ua, o.clientIp)) }, keys.value)
}

/**
 * GET the challenge page. A `d=NN` in `query` stands for "a challenge decision asked for NN bits":
 * it is replaced by a ticket signed for NN (the Worker never reads `d`). Use getChallengeRaw to
 * send a query exactly as written.
 */
export async function getChallenge(query: string, o: ClientOptions = {}): Promise<IssuedChallenge> {
  const d = /(?:^|&)d=(\d+)(?:&|$)/.exec(query)?.[1]
  if (d === undefined) return getChallengeRaw(query, o)
  const rest = query.replace(/(^|&)d=\d+(?=&|$)/, '').replace(/^&/, '')
  const returnPath = challengeReturn(new URLSearchParams(rest).get('return'))
  return getChallengeRaw(`${rest}&t=${encodeURIComponent(await ticketFor(Number(d), returnPath, o))}`, o)
}

/** GET the challenge page with a raw query string, exactly as written. */
export async function getChallengeRaw(query: string, o: ClientOptions = {}): Promise<IssuedChallenge> {
  const call = await callWorker(`/__edgeward/challenge?${query}`, { headers: headersFor(o) }, { env: o.env, clientIp: o.clientIp ?? CLIENT_IP, reply: o.reply })
  const html = await call.response.text()
  const token = /name="challenge" value="([^"]*)"/.exec(html)?.[1] ?? ''
  const challengeId = /data-(?:challenge|cdata)="([^"]*)"/.exec(html)?.[1] ?? ''
  const difficulty = Number(/data-difficulty="([^"]*)"/.exec(html)?.[1] ?? '0')
  return { call, html, token, challengeId, difficulty }
}

/** The same search the page runs. */
export async function solve(challengeId: string, difficulty: number): Promise<string> {
  const solution = await solvePow(challengeId, difficulty)
  if (solution === null) throw new Error('no solution found')
  return solution
}

/** The fields with the browser report the page would add, unless the test set `browser` itself. */
function withReport(fields: Record<string, string>, o: ClientOptions): Record<string, string> {
  return 'browser' in fields ? fields : { ...fields, browser: JSON.stringify(browserReport({}, o.ua ?? UA)) }
}

/** POST form fields (and, unless given, the browser report) to the verify endpoint. */
export async function postVerify(fields: Record<string, string>, o: ClientOptions = {}): Promise<Call> {
  const body = new URLSearchParams(withReport(fields, o)).toString()
  const headers = headersFor(o, { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'sec-fetch-site': 'same-origin' })
  return callWorker('/__edgeward/challenge/verify', { method: 'POST', headers, body }, { env: o.env, clientIp: o.clientIp ?? CLIENT_IP, reply: o.reply })
}

/** GET a page, solve it, post it: the whole browser round trip. */
export async function solveAndVerify(query: string, o: ClientOptions = {}): Promise<{ issued: IssuedChallenge; verify: Call; fields: Record<string, string> }> {
  const issued = await getChallenge(query, o)
  const fields = { challenge: issued.token, solution: await solve(issued.challengeId, issued.difficulty) }
  return { issued, verify: await postVerify(fields, o), fields }
}

/** The value of a cookie set by a response, or undefined. */
export function setCookieValue(response: Response, name: string): string | undefined {
  const line = response.headers.getAll('set-cookie').find((l: string) => l.startsWith(`${name}=`))
  return line?.slice(name.length + 1).split(';')[0]
}

export function decodePayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? ''
  return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
}

export const testKeys = (): Promise<LoadedKeys> => loadCookieKeys(env.EDGEWARD_COOKIE_KEYS)
export const bindingOf = (ua = UA, ip = CLIENT_IP): Promise<BindingHashes> => bindingHashes(ua, ip)

/** An echo origin that answers siteverify with `answer` (or never, for `hang`). */
export function siteverifyReply(answer: Record<string, unknown> | 'hang' | number, seen: URLSearchParams[] = []): EchoReply {
  return (s) => {
    if (!s.url.startsWith('https://challenges.cloudflare.com/turnstile/v0/siteverify')) return echoReply(s)
    seen.push(new URLSearchParams(new TextDecoder().decode(s.body)))
    if (answer === 'hang') return new Promise<Response>(() => {}) as unknown as Response
    if (typeof answer === 'number') return new Response('upstream trouble', { status: answer })
    return Response.json(answer)
  }
}

/** POST to verify through the reserved app itself, to read the outcome the log line gets. */
export async function verifyDirect(
  fields: Record<string, string>,
  o: ClientOptions = {},
): Promise<{ response: Response; outcome: ChallengeOutcome | undefined }> {
  const headers = headersFor(o, { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': o.clientIp ?? CLIENT_IP })
  const request = new Request(`${ORIGIN}/__edgeward/challenge/verify`, { method: 'POST', headers, body: new URLSearchParams(withReport(fields, o)).toString() })
  const reply = o.reply
  const spy =
    reply === undefined
      ? null
      : vi.spyOn(globalThis, 'fetch').mockImplementation(async (target, init) => {
          const req = new Request(target as RequestInfo, init as RequestInit)
          const body = new Uint8Array(await req.arrayBuffer())
          return reply({ url: req.url, method: req.method, headers: req.headers, body, redirect: req.redirect })
        })
  try {
    const ctx = createExecutionContext()
    const response = await reservedApp.fetch(request, { ...env, ...o.env } as Env, ctx)
    await waitOnExecutionContext(ctx)
    return { response, outcome: challengeOutcome(request) }
  } finally {
    spy?.mockRestore()
  }
}
