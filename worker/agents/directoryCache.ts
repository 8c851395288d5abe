// Agents' key directories, fetched on a signed request and kept in this isolate: takes a directory
// URL, returns its Ed25519 keys by thumbprint, or why there are none. The fetch has a deadline and a
// size cap; a directory that cannot be read is remembered briefly too, so a dead or slow one costs
// at most one deadline per isolate per FAILURE_TTL_S, never one per request. Never throws.
import { DIRECTORY_MEDIA_TYPE, directoryKeys, directoryTtlS } from '../../src/signals/webBotAuth/keyDirectory'
import { withDeadline } from '../deadline'

/** The fetch of a directory not in cache (connection, answer and body) must finish within this. */
export const DIRECTORY_BUDGET_MS = 500
/** Cache-Control max-age is honoured within these bounds; 5 minutes without one. */
export const DIRECTORY_TTL = { min: 60, max: 3600, fallback: 300 } as const
/** A directory that failed is not asked again for this long (a 404, garbage or a timeout). */
export const FAILURE_TTL_S = 30
/** Directories are JWKS of a few keys; a larger answer is garbage. */
export const MAX_DIRECTORY_BYTES = 64 * 1024
/** Entries kept per isolate: the oldest goes first (a flood of made-up agent URLs cannot grow it). */
export const MAX_DIRECTORIES = 128

/** `unreachable` and `timeout` are infrastructure faults (a `missing` entry); the rest are the agent's. */
export type DirectoryProblem = 'unreachable' | 'timeout' | 'directory_status' | 'directory_garbled'
export type DirectoryRead = { readonly ok: true; readonly keys: Map<string, CryptoKey | string> } | { readonly ok: false; readonly problem: DirectoryProblem }

interface Entry {
  readonly until: number
  readonly read: DirectoryRead
}

const cache = new Map<string, Entry>()
const inFlight = new Map<string, Promise<DirectoryRead>>()

export function resetDirectoryCacheForTests(): void {
  cache.clear()
  inFlight.clear()
}

export async function readDirectory(directoryUrl: string, now: number, budgetMs = DIRECTORY_BUDGET_MS): Promise<DirectoryRead> {
  const hit = cache.get(directoryUrl)
  if (hit !== undefined && hit.until > now) return hit.read
  // Concurrent requests of one agent share one fetch.
  let pending = inFlight.get(directoryUrl)
  if (pending === undefined) {
    pending = fetchDirectory(directoryUrl, now, budgetMs).finally(() => inFlight.delete(directoryUrl))
    inFlight.set(directoryUrl, pending)
  }
  return pending
}

async function fetchDirectory(directoryUrl: string, now: number, budgetMs: number): Promise<DirectoryRead> {
  const got = await withDeadline(
    (async () => {
      const r = await fetch(directoryUrl, { headers: { accept: `${DIRECTORY_MEDIA_TYPE}, application/json;q=0.9` }, redirect: 'manual' })
      if (!r.ok) return { status: r.status, text: null, cacheControl: null }
      return { status: r.status, text: await boundedText(r), cacheControl: r.headers.get('cache-control') }
    })(),
    budgetMs,
  )
  let read: DirectoryRead
  let ttlS = FAILURE_TTL_S
  if (!got.ok) read = { ok: false, problem: got.reason === 'timeout' ? 'timeout' : 'unreachable' }
  else if (got.value.text === null) read = { ok: false, problem: got.value.status === 0 || got.value.status >= 500 ? 'unreachable' : 'directory_status' }
  else {
    let json: unknown = null
    try {
      json = JSON.parse(got.value.text)
    } catch {
      json = null
    }
    const keys = await directoryKeys(json)
    if (keys === null || keys.size === 0) read = { ok: false, problem: 'directory_garbled' }
    else {
      read = { ok: true, keys: new Map(keys) }
      ttlS = directoryTtlS(got.value.cacheControl, DIRECTORY_TTL)
    }
  }
  remember(directoryUrl, { until: now + ttlS * 1000, read })
  return read
}

function remember(url: string, entry: Entry): void {
  cache.delete(url)
  cache.set(url, entry)
  while (cache.size > MAX_DIRECTORIES) {
    const oldest = cache.keys().next().value
    if (oldest === undefined) break
    cache.delete(oldest)
  }
}

/** The body as text, or null past MAX_DIRECTORY_BYTES (read no further). */
async function boundedText(r: Response): Promise<string | null> {
  if (r.body === null) return ''
  const reader = r.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_DIRECTORY_BYTES) {
      await reader.cancel().catch(() => {})
      return '' // parses as garbage
    }
    chunks.push(value)
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  return new TextDecoder().decode(all)
}
