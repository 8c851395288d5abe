// End to end through the real `npm start` (wrangler dev + workerd): the demo origin
// through the Worker, and pass-through fidelity in front of a real Node echo origin.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startDevServer, waitForLog, type DevServer } from './support/devServer'

interface Hit {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
}

/** Sends a request with the path exactly as given (no client-side normalisation). */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('npm start in front of the embedded demo origin', () => {
  let server: DevServer
  beforeAll(async () => {
    server = await startDevServer({ npmStart: true })
  })
  afterAll(async () => server?.stop())

  it('answers /__edgeward/health within 30 s of `npm start`', () => {
    // The promise for a fresh clone; the launcher itself waits up to 60 s, so a slow start shows here.
    expect(server.readyMs).toBeLessThan(30_000)
  })

  it('shows the demo home', async () => {
    const r = await raw(server.port, 'GET', '/', { accept: 'text/html', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36' })
    expect(r.status).toBe(200)
    expect(r.body.toString()).toContain('/login')
  })

  it('logs in user0007 with a session cookie and refuses a wrong password with 401', async () => {
    // A browser's form post (its full header set): a login without a User-Agent or Sec-Fetch-* is the model's to stop.
    const form = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'accept-language': 'en-US,en;q=0.9',
      'sec-ch-ua': '"Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"',
      'sec-ch-ua-mobile': '?0',
      'sec-ch-ua-platform': '"Linux"',
      'sec-fetch-dest': 'document',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-site': 'same-origin',
      'sec-fetch-user': '?1',
      origin: `http://127.0.0.1:${server.port}`,
    }
    const ok = await raw(server.port, 'POST', '/login', form, Buffer.from('username=user0007%40example.com&password=pass-0007'))
    expect(ok.status).toBe(200)
    expect(String(ok.headers['set-cookie'])).toContain('demo_session=')
    const bad = await raw(server.port, 'POST', '/login', form, Buffer.from('username=user0007%40example.com&password=wrong'))
    expect(bad.status).toBe(401)
    const line = await waitForLog(server, (l) => l.path === '/login' && l.origin_status === 401)
    expect(line.route).toBe('login')
    expect(JSON.stringify(server.logLines())).not.toContain('pass-0007')
  })

  it('prints one unprefixed JSON decision line per request on stdout', async () => {
    const before = server.logLines().length
    await raw(server.port, 'GET', '/products/5')
    await waitForLog(server, (l) => l.path === '/products/5')
    expect(server.logLines().length).toBe(before + 1)
  })
})

describe('npm start in front of a local origin (ORIGIN_URL)', () => {
  let server: DevServer
  let echo: Server
  const hits: Hit[] = []

  beforeAll(async () => {
    const echoPort = await freePort()
    echo = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
        res.setHeader('set-cookie', ['one=1; Path=/', 'two=2; Path=/; HttpOnly'])
        res.setHeader('content-type', 'application/octet-stream')
        res.end(body)
      })
    })
    await new Promise<void>((r) => echo.listen(echoPort, '127.0.0.1', r))
    server = await startDevServer({ env: { ORIGIN_URL: `http://127.0.0.1:${echoPort}` } })
  })
  afterAll(async () => {
    await server?.stop()
    echo?.close()
  })

  it('never delivers a client-sent x-edgeward-risk: 0, only the risk the Worker decided', async () => {
    hits.length = 0
    await raw(server.port, 'GET', '/client-sent-risk', { 'x-edgeward-risk': '0', 'x-edgeward-device': 'forged' })
    expect(hits).toHaveLength(1)
    // Origin headers are on in the bundled config: the header is the Worker's own (3 decimals), this request's logged risk.
    const risk = hits[0]?.headers['x-edgeward-risk']
    expect(risk).toMatch(/^(0|1)\.\d{3}$/)
    const line = await waitForLog(server, (l) => l.path === '/client-sent-risk')
    expect(risk).toBe((line.risk as number).toFixed(3))
    expect(hits[0]?.headers['x-edgeward-device']).toBeUndefined()
  })

  it('keeps body bytes and multiple Set-Cookie headers both ways', async () => {
    hits.length = 0
    const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 256))
    const r = await raw(server.port, 'POST', '/upload?a=1', { 'content-type': 'application/octet-stream' }, body)
    expect(hits[0]?.url).toBe('/upload?a=1')
    expect(hits[0]?.body.equals(body)).toBe(true)
    expect(r.body.equals(body)).toBe(true)
    expect(r.headers['set-cookie']).toEqual(['one=1; Path=/', 'two=2; Path=/; HttpOnly'])
  })

  it.each(['/__edgeward/health', '/__EDGEWARD/', '/__edgeward%2f', '/%5f%5fedgeward/', '//__edgeward/', '/x/../__edgeward/admin/stats', '/%5F%5FEDGEWARD%2Fcollect'])(
    'never delivers the reserved-path variant %s',
    async (path) => {
      hits.length = 0
      await raw(server.port, 'GET', path)
      expect(hits).toHaveLength(0)
    },
  )
})
