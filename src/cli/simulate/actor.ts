// One simulated HTTP client: takes its source address, identity (browser profile or tool) and
// test-cf; sends requests from that address with its header set and cookie jar, records each one.
// Never sends CF-Connecting-IP: under wrangler dev the socket's address is the client IP.
import http from 'node:http'
import { browserHeaders, type BrowserProfile, type FetchKind, type HeaderList } from './browsers'
import type { Family } from './catalog'
import type { TestCf } from './network'
import { toolHeaders, type ToolIdentity } from './tools'
import type { Truth } from './truth'

export type Identity = { readonly type: 'browser'; readonly profile: BrowserProfile } | { readonly type: 'tool'; readonly tool: ToolIdentity }

export interface Reply {
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
}

export interface Actor {
  readonly ip: string
  readonly session: string
  get(path: string, opts?: RequestOptions): Promise<Reply>
  post(path: string, fields: Readonly<Record<string, string>>, opts?: RequestOptions): Promise<Reply>
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
    flat.push('x-edgeward-test-cf', testCf)
    const startedAt = Date.now()
    return new Promise<Reply>((resolve) => {
      let settled = false
      const done = (status: number, h: http.IncomingHttpHeaders, error?: string): void => {
        if (settled) return
        settled = true
        const one = (x: string | string[] | undefined): string | null => (Array.isArray(x) ? (x[0] ?? null) : (x ?? null))
        const reply: Reply = { status, mitigated: one(h['edgeward-mitigated']), ref: one(h['edgeward-ref']), location: one(h.location) }
        input.truth.record({ session: input.session, family: input.family, ip: input.ip, method, path: path.split('?')[0] ?? path, startedAt, ms: Date.now() - startedAt, status, mitigated: reply.mitigated, ref: reply.ref, ...(error === undefined ? {} : { error }) })
        resolve(reply)
      }
      const req = http.request({ host: input.target.hostname, port: input.target.port, method, path, headers: flat, agent, setHost: false }, (res) => {
        for (const sc of res.headers['set-cookie'] ?? []) {
          const m = SET_COOKIE_PAIR.exec(sc)
          if (m?.[1] === undefined) continue
          if (/max-age=0\b/i.test(sc)) jar.delete(m[1])
          else jar.set(m[1], m[2] ?? '')
        }
        res.resume()
        res.on('end', () => done(res.statusCode ?? 0, res.headers))
        res.on('error', (e) => done(0, {}, e.message))
      })
      req.setTimeout(input.timeoutMs ?? 60_000, () => req.destroy(new Error('timeout')))
      req.on('error', (e) => done(0, {}, e.message))
      req.end(body ?? undefined)
    })
  }

  return {
    ip: input.ip,
    session: input.session,
    get: (path, opts = {}) => send('GET', path, opts.kind ?? (opts.referer === undefined ? 'navigate' : 'link'), opts, null),
    post: (path, fields, opts = {}) => send('POST', path, opts.kind ?? 'form', opts, opts.json ? JSON.stringify(fields) : new URLSearchParams(fields).toString()),
    close: () => agent.destroy(),
  }
}
