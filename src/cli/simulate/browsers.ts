// Real browser header sets: takes a browser profile and what kind of request it makes (typed
// navigation, link, form post, stylesheet, script, image, a page's own fetch/XHR), returns the
// headers in that browser's order. Desktop and mobile browsers, and privacy ones (Brave, Firefox
// with resist-fingerprinting, the Tor Browser's shape).
import type { Random } from './random'

export const BROWSER_KINDS = ['chrome', 'edge', 'chrome_android', 'firefox', 'safari', 'safari_ios', 'samsung', 'firefox_android', 'brave', 'firefox_rfp'] as const
export type BrowserKind = (typeof BROWSER_KINDS)[number]

export const FETCH_KINDS = ['navigate', 'link', 'form', 'style', 'image', 'script', 'xhr'] as const
export type FetchKind = (typeof FETCH_KINDS)[number]

export interface BrowserProfile {
  readonly kind: BrowserKind
  readonly ua: string
  /** sec-ch-ua, sec-ch-ua-mobile, sec-ch-ua-platform (Chromium only). */
  readonly hints: readonly [string, string, string] | null
  readonly acceptLanguage: string
}

export interface HeaderContext {
  readonly host: string
  readonly referer?: string
  readonly cookie?: string
  readonly contentType?: string
  readonly contentLength?: number
}

export type HeaderList = Array<readonly [string, string]>

const LANGUAGES: Readonly<Record<string, readonly string[]>> = {
  US: ['en-US,en;q=0.9', 'en-US,en;q=0.9,es;q=0.8'], CA: ['en-CA,en-US;q=0.9,en;q=0.8', 'fr-CA,fr;q=0.9,en-CA;q=0.8,en;q=0.7'],
  GB: ['en-GB,en-US;q=0.9,en;q=0.8', 'en-GB,en;q=0.9'], DE: ['de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7'], FR: ['fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7'],
  NL: ['nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7'], ES: ['es-ES,es;q=0.9,en;q=0.8'], IT: ['it-IT,it;q=0.9,en-US;q=0.8,en;q=0.7'],
  AU: ['en-AU,en-GB;q=0.9,en;q=0.8'], JP: ['ja,en-US;q=0.9,en;q=0.8'], BR: ['pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7'], IN: ['en-IN,en-GB;q=0.9,en-US;q=0.8,en;q=0.7', 'hi-IN,hi;q=0.9,en-IN;q=0.8,en;q=0.7'],
}

/** Accept-Language for a country; Firefox writes shorter q lists. */
export function acceptLanguageFor(country: string, rng: Random, firefox = false): string {
  const base = rng.pick(LANGUAGES[country] ?? ['en-US,en;q=0.9'])
  return firefox ? base.replace(/;q=0\.9/, ';q=0.8').replace(/,en;q=0\.[78]$/, ',en;q=0.5') : base
}

const GREASE = ['"Not_A Brand";v="24"', '"Not(A:Brand";v="99"', '"Not/A)Brand";v="8"', '"Not A(Brand";v="8"', '"Not)A;Brand";v="99"']

function chromiumHints(major: number, brand: string, rng: Random, mobile: boolean, platform: string): readonly [string, string, string] {
  const items = rng.shuffle([`"${brand}";v="${major}"`, `"Chromium";v="${major}"`, rng.pick(GREASE)])
  return [items.join(', '), mobile ? '?1' : '?0', `"${platform}"`]
}

