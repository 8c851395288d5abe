// Tool header sets: takes a tool name and the request context, returns the headers that tool sends
// (its own defaults, or a spoofed browser set). Attack tooling and the clients of legitimate
// automation (monitors, scripts, apps). Data only; the families pick the tools.
import { acceptLanguageFor, browserHeaders, browserProfile, type BrowserProfile, type FetchKind, type HeaderContext, type HeaderList } from './browsers'
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
  // Clients of legitimate automation: wget, Node's built-in fetch (undici), an Android app on OkHttp,
  // a Flutter app (dart:io), an iOS app on URLSession (CFNetwork: Accept-Language from the phone).
  'wget', 'node_fetch', 'okhttp', 'dart', 'ios_app',
  // Attack tooling whose header sets come from elsewhere than our browsers.ts (so not from what the
  // signal code was tested against): python-httpx and PHP Guzzle defaults; curl-impersonate's fixed
  // Chrome 116/120 navigation set (sent on every request, POSTs included); a Go tls-client profile
  // with the headers its users paste, lower-case, an older Chrome.
  'httpx', 'guzzle', 'curl_impersonate', 'tls_client',
] as const
export type Tool = (typeof TOOLS)[number]

export interface ToolIdentity {
  readonly tool: Tool
  readonly ua: string
  /** For spoof_full: the browser the headers were copied from. */
  readonly profile: BrowserProfile | null
  /** For ios_app: the Accept-Language URLSession adds from the phone's languages. */
  readonly acceptLanguage?: string
}

/** What the tool negotiates: a copied browser set and iOS's URLSession (Safari's own network stack)
 * ride a browser stack; Java's default is old. */
export const transportOf = (tool: Tool): Transport =>
  tool === 'spoof_full' || tool === 'ios_app' || tool === 'curl_impersonate' || tool === 'tls_client' ? 'browser' : tool === 'java' ? 'old_script' : 'script'

