// Attack tooling header sets: takes a tool name and the request context, returns the headers that
// tool sends (its own defaults, or a spoofed browser set). Data only; the families pick the tools.
import { browserHeaders, browserProfile, type BrowserProfile, type FetchKind, type HeaderContext, type HeaderList } from './browsers'
import type { Transport } from './network'
import type { Random } from './random'

export const TOOLS = [
  'python_requests', 'curl', 'go_http', 'axios', 'java', 'scrapy',
  // A browser User-Agent pasted into a script: no client hints, no Sec-Fetch-*.
  'spoof_ua',
  // OpenBullet / SilverBullet style configs: a Chrome UA and a few browser headers, copied by hand.
  'openbullet',
  // A full browser header set copied from DevTools (hints, Sec-Fetch, Accept-Language) — the careful kind.
  'spoof_full',
] as const
export type Tool = (typeof TOOLS)[number]

export interface ToolIdentity {
  readonly tool: Tool
  readonly ua: string
  /** For spoof_full: the browser the headers were copied from. */
  readonly profile: BrowserProfile | null
}

/** What the tool negotiates: a copied browser set rides a real browser stack; Java's default is old. */
export const transportOf = (tool: Tool): Transport => (tool === 'spoof_full' ? 'browser' : tool === 'java' ? 'old_script' : 'script')

export function toolIdentity(tool: Tool, rng: Random, country = 'US'): ToolIdentity {
  const chromeUa = (): string => browserProfile('chrome', country, rng).ua
  switch (tool) {
    case 'python_requests':
      return { tool, ua: `python-requests/2.${rng.int(28, 32)}.${rng.int(0, 3)}`, profile: null }
    case 'curl':
      return { tool, ua: `curl/8.${rng.int(4, 11)}.${rng.int(0, 1)}`, profile: null }
    case 'go_http':
      return { tool, ua: 'Go-http-client/1.1', profile: null }
    case 'axios':
      return { tool, ua: `axios/1.${rng.int(6, 8)}.${rng.int(0, 9)}`, profile: null }
    case 'java':
      return { tool, ua: `Java/${rng.pick(['11.0.21', '17.0.9', '21.0.2'])}`, profile: null }
    case 'scrapy':
      return { tool, ua: `Scrapy/2.${rng.int(9, 12)}.0 (+https://scrapy.org)`, profile: null }
    case 'spoof_ua':
    case 'openbullet':
      return { tool, ua: chromeUa(), profile: null }
    case 'spoof_full': {
      const profile = browserProfile(rng.pick(['chrome', 'chrome', 'edge', 'firefox', 'safari'] as const), country, rng)
      return { tool, ua: profile.ua, profile }
    }
  }
}

/** The headers the tool sends. `json`: the body is JSON (APIs); otherwise a form when there is a body. */
export function toolHeaders(id: ToolIdentity, kind: FetchKind, c: HeaderContext): HeaderList {
  if (id.profile !== null) return browserHeaders(id.profile, kind, c)
  const h: HeaderList = [['Host', c.host]]
  const body = c.contentLength !== undefined
  const ct = c.contentType ?? 'application/x-www-form-urlencoded'
  const cookie = c.cookie === undefined ? [] : ([['Cookie', c.cookie]] as const)
  switch (id.tool) {
    case 'python_requests':
      h.push(['User-Agent', id.ua], ['Accept-Encoding', 'gzip, deflate'], ['Accept', '*/*'], ['Connection', 'keep-alive'], ...cookie)
      if (body) h.push(['Content-Length', String(c.contentLength)], ['Content-Type', ct])
      return h
    case 'curl':
      h.push(['User-Agent', id.ua], ['Accept', '*/*'], ...cookie)
      if (body) h.push(['Content-Length', String(c.contentLength)], ['Content-Type', ct])
      return h
    case 'go_http':
      h.push(['User-Agent', id.ua])
      if (body) h.push(['Content-Length', String(c.contentLength)], ['Content-Type', ct])
      h.push(...cookie, ['Accept-Encoding', 'gzip'])
      return h
    case 'axios':
      h.push(['Accept', 'application/json, text/plain, */*'])
      if (body) h.push(['Content-Type', ct])
      h.push(['User-Agent', id.ua])
      if (body) h.push(['Content-Length', String(c.contentLength)])
      h.push(['Accept-Encoding', 'gzip, compress, deflate, br'], ...cookie, ['Connection', 'keep-alive'])
      return h
    case 'java':
      h.push(['User-Agent', id.ua], ['Accept', 'text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2'], ['Connection', 'keep-alive'], ...cookie)
      if (body) h.push(['Content-Type', ct], ['Content-Length', String(c.contentLength)])
      return h
    case 'scrapy':
      h.push(['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'], ['Accept-Language', 'en'], ['User-Agent', id.ua], ['Accept-Encoding', 'gzip, deflate'])
      if (c.referer !== undefined) h.push(['Referer', c.referer])
      h.push(...cookie)
      if (body) h.push(['Content-Type', ct], ['Content-Length', String(c.contentLength)])
      return h
    case 'spoof_ua':
      h.push(['User-Agent', id.ua], ['Accept-Encoding', 'gzip, deflate'], ['Accept', '*/*'], ['Connection', 'keep-alive'], ...cookie)
      if (body) h.push(['Content-Length', String(c.contentLength)], ['Content-Type', ct])
      return h
    case 'openbullet':
      h.push(['User-Agent', id.ua], ['Pragma', 'no-cache'], ['Accept', '*/*'], ['Accept-Language', 'en-US,en;q=0.8'])
      if (body) h.push(['Content-Type', ct], ['Content-Length', String(c.contentLength)])
      h.push(['Connection', 'keep-alive'], ...cookie)
      return h
    case 'spoof_full':
      return h // unreachable: spoof_full always has a profile
  }
}
