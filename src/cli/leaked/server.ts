// A real local range server in the Pwned Passwords format, for `npm start` and the tests: takes a
// password list (most common first) and `username:password` pairs; serves `GET /range/<5 hex>` from
// the passwords and `GET /pairs/range/<5 hex>` from the pairs, each line `SUFFIX:COUNT` (CRLF). With
// `Add-Padding: true` (as edgeward sends, like api.pwnedpasswords.com) a range is padded with
// random suffixes of count 0 to at least PADDED_LINES lines, so its size says nothing. Node only.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'

/** Lines a padded answer has at least (Pwned Passwords pads to 800–1,000). */
export const PADDED_LINES = 800
/** The count a password of rank r (0 = most common) is served with: the list has ranks, not counts. */
export const countForRank = (rank: number): number => Math.max(1, Math.round(1_000_000 / (rank + 1)))

export type RangeIndex = ReadonlyMap<string, readonly string[]>

const sha1 = (text: string): string => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase()

/** Prefix → `SUFFIX:COUNT` lines; a secret listed twice keeps its first (highest) count. */
export function buildRangeIndex(secrets: readonly string[], count: (rank: number) => number = countForRank): RangeIndex {
  const index = new Map<string, string[]>()
  const seen = new Set<string>()
  secrets.forEach((secret, rank) => {
    const hex = sha1(secret)
    if (seen.has(hex)) return
    seen.add(hex)
    const prefix = hex.slice(0, 5)
    const lines = index.get(prefix) ?? []
    lines.push(`${hex.slice(5)}:${count(rank)}`)
    index.set(prefix, lines)
  })
  return index
}

export function rangeBody(index: RangeIndex, prefix: string, padding: boolean): string {
  const lines = [...(index.get(prefix) ?? [])]
  if (padding) {
    while (lines.length < PADDED_LINES) lines.push(`${randomBytes(18).toString('hex').slice(0, 35).toUpperCase()}:0`)
  }
  return lines.join('\r\n')
}

export interface RangeServer {
  /** Base of the password ranges (`leaked.range_url`): `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Base of the pair ranges (`leaked.pair_range_url`): `<url>/pairs`. */
  readonly pairUrl: string
  readonly server: Server
  close(): Promise<void>
}

export interface RangeServerOptions {
  readonly passwords: readonly string[]
  readonly pairs: readonly string[]
  readonly host?: string
  /** 0 (default): any free port. */
  readonly port?: number
}

export async function startRangeServer(options: RangeServerOptions): Promise<RangeServer> {
  const passwords = buildRangeIndex(options.passwords)
  // Pairs are as the Worker hashes them: the username lower-cased (src/leaked/range.ts pairSecret).
  const pairs = buildRangeIndex(options.pairs.map(lowerUsername), () => 1)
  const server = createServer((req, res) => {
    const m = /^(\/pairs)?\/range\/([0-9A-Fa-f]{5})$/.exec((req.url ?? '').split('?')[0] ?? '')
    if ((req.method !== 'GET' && req.method !== 'HEAD') || m === null) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    const body = rangeBody(m[1] === undefined ? passwords : pairs, m[2]!.toUpperCase(), /^true$/i.test(String(req.headers['add-padding'] ?? '')))
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'public, max-age=86400' }).end(req.method === 'HEAD' ? undefined : body)
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const url = `http://${host}:${port}`
  return {
    url,
    pairUrl: `${url}/pairs`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function lowerUsername(pair: string): string {
  const colon = pair.indexOf(':')
  return colon === -1 ? pair : `${pair.slice(0, colon).toLowerCase()}${pair.slice(colon)}`
}
