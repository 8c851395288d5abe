// A browser with JavaScript off, for worker tests: its own header set and cookie jar at one address,
// following a challenge's <noscript> meta refreshes the way a browser does. Plain fetches; no script runs.
import { expect } from 'vitest'
import { BROWSER_HEADERS, callWorker, echoReply, type Call, type EchoReply } from './worker'

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
export const decode = (s: string): string => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&')

/** The URL and delay of a page's meta refresh, as a browser reads it ({noscript: true}: only inside <noscript>). */
export function metaRefresh(html: string, o: { noscript: boolean }): { seconds: number; url: string } | null {
  const head = html.slice(0, html.indexOf('</head>'))
  const pattern = o.noscript
    ? /<noscript><meta http-equiv="refresh" content="([^"]*)"><\/noscript>/
    : /<meta http-equiv="refresh" content="([^"]*)">/
  const content = pattern.exec(head)?.[1]
  if (content === undefined) return null
  const m = /^(\d+);url=(.*)$/.exec(decode(content))
  return m === null ? null : { seconds: Number(m[1]), url: m[2]! }
}

/** A browser with JavaScript off: its own header set and cookie jar, at one address. */
export class NoJsBrowser {
  readonly jar = new Map<string, string>()
  readonly details: string[] = []
  readonly ip: string
  readonly headers: Readonly<Record<string, string>>
  readonly reply: EchoReply
  constructor(ip: string, headers: Readonly<Record<string, string>> = BROWSER_HEADERS, reply: EchoReply = echoReply) {
    this.ip = ip
    this.headers = headers
    this.reply = reply
  }

  get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async get(path: string, extra: Record<string, string> = {}): Promise<Call> {
    const headers = { ...this.headers, ...(this.jar.size > 0 ? { cookie: this.cookie } : {}), ...extra }
    const call = await callWorker(path, { headers, redirect: 'manual' }, { clientIp: this.ip, reply: this.reply })
    const set = call.response.headers.get('set-cookie')
    const m = set === null ? null : /^([^=]+)=([^;]*)/.exec(set)
    if (m !== null) this.jar.set(m[1]!, m[2]!)
    const detail = call.logs[0]?.detail
    if (typeof detail === 'string') this.details.push(detail)
    return call
  }

  /** Challenged page → interstitial (refresh 0) → challenge page: the wait the page offers, or null. */
  async challenged(path: string): Promise<{ challengePage: string; wait: { seconds: number; url: string } | null }> {
    const first = await this.get(path)
    expect(first.response.status).toBe(403)
    expect(first.response.headers.get('edgeward-mitigated')).toBe('challenge')
    const onward = metaRefresh(await first.response.text(), { noscript: true })
    expect(onward?.seconds).toBe(0)
    const page = await this.get(onward!.url, { 'sec-fetch-site': 'same-origin' })
    expect(page.response.status).toBe(200)
    const challengePage = await page.response.text()
    return { challengePage, wait: metaRefresh(challengePage, { noscript: true }) }
  }

  /** The whole no-JavaScript journey: challenged, wait, follow the refresh; the 303 from the wait path. */
  async waitThrough(path: string): Promise<Call> {
    const { wait } = await this.challenged(path)
    expect(wait).not.toBeNull()
    await sleep(wait!.seconds * 1000 + 150)
    return this.get(wait!.url, { 'sec-fetch-site': 'same-origin' })
  }
}

