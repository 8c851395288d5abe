// The Cloudflare Lists API calls the WAF sync makes: read a list's items (cursor pages), append
// items, delete items by id, and wait for the bulk operation each write returns. Takes the
// settings; returns results or throws WafApiError with a short code (never the token, never a body).

import type { WafSettings } from './settings'

export interface ListItem {
  readonly id: string
  readonly ip: string
  readonly comment: string
}

/** `http_429`, `http_5xx`, `http_4xx`, `network`, `bad_answer`, `op_failed`, `op_pending`, `too_many_items`. */
export class WafApiError extends Error {
  override readonly name = 'WafApiError'
  readonly code: string
  /** From Retry-After on a 429 or 503, when the API sent one. */
  readonly retryAfterMs: number | null
  constructor(code: string, retryAfterMs: number | null = null) {
    super(code)
    this.code = code
    this.retryAfterMs = retryAfterMs
  }
}

const CALL_TIMEOUT_MS = 10_000
const PAGE_SIZE = 500
/** A list read stops here (Cloudflare's account lists hold up to 10,000 items on most plans). */
const MAX_PAGES = 50
/** Waits between polls of a bulk operation (about 8 s in all), then it counts as pending and is retried. */
const POLL_WAITS_MS = [0, 250, 500, 1_000, 1_000, 1_000, 2_000, 2_000] as const

type Answer = { success?: unknown; result?: unknown; result_info?: { cursors?: { after?: unknown } } }

async function call(s: WafSettings, method: string, path: string, body?: unknown): Promise<Answer> {
  let res: Response
  try {
    res = await s.fetch(`${s.baseUrl}/accounts/${s.accountId}${path}`, {
      method,
      headers: { authorization: `Bearer ${s.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    })
  } catch {
    throw new WafApiError('network')
  }
  if (!res.ok) {
    await res.body?.cancel()
    const code = res.status === 429 ? 'http_429' : res.status >= 500 ? 'http_5xx' : 'http_4xx'
    throw new WafApiError(code, retryAfterMs(res.headers.get('retry-after')))
  }
  let json: unknown
  try {
    json = await res.json()
  } catch {
    throw new WafApiError('bad_answer')
  }
  if (typeof json !== 'object' || json === null || (json as Answer).success !== true) throw new WafApiError('bad_answer')
  return json as Answer
}

function retryAfterMs(v: string | null): number | null {
  if (v === null) return null
  const s = Number(v)
  return Number.isFinite(s) && s >= 0 ? Math.min(s, 3_600) * 1000 : null
}

/** Every item of the list, by following `result_info.cursors.after`. */
export async function listItems(s: WafSettings): Promise<ListItem[]> {
  const items: ListItem[] = []
  let cursor: string | null = null
  for (let page = 0; page < MAX_PAGES; page++) {
    const q: string = `?per_page=${PAGE_SIZE}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
    const a = await call(s, 'GET', `/rules/lists/${s.listId}/items${q}`)
    if (!Array.isArray(a.result)) throw new WafApiError('bad_answer')
    for (const r of a.result as unknown[]) {
      const o = r as { id?: unknown; ip?: unknown; comment?: unknown }
      if (typeof o.id === 'string' && typeof o.ip === 'string') items.push({ id: o.id, ip: o.ip, comment: typeof o.comment === 'string' ? o.comment : '' })
    }
    const after = a.result_info?.cursors?.after
    if (typeof after !== 'string' || after === '' || a.result.length === 0) return items
    cursor = after
  }
  // Not the whole list: adds could duplicate and lifts miss items, so nothing is written on it.
  throw new WafApiError('too_many_items')
}

export async function addItems(s: WafSettings, items: readonly { ip: string; comment: string }[]): Promise<void> {
  const a = await call(s, 'POST', `/rules/lists/${s.listId}/items`, items)
  await awaitOperation(s, a)
}

export async function deleteItems(s: WafSettings, ids: readonly string[]): Promise<void> {
  const a = await call(s, 'DELETE', `/rules/lists/${s.listId}/items`, { items: ids.map((id) => ({ id })) })
  await awaitOperation(s, a)
}

/** A bulk write is done when its operation says `completed`; `failed` and still pending are errors (retried). */
async function awaitOperation(s: WafSettings, a: Answer): Promise<void> {
  const op = (a.result as { operation_id?: unknown } | null | undefined)?.operation_id
  if (typeof op !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(op)) throw new WafApiError('bad_answer')
  for (const wait of POLL_WAITS_MS) {
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const r = await call(s, 'GET', `/rules/lists/bulk_operations/${op}`)
    const status = (r.result as { status?: unknown } | null | undefined)?.status
    if (status === 'completed') return
    if (status === 'failed') throw new WafApiError('op_failed')
  }
  throw new WafApiError('op_pending')
}
