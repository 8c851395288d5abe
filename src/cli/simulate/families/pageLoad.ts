// A browser without our SDK running loading pages: the document, then — in a burst, as a browser
// does once it has parsed the HTML — the sub-resources it does not have cached: the stylesheet
// (style, no-cors), the favicon (image), our injected script (script, no-cors; a content blocker
// or a broken script keeps it from ever posting telemetry), and on catalogue pages the shop's own
// fetch of product data (Sec-Fetch-Dest empty, mode cors). A warm cache (a returning visitor) skips
// the static ones; JavaScript off skips scripts and fetches.
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

export function pageLoader(a: Actor, rng: Random, o: LoaderOptions): PageLoader {
  const cached = new Set<string>(o.warmCache ? ['/static/app.css', '/favicon.ico', SDK_SCRIPT] : [])
  return {
    async load(path, from) {
      const doc = await a.get(path, from === undefined ? {} : { referer: from })
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
