// What the adaptive attacker reads and writes on the wire: the request/response shape any transport
// (Node sockets, worker.fetch in workerd) carries, a cookie jar, login bodies that hide the username,
// and scrapers for what our pages tell a script (the SDK nonce, the challenge). Pure; no I/O.

export type HeaderList = ReadonlyArray<readonly [string, string]>

export interface WireRequest {
  readonly method: 'GET' | 'POST'
  /** Path and query. */
  readonly path: string
  readonly headers: HeaderList
  readonly body: string | Uint8Array | null
  /** The source address this request leaves from. */
  readonly ip: string
}

export interface WireResponse {
  readonly status: number
  header(name: string): string | null
  readonly setCookies: readonly string[]
  readonly text: string
}

export type Wire = (req: WireRequest) => Promise<WireResponse>

/** name → value; `Max-Age=0` deletes. */
export class CookieJar {
  readonly #m = new Map<string, string>()
  take(setCookies: readonly string[]): void {
    for (const sc of setCookies) {
      const m = /^\s*([^=;\s]+)=([^;]*)/.exec(sc)
      if (m?.[1] === undefined) continue
      if (/max-age=0\b/i.test(sc)) this.#m.delete(m[1])
      else this.#m.set(m[1], m[2] ?? '')
    }
  }
  drop(name: string): void {
    this.#m.delete(name)
  }
  get(name: string): string | undefined {
    return this.#m.get(name)
  }
  /** The Cookie header, without the names in `except`; null when empty. */
  header(except: readonly string[] = []): string | null {
    const pairs = [...this.#m].filter(([k]) => !except.includes(k)).map(([k, v]) => `${k}=${v}`)
    return pairs.length === 0 ? null : pairs.join('; ')
  }
}

export const DEVICE_COOKIE = '__edgeward'
export const CLEARANCE_COOKIE = '__edgeward_clearance'

export interface LoginBody {
  readonly body: string
  readonly contentType: string
  /** How the username was hidden, for the attempt's record. */
  readonly shape: 'form' | 'multipart' | 'case_duplicate'
}

export const formBody = (username: string, password: string): LoginBody => ({
  body: new URLSearchParams({ username, password }).toString(),
  contentType: 'application/x-www-form-urlencoded',
  shape: 'form',
})

/** What a browser sends for `<form enctype="multipart/form-data">` (the demo origin reads it). */
export function multipartBody(username: string, password: string, boundarySeed: string): LoginBody {
  const boundary = `----WebKitFormBoundary${boundarySeed.replace(/[^A-Za-z0-9]/g, '').padEnd(16, 'x').slice(0, 16)}`
  const part = (name: string, value: string): string => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  return { body: `${part('username', username)}${part('password', password)}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}`, shape: 'multipart' }
}

/** `Username=<decoy>&username=<victim>`: the Worker lower-cases keys and keeps the first (the decoy);
 * a case-sensitive origin (the demo) reads `username` (the victim). */
export const caseDuplicateBody = (decoy: string, username: string, password: string): LoginBody => ({
  body: `Username=${encodeURIComponent(decoy)}&username=${encodeURIComponent(username)}&password=${encodeURIComponent(password)}`,
  contentType: 'application/x-www-form-urlencoded',
  shape: 'case_duplicate',
})

const JWS = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g

function jwsTyp(token: string): string | null {
  try {
    const header = JSON.parse(atob(token.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))) as { typ?: unknown }
    return typeof header.typ === 'string' ? header.typ : null
  } catch {
    return null
  }
}

/** The page's SDK nonce, found as a script finds it: any signed token in the HTML whose header says
 * it is the SDK's (wherever the injector puts it: an attribute, a query, a global). Null if none. */
export function scrapeSdkNonce(html: string): string | null {
  for (const m of html.matchAll(JWS)) if (/sdk/i.test(jwsTyp(m[0]) ?? '')) return m[0]
  return null
}

/** Where the interstitial sends a browser (`/__edgeward/challenge?return=…&d=…`), from its HTML or JSON. */
export function challengeLink(text: string): string | null {
  const m = /(\/__edgeward\/challenge\?[^"'\s<>\\]+)/.exec(text.replace(/\\u0026/g, '&').replace(/&amp;/g, '&'))
  return m?.[1] ?? null
}

/** The same link asking for `bits` of work instead (the query names the difficulty today). */
export function withDifficulty(link: string, bits: number): string {
  const [path, query = ''] = link.split('?') as [string, string?]
  const q = new URLSearchParams(query)
  q.set('d', String(bits))
  return `${path}?${q.toString()}`
}

export interface SolvePage {
  readonly token: string
  readonly challengeId: string
  readonly difficulty: number
  readonly action: string
}

/** The proof-of-work form of the challenge page (worker/pages/challenge.ts), or null (Turnstile, refusal). */
export function parseSolvePage(html: string): SolvePage | null {
  const token = /name="challenge" value="([^"]+)"/.exec(html)?.[1]
  const challengeId = /data-challenge="([^"]+)"/.exec(html)?.[1]
  const difficulty = Number(/data-difficulty="([0-9]+)"/.exec(html)?.[1] ?? NaN)
  const action = /<form[^>]*id="ew-form"[^>]*action="([^"]+)"/.exec(html)?.[1] ?? /action="([^"]+)"[^>]*id="ew-form"/.exec(html)?.[1]
  if (token === undefined || challengeId === undefined || !Number.isInteger(difficulty) || action === undefined) return null
  return { token, challengeId, difficulty, action }
}
