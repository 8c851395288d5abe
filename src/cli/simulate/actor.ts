// One simulated HTTP client: takes its source address, identity (browser profile or tool) and
// test-cf; sends requests from that address with its header set and cookie jar, records each one.
// Never sends CF-Connecting-IP: under wrangler dev the socket's address is the client IP.
import http from 'node:http'
import zlib from 'node:zlib'
import { browserHeaders, type BrowserProfile, type FetchKind, type HeaderList } from './browsers'
import type { Family } from './catalog'
import type { TestCf } from './network'
import { toolHeaders, type ToolIdentity } from './tools'
import type { Truth } from './truth'

export type Identity = { readonly type: 'browser'; readonly profile: BrowserProfile } | { readonly type: 'tool'; readonly tool: ToolIdentity }

export interface Reply {
  /** The body, when the request asked for it (`readBody`); else null. */
  readonly body?: string | null
  readonly status: number
  readonly mitigated: string | null
  readonly ref: string | null
  readonly location: string | null
}

export interface RequestOptions {
  readonly kind?: FetchKind
  readonly referer?: string
  /** Send the body as JSON instead of a form. */
  readonly json?: boolean
  /** Headers the client adds to its usual set (an app's token). */
  readonly headers?: Readonly<Record<string, string>>
  /** Keep the response body (at most 64 KiB) in the reply. */
  readonly readBody?: boolean
  /** A body sent as it is, in place of the fields (a script's JSON post: the SDK's telemetry). */
  readonly body?: string
}

export interface Actor {
  readonly ip: string
  readonly session: string
  get(path: string, opts?: RequestOptions): Promise<Reply>
  post(path: string, fields: Readonly<Record<string, string>>, opts?: RequestOptions): Promise<Reply>
  /** A cookie in this client's jar (what an infostealer lifts), or undefined. */
  cookie(name: string): string | undefined
  /** Puts a cookie in the jar (a thief loading a stolen one), sent from the next request on. */
  setCookie(name: string, value: string): void
  close(): void
}

export interface ActorInput {
  readonly target: URL
  readonly family: Family
  readonly session: string
  readonly ip: string
  readonly identity: Identity
  readonly cf: TestCf
  readonly truth: Truth
  readonly timeoutMs?: number
}

const SET_COOKIE_PAIR = /^\s*([^=;\s]+)=([^;]*)/

/**
 * At most this many requests in flight from all HTTP clients together. 5,000 people in ten minutes
 * would otherwise open hundreds of sockets at once whenever the server slows down, and `wrangler dev`
 * 4.86 exits when clients give up on requests it is still proxying (workers-sdk#15317); a client
 * waiting for a slot is a person whose page is slow to start loading, which is what they see.
 */
const MAX_IN_FLIGHT = 48
let inFlight = 0
const waiting: Array<() => void> = []
async function slot(): Promise<() => void> {
  if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => waiting.push(r))
  inFlight++
  return () => {
    inFlight--
    waiting.shift()?.()
  }
}

/** A body as the client reads it: tools that send Accept-Encoding get gzip or brotli back. Null when it does not decode. */
function decoded(raw: Buffer, encoding: string | null): string | null {
  try {
    const e = (encoding ?? '').trim().toLowerCase()
    const bytes = e === 'gzip' ? zlib.gunzipSync(raw) : e === 'br' ? zlib.brotliDecompressSync(raw) : e === 'deflate' ? zlib.inflateSync(raw) : raw
    return bytes.toString('utf8')
  } catch {
    return null
  }
}

