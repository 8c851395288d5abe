// The load test's origin: a tiny keep-alive HTTP server on 127.0.0.1 that answers like a shop would —
// HTML pages, CSS, JSON, 401 on every login. Run as `tsx src/cli/load/origin.ts <port>`; prints "ready".
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'

export const LOGIN_PATHS: ReadonlySet<string> = new Set(['/login', '/signin'])

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Product</h1>${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>'.repeat(30)}<form method="post" action="/login"><input name="username"><input type="password" name="password"><button>Sign in</button></form></body></html>`
const CSS = 'body{margin:0;font-family:sans-serif}h1{font-size:2em}'
const JSON_BODY = JSON.stringify({ products: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `Product ${i + 1}`, price: 999 + i })) })

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

export function handle(req: IncomingMessage, res: ServerResponse): void {
  // Read the whole body first, as an origin would, then answer.
  req.on('data', () => {})
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (req.method === 'POST' && LOGIN_PATHS.has(path)) return reply(res, 401, 'text/plain', 'invalid credentials')
    if (path.startsWith('/static/')) return reply(res, 200, 'text/css', CSS)
    if (path.startsWith('/api/')) return reply(res, 200, 'application/json', JSON_BODY)
    return reply(res, 200, 'text/html; charset=utf-8', PAGE)
  })
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.argv[2] ?? 0)
  const server = createServer({ keepAliveTimeout: 60_000 }, handle)
  server.listen(port, '127.0.0.1', () => console.log('ready'))
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)))
}