const APP_NAME = 'ShopApp'

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
    case 'wget':
      return { tool, ua: `Wget/1.2${rng.int(1, 4)}.${rng.int(1, 4)}`, profile: null }
    case 'node_fetch':
      return { tool, ua: 'node', profile: null }
    case 'okhttp': {
      const okhttp = `okhttp/4.${rng.int(9, 12)}.0`
      // Half the apps leave OkHttp's default; the others name themselves first.
      return { tool, ua: rng.chance(0.5) ? okhttp : `${APP_NAME}/3.${rng.int(0, 9)}.${rng.int(0, 5)} (Android ${rng.int(12, 15)}) ${okhttp}`, profile: null }
    }
    case 'dart':
      return { tool, ua: `Dart/3.${rng.int(2, 6)} (dart:io)`, profile: null }
    case 'httpx':
      return { tool, ua: `python-httpx/0.${rng.int(24, 28)}.${rng.int(0, 2)}`, profile: null }
    case 'guzzle':
      return { tool, ua: `GuzzleHttp/7`, profile: null }
    case 'curl_impersonate': {
      const v = rng.pick([116, 119, 120])
      return { tool, ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`, profile: null }
    }
    case 'tls_client': {
      const v = rng.pick([117, 120, 124])
      return { tool, ua: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`, profile: null }
    }
    case 'ios_app': {
      const [cfNetwork, darwin] = rng.pick([['1494.0.7', '23.4.0'], ['1496.0.7', '23.5.0'], ['1568.100.1', '24.1.0'], ['1568.200.51', '24.2.0']] as const)
      return { tool, ua: `${APP_NAME}/${rng.int(300, 420)} CFNetwork/${cfNetwork} Darwin/${darwin}`, profile: null, acceptLanguage: acceptLanguageFor(country, rng) }
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
    case 'wget':
      h.push(['User-Agent', id.ua], ['Accept', '*/*'], ['Accept-Encoding', 'identity'], ['Connection', 'Keep-Alive'], ...cookie)
      if (body) h.push(['Content-Type', ct], ['Content-Length', String(c.contentLength)])
      return h
    case 'node_fetch': {
      // undici's defaults, lower-case, including its accept-language "*" and sec-fetch-mode.
      const u: HeaderList = [['host', c.host], ['connection', 'keep-alive']]
      if (body) u.push(['content-type', ct])
      u.push(['accept', '*/*'], ['accept-language', '*'], ['sec-fetch-mode', 'cors'], ['user-agent', id.ua], ['accept-encoding', 'gzip, deflate'])
      if (c.cookie !== undefined) u.push(['cookie', c.cookie])
      if (body) u.push(['content-length', String(c.contentLength)])
      return u
    }
    case 'okhttp':
      // The app's interceptor asks for JSON; OkHttp adds the rest (and its cookie jar).
      h.push(['Accept', 'application/json'])
      if (body) h.push(['Content-Type', ct === 'application/json' ? 'application/json; charset=utf-8' : ct], ['Content-Length', String(c.contentLength)])
      h.push(['Connection', 'Keep-Alive'], ['Accept-Encoding', 'gzip'], ...cookie, ['User-Agent', id.ua])
      return h
    case 'dart': {
      // dart:io's HttpClient: lower-case names, Host last; the app asks for JSON and sets the cookie.
      const d: HeaderList = [['user-agent', id.ua], ['accept', 'application/json']]
      if (c.cookie !== undefined) d.push(['cookie', c.cookie])
      d.push(['accept-encoding', 'gzip'])
      if (body) d.push(['content-length', String(c.contentLength)], ['content-type', ct === 'application/json' ? 'application/json; charset=utf-8' : ct])
      d.push(['host', c.host])
      return d
    }
    case 'ios_app':
      if (body) h.push(['Content-Type', ct])
      h.push(['Accept', 'application/json'], ['Accept-Language', id.acceptLanguage ?? 'en-US,en;q=0.9'], ['Accept-Encoding', 'gzip, deflate, br'], ['User-Agent', id.ua])
      if (body) h.push(['Content-Length', String(c.contentLength)])
      h.push(['Connection', 'keep-alive'], ...cookie)
      return h
    case 'httpx': {
      const x: HeaderList = [['host', c.host], ['accept', '*/*'], ['accept-encoding', 'gzip, deflate'], ['connection', 'keep-alive'], ['user-agent', id.ua]]
      if (c.cookie !== undefined) x.push(['cookie', c.cookie])
      if (body) x.push(['content-length', String(c.contentLength)], ['content-type', ct])
      return x
    }
    case 'guzzle':
      if (body) h.push(['Content-Length', String(c.contentLength)])
      h.push(['User-Agent', id.ua], ...cookie)
      if (body) h.push(['Content-Type', ct])
      return h
    case 'curl_impersonate': {
      // curl-impersonate's chrome116/chrome120 wrapper: one navigation header set, whatever the request.
      const major = /Chrome\/(\d+)/.exec(id.ua)?.[1] ?? '120'
      h.push(['sec-ch-ua', `"Chromium";v="${major}", "Not)A;Brand";v="24", "Google Chrome";v="${major}"`], ['sec-ch-ua-mobile', '?0'], ['sec-ch-ua-platform', '"Windows"'])
      h.push(['Upgrade-Insecure-Requests', '1'], ['User-Agent', id.ua], ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'])
      h.push(['Sec-Fetch-Site', 'none'], ['Sec-Fetch-Mode', 'navigate'], ['Sec-Fetch-User', '?1'], ['Sec-Fetch-Dest', 'document'], ['Accept-Encoding', 'gzip, deflate, br'], ['Accept-Language', 'en-US,en;q=0.9'], ...cookie)
      if (body) h.push(['Content-Type', ct], ['Content-Length', String(c.contentLength)])
      return h
    }
    case 'tls_client': {
      const major = /Chrome\/(\d+)/.exec(id.ua)?.[1] ?? '124'
      const t: HeaderList = [['host', c.host], ['accept', '*/*'], ['accept-language', 'de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7'], ['user-agent', id.ua]]
      t.push(['sec-ch-ua', `"Chromium";v="${major}", "Google Chrome";v="${major}", "Not-A.Brand";v="99"`], ['sec-ch-ua-mobile', '?0'], ['sec-ch-ua-platform', '"macOS"'])
      if (body) t.push(['content-type', ct], ['content-length', String(c.contentLength)], ['origin', `http://${c.host}`])
      if (c.referer !== undefined) t.push(['referer', c.referer])
      if (c.cookie !== undefined) t.push(['cookie', c.cookie])
      t.push(['accept-encoding', 'gzip, deflate, br'])
      return t
    }
    case 'spoof_full':
      return h // unreachable: spoof_full always has a profile
  }
}
