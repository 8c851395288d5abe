// Through the real `npm start` (wrangler dev) to a URL origin: the app gets its own Host and the
// client's host and scheme in X-Forwarded-Host / -Proto / Forwarded (a client's own replaced), so a
// page that builds absolute links the way Express does with `trust proxy` links back through
// edgeward, not to the app's own address.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevServer, type DevServer } from './support/devServer'

const EDGEWARD_PORT = 20300
const APP_PORT = 20301

describe('forwarding headers through npm start', () => {
  let app: Server
  let edge: DevServer
  const seen: IncomingHttpHeaders[] = []

  beforeAll(async () => {
    app = createServer((req, res) => {
      seen.push(req.headers)
      const host = String(req.headers['x-forwarded-host'] ?? req.headers.host)
      const proto = String(req.headers['x-forwarded-proto'] ?? 'http')
      res.setHeader('content-type', 'text/html; charset=utf-8')
      res.end(`<!doctype html><title>app</title><a id="next" href="${proto}://${host}/next">next</a>`)
    })
    await new Promise<void>((resolve) => app.listen(APP_PORT, '127.0.0.1', resolve))
    // Shadow: this is about what reaches the app, not about the verdict on a script's request.
    edge = await startDevServer({ port: EDGEWARD_PORT, env: { ORIGIN_URL: `http://127.0.0.1:${APP_PORT}` }, config: { version: 'e2e-forwarding', mode: 'shadow' } })
  })

  afterAll(async () => {
    await edge?.stop()
    await new Promise((resolve) => app?.close(resolve))
  })

  it('links back through edgeward and replaces a client’s own forwarding claims', async () => {
    const browserLike = {
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'accept-language': 'en-US,en;q=0.9',
      'sec-fetch-dest': 'document',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-site': 'none',
    }
    const response = await fetch(`${edge.url}/start`, {
      headers: { ...browserLike, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example', 'x-forwarded-for': '10.9.8.7' },
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toContain(`href="http://127.0.0.1:${EDGEWARD_PORT}/next"`)
    const h = seen.at(-1)!
    expect(h.host).toBe(`127.0.0.1:${APP_PORT}`)
    expect(h['x-forwarded-host']).toBe(`127.0.0.1:${EDGEWARD_PORT}`)
    expect(h['x-forwarded-proto']).toBe('http')
    expect(h.forwarded).toBe(`for=127.0.0.1;host="127.0.0.1:${EDGEWARD_PORT}";proto=http`)
    expect(h['x-forwarded-for']).toBe('10.9.8.7')
  })
})
