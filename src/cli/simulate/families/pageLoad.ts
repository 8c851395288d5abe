// A browser without our SDK running loading pages: the document, then — in a burst, as a browser
// does once it has parsed the HTML — the sub-resources it does not have cached: the stylesheet
// (style, no-cors), the favicon (image), our injected script (script, no-cors; a content blocker
// or a broken script keeps it from ever posting telemetry), and on catalogue pages the shop's own
// fetch of product data (Sec-Fetch-Dest empty, mode cors). A warm cache (a returning visitor) skips
// the static ones; JavaScript off skips scripts and fetches. A browser with JavaScript off follows a
// challenge's <noscript> meta refresh as a real one does: interstitial → challenge page → after its
// wait, the wait path → 303 back to the page, which it then loads (docs/challenge.md).
import type { Actor, Reply } from '../actor'
import type { Random } from '../random'

export interface PageLoader {
  /** Loads `path` (a typed navigation when `from` is undefined, else a link from `from`). */
  load(path: string, from: string | undefined): Promise<Reply>
}

export interface LoaderOptions {
  /** The static assets (stylesheet, favicon, script) are already in the cache. */
  readonly warmCache: boolean
  readonly javascript: boolean
}

const SDK_SCRIPT = '/__edgeward/sdk.js'

/** A catalogue page's own data fetch (the demo's pages have none; a real shop's list pages do). */
function pageFetch(path: string, rng: Random): string | null {
  if (path === '/products' || path.startsWith('/products?')) return `/api/products?page=${rng.int(1, 20)}&per_page=${rng.pick([12, 24, 48])}`
  if (/^\/products\/\d+$/.test(path) && rng.chance(0.5)) return `/api/products?page=${rng.int(1, 20)}&per_page=4`
  return null
}

/** A page's meta refresh (`<meta http-equiv="refresh" content="N;url=…">`), inside <noscript> or not, as a browser without JavaScript reads it. */
export function metaRefresh(html: string | null | undefined): { readonly seconds: number; readonly url: string } | null {
  const head = (html ?? '').split('</head>')[0] ?? ''
  const content = /<meta http-equiv="refresh" content="([^"]*)">/i.exec(head)?.[1]
  const m = content === undefined ? null : /^(\d{1,2});url=(\/[^\s]*)$/.exec(content.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&'))
  return m === null ? null : { seconds: Number(m[1]), url: m[2]! }
}

/** The longest meta-refresh wait a person sits through before giving up. */
const REFRESH_PATIENCE_S = 30
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function pageLoader(a: Actor, rng: Random, o: LoaderOptions): PageLoader {
  const cached = new Set<string>(o.warmCache ? ['/static/app.css', '/favicon.ico', SDK_SCRIPT] : [])
  /** Without JavaScript: the challenge's refreshes, followed to the page (null: no wait offered, or refused). */
  const waitThrough = async (challenged: Reply, path: string): Promise<Reply | null> => {
    let page = challenged
    let from = path
    // Interstitial (refresh 0) → challenge page (refresh N to the wait path) → 303 to the page.
    for (let hop = 0; hop < 3; hop++) {
      const refresh = metaRefresh(page.body)
      if (refresh === null || refresh.seconds > REFRESH_PATIENCE_S) return null
      if (refresh.seconds > 0) await sleep(refresh.seconds * 1000 + 100)
      page = await a.get(refresh.url, { referer: from, readBody: true })
      from = refresh.url
      if (page.status === 303 && page.location !== null) return a.get(page.location, { referer: from })
      if (page.status !== 200) return null
    }
    return null
  }
  return {
    async load(path, from) {
      let doc = await a.get(path, { ...(from === undefined ? {} : { referer: from }), ...(o.javascript ? {} : { readBody: true }) })
      if (doc.mitigated === 'challenge' && !o.javascript) doc = (await waitThrough(doc, path)) ?? doc
      if (doc.mitigated !== null || doc.status !== 200) return doc
      const burst: Array<Promise<Reply>> = []
      const fetchOnce = (asset: string, kind: 'style' | 'image' | 'script'): void => {
        if (cached.has(asset)) return
        cached.add(asset)
        burst.push(a.get(asset, { kind, referer: path }))
      }
      fetchOnce('/static/app.css', 'style')
      if (o.javascript) fetchOnce(SDK_SCRIPT, 'script')
      fetchOnce('/favicon.ico', 'image')
      const data = o.javascript ? pageFetch(path, rng) : null
      if (data !== null) burst.push(a.get(data, { kind: 'xhr', referer: path }))
      await Promise.all(burst)
      return doc
    },
  }
}
