// A forward proxy for one Chromium session: Chromium cannot pick its source address, so each
// browser context talks to its own proxy, which connects to edgeward from the session's 127.x.y.z,
// adds the dev-only x-edgeward-test-cf header and records every request in the ground truth.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Family } from './catalog'
import type { Truth } from './truth'

export interface SessionProxy {
  readonly url: string
  close(): Promise<void>
}

export interface ProxyInput {
  readonly target: URL
  readonly family: Family
  readonly session: string
  readonly ip: string
  readonly cf: object
  readonly truth: Truth
}

const HOP_BY_HOP = /^(proxy-connection|proxy-authorization|x-edgeward-)/i
const one = (x: string | string[] | undefined): string | null => (Array.isArray(x) ? (x[0] ?? null) : (x ?? null))

export async function startSessionProxy(input: ProxyInput): Promise<SessionProxy> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: 6, localAddress: input.ip })
  const testCf = JSON.stringify(input.cf)
  const inflight = new Set<Promise<void>>()
  const server = http.createServer((req, res) => {
    let url: URL
    try {
      url = new URL(req.url ?? '/', input.target)
    } catch {
      res.writeHead(400).end()
      return
    }
    // Only the edgeward under test: a browser that wanders elsewhere gets nothing.
    if (url.host !== input.target.host) {
      res.writeHead(502).end()
      return
    }
    const headers: string[] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!
      if (!HOP_BY_HOP.test(name)) headers.push(name, req.rawHeaders[i + 1]!)
    }
    headers.push('x-edgeward-test-cf', testCf)
    const method = req.method ?? 'GET'
    // The whole body first: a request the browser abandons half-sent is never forwarded, and one
    // that was forwarded is always finished — `wrangler dev` exits when a client vanishes while its
    // request is in flight (cloudflare/workers-sdk#15317, #15447), which would end the whole run.
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const startedAt = Date.now()
      const record = (status: number, h: http.IncomingHttpHeaders): void =>
        input.truth.record({ session: input.session, family: input.family, ip: input.ip, method, path: url.pathname, startedAt, ms: Date.now() - startedAt, status, mitigated: one(h['edgeward-mitigated']), ref: one(h['edgeward-ref']) })
      let settle: () => void = () => undefined
      inflight.add(new Promise<void>((r) => (settle = r)))
      const up = http.request({ host: input.target.hostname, port: input.target.port, method, path: url.pathname + url.search, headers, agent, setHost: false }, (r) => {
        record(r.statusCode ?? 0, r.headers)
        if (!res.destroyed) res.writeHead(r.statusCode ?? 502, r.rawHeaders)
        // Drain the answer even when the browser has gone: the upstream request always completes.
        r.on('data', (c: Buffer) => (res.destroyed ? undefined : res.write(c)))
        r.on('end', () => {
          if (!res.destroyed) res.end()
          settle()
        })
        r.on('error', () => settle())
      })
      up.on('error', () => {
        record(0, {})
        if (!res.headersSent && !res.destroyed) res.writeHead(502)
        if (!res.destroyed) res.end()
        settle()
      })
      up.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      // Let forwarded requests finish before the sockets go (see above).
      await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, 30_000))])
      await new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
      agent.destroy()
    },
  }
}