export function createActor(input: ActorInput): Actor {
  // One connection per request: a reused idle socket that the server closes just as a request goes
  // out makes `wrangler dev` exit (cloudflare/workers-sdk#15317), which would end the whole run.
  const agent = new http.Agent({ keepAlive: false, maxSockets: 6, localAddress: input.ip })
  const jar = new Map<string, string>()
  const host = input.target.host
  const testCf = JSON.stringify(input.cf)

  const send = (method: string, path: string, kind: FetchKind, opts: RequestOptions, body: string | null): Promise<Reply> => {
    const cookie = jar.size === 0 ? undefined : [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
    const ctx = {
      host,
      ...(opts.referer === undefined ? {} : { referer: `http://${host}${opts.referer}` }),
      ...(cookie === undefined ? {} : { cookie }),
      ...(body === null ? {} : { contentLength: Buffer.byteLength(body), contentType: opts.json ? 'application/json' : 'application/x-www-form-urlencoded' }),
    }
    const headers: HeaderList = input.identity.type === 'browser' ? browserHeaders(input.identity.profile, kind, ctx) : toolHeaders(input.identity.tool, kind, ctx)
    const flat = headers.flatMap(([k, v]) => [k, v])
    for (const [k, v] of Object.entries(opts.headers ?? {})) flat.push(k, v)
    flat.push('x-edgeward-test-cf', testCf)
    const queuedAt = Date.now()
    return slot().then((release) => new Promise<Reply>((resolve) => {
      const startedAt = Date.now()
      let settled = false
      const chunks: Buffer[] = []
      let kept = 0
      const done = (status: number, h: http.IncomingHttpHeaders, error?: string): void => {
        if (settled) return
        settled = true
        const one = (x: string | string[] | undefined): string | null => (Array.isArray(x) ? (x[0] ?? null) : (x ?? null))
        const body = opts.readBody === true && error === undefined ? decoded(Buffer.concat(chunks), one(h['content-encoding'])) : null
        const reply: Reply = { status, mitigated: one(h['edgeward-mitigated']), ref: one(h['edgeward-ref']), location: one(h.location), body }
        input.truth.record({ session: input.session, family: input.family, ip: input.ip, method, path: path.split('?')[0] ?? path, startedAt, ms: Date.now() - startedAt, queuedMs: startedAt - queuedAt, status, mitigated: reply.mitigated, ref: reply.ref, ...(error === undefined ? {} : { error }) })
        resolve(reply)
      }
      let freed = false
      const free = (): void => {
        if (!freed) (freed = true), release()
      }
      const req = http.request({ host: input.target.hostname, port: input.target.port, method, path, headers: flat, agent, setHost: false }, (res) => {
        for (const sc of res.headers['set-cookie'] ?? []) {
          const m = SET_COOKIE_PAIR.exec(sc)
          if (m?.[1] === undefined) continue
          if (/max-age=0\b/i.test(sc)) jar.delete(m[1])
          else jar.set(m[1], m[2] ?? '')
        }
        if (opts.readBody === true) {
          res.on('data', (c: Buffer) => {
            if (kept < 65_536) (chunks.push(c), (kept += c.length))
          })
        } else res.resume()
        res.on('end', () => (free(), done(res.statusCode ?? 0, res.headers)))
        res.on('error', (e) => (free(), done(0, {}, e.message)))
      })
      // A person gives up on a page that takes too long, but the socket is left to finish: a client
      // vanishing mid-request is what makes wrangler dev exit. The slot is freed when it does.
      const giveUp = setTimeout(() => done(0, {}, 'timeout'), input.timeoutMs ?? 60_000)
      req.on('close', () => (clearTimeout(giveUp), free()))
      req.on('error', (e) => (free(), done(0, {}, e.message)))
      req.end(body ?? undefined)
    }))
  }

  return {
    ip: input.ip,
    session: input.session,
    get: (path, opts = {}) => send('GET', path, opts.kind ?? (opts.referer === undefined ? 'navigate' : 'link'), opts, null),
    post: (path, fields, opts = {}) => send('POST', path, opts.kind ?? 'form', opts, opts.body ?? (opts.json ? JSON.stringify(fields) : new URLSearchParams(fields).toString())),
    cookie: (name) => jar.get(name),
    setCookie: (name, value) => void jar.set(name, value),
    close: () => agent.destroy(),
  }
}