/** A browser profile as people run them (versions of the last few months, common platforms). */
export function browserProfile(kind: BrowserKind, country: string, rng: Random): BrowserProfile {
  const desktop = rng.weighted([['Windows NT 10.0; Win64; x64', 60], ['Macintosh; Intel Mac OS X 10_15_7', 30], ['X11; Linux x86_64', 6], ['X11; CrOS x86_64 14541.0.0', 4]] as const)
  const platform = desktop.startsWith('Windows') ? 'Windows' : desktop.startsWith('Mac') ? 'macOS' : desktop.includes('CrOS') ? 'Chrome OS' : 'Linux'
  switch (kind) {
    case 'chrome': {
      const v = rng.int(130, 137)
      return { kind, ua: `Mozilla/5.0 (${desktop}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`, hints: chromiumHints(v, 'Google Chrome', rng, false, platform), acceptLanguage: acceptLanguageFor(country, rng) }
    }
    case 'edge': {
      const v = rng.int(130, 137)
      return { kind, ua: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.${rng.int(2000, 3400)}.${rng.int(10, 99)}`, hints: chromiumHints(v, 'Microsoft Edge', rng, false, 'Windows'), acceptLanguage: acceptLanguageFor(country, rng) }
    }
    case 'chrome_android': {
      const v = rng.int(130, 137)
      return { kind, ua: `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`, hints: chromiumHints(v, 'Google Chrome', rng, true, 'Android'), acceptLanguage: acceptLanguageFor(country, rng) }
    }
    case 'firefox': {
      const v = rng.weighted([[128, 2], [rng.int(132, 138), 8]] as const)
      const os = desktop.includes('CrOS') ? 'X11; Linux x86_64' : desktop.replace('10_15_7', '10.15')
      return { kind, ua: `Mozilla/5.0 (${os}; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`, hints: null, acceptLanguage: acceptLanguageFor(country, rng, true) }
    }
    case 'safari': {
      const v = rng.pick(['17.6', '18.0', '18.1', '18.2', '18.3'])
      return { kind, ua: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Safari/605.1.15`, hints: null, acceptLanguage: acceptLanguageFor(country, rng) }
    }
    case 'safari_ios': {
      const v = rng.pick(['17_6', '18_1', '18_2', '18_3'])
      return { kind, ua: `Mozilla/5.0 (iPhone; CPU iPhone OS ${v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v.replace('_', '.')} Mobile/15E148 Safari/604.1`, hints: null, acceptLanguage: acceptLanguageFor(country, rng) }
    }
    case 'samsung': {
      const v = rng.int(124, 130)
      const si = rng.pick(['26.0', '27.0', '28.0'])
      return { kind, ua: `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${si} Chrome/${v}.0.0.0 Mobile Safari/537.36`, hints: chromiumHints(v, 'Samsung Internet', rng, true, 'Android'), acceptLanguage: acceptLanguageFor(country, rng) }
    }
    case 'firefox_android': {
      const v = rng.int(132, 138)
      return { kind, ua: `Mozilla/5.0 (Android 14; Mobile; rv:${v}.0) Gecko/${v}.0 Firefox/${v}.0`, hints: null, acceptLanguage: acceptLanguageFor(country, rng, true) }
    }
    case 'brave': {
      // Brave sends Chrome's UA and names itself only in the client hints.
      const v = rng.int(130, 137)
      return { kind, ua: `Mozilla/5.0 (${desktop}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`, hints: chromiumHints(v, 'Brave', rng, false, platform), acceptLanguage: rng.chance(0.5) ? 'en-US,en' : acceptLanguageFor(country, rng) }
    }
    case 'firefox_rfp':
      // privacy.resistFingerprinting (and the Tor Browser): the ESR UA on "Windows", English at q=0.5, whatever the person's country.
      return { kind, ua: 'Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0', hints: null, acceptLanguage: 'en-US,en;q=0.5' }
  }
}

const CHROME_DOC_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'
const OTHER_DOC_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
const CHROME_IMG_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8'

/** Headers one request of `kind` carries, in the order the browser sends them over HTTP/1.1. */
export function browserHeaders(p: BrowserProfile, kind: FetchKind, c: HeaderContext): HeaderList {
  const origin = `http://${c.host}`
  const doc = kind === 'navigate' || kind === 'link' || kind === 'form'
  const site = kind === 'navigate' ? 'none' : 'same-origin'
  // A page's own fetch()/XHR: destination empty, mode cors; scripts, styles and images no-cors.
  const dest = doc ? 'document' : kind === 'xhr' ? 'empty' : kind
  const mode = doc ? 'navigate' : kind === 'xhr' ? 'cors' : 'no-cors'
  const subAccept = (style: string, image: string): string => (kind === 'style' ? style : kind === 'image' ? image : '*/*')
  const h: HeaderList = [['Host', c.host]]
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined) h.push([name, value])
  }
  // A form post, or a page's own fetch() with a body (the SDK's JSON collect): the body's headers too.
  const post = kind === 'form' || c.contentType !== undefined
  if (p.hints !== null) {
    add('Connection', 'keep-alive')
    if (post) add('Content-Length', String(c.contentLength ?? 0))
    if (post) add('Cache-Control', 'max-age=0')
    if (doc) h.push(['sec-ch-ua', p.hints[0]], ['sec-ch-ua-mobile', p.hints[1]], ['sec-ch-ua-platform', p.hints[2]])
    else h.push(['sec-ch-ua-platform', p.hints[2]], ['User-Agent', p.ua], ['sec-ch-ua', p.hints[0]], ['sec-ch-ua-mobile', p.hints[1]])
    if (post) h.push(['Origin', origin], ['Content-Type', c.contentType ?? 'application/x-www-form-urlencoded'])
    if (doc) h.push(['Upgrade-Insecure-Requests', '1'], ['User-Agent', p.ua])
    add('Accept', doc ? CHROME_DOC_ACCEPT : subAccept('text/css,*/*;q=0.1', CHROME_IMG_ACCEPT))
    h.push(['Sec-Fetch-Site', site], ['Sec-Fetch-Mode', mode])
    if (doc) add('Sec-Fetch-User', '?1')
    h.push(['Sec-Fetch-Dest', dest])
    add('Referer', c.referer)
    h.push(['Accept-Encoding', 'gzip, deflate, br, zstd'], ['Accept-Language', p.acceptLanguage])
    add('Cookie', c.cookie)
    return h
  }
  if (p.kind === 'firefox' || p.kind === 'firefox_android' || p.kind === 'firefox_rfp') {
    h.push(['User-Agent', p.ua], ['Accept', doc ? OTHER_DOC_ACCEPT : subAccept('text/css,*/*;q=0.1', 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5')])
    h.push(['Accept-Language', p.acceptLanguage], ['Accept-Encoding', 'gzip, deflate, br, zstd'])
    if (post) h.push(['Content-Type', c.contentType ?? 'application/x-www-form-urlencoded'], ['Content-Length', String(c.contentLength ?? 0)], ['Origin', origin])
    add('Connection', 'keep-alive')
    add('Referer', c.referer)
    add('Cookie', c.cookie)
    if (doc) add('Upgrade-Insecure-Requests', '1')
    h.push(['Sec-Fetch-Dest', dest], ['Sec-Fetch-Mode', mode], ['Sec-Fetch-Site', site])
    if (doc) add('Sec-Fetch-User', '?1')
    add('Priority', doc ? 'u=0, i' : kind === 'style' || kind === 'script' ? 'u=2' : kind === 'xhr' ? 'u=4' : 'u=6')
    return h
  }
  // Safari (macOS and iOS)
  if (post) h.push(['Content-Type', c.contentType ?? 'application/x-www-form-urlencoded'], ['Origin', origin])
  h.push(['Accept', doc ? OTHER_DOC_ACCEPT : subAccept('text/css,*/*;q=0.1', 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5')])
  h.push(['Sec-Fetch-Site', site])
  add('Cookie', c.cookie)
  h.push(['Sec-Fetch-Dest', dest], ['Accept-Language', p.acceptLanguage], ['Sec-Fetch-Mode', mode], ['User-Agent', p.ua])
  add('Referer', c.referer)
  if (post) add('Content-Length', String(c.contentLength ?? 0))
  h.push(['Accept-Encoding', 'gzip, deflate'], ['Connection', 'keep-alive'])
  if (!doc) add('Priority', 'u=2')
  return h
}
