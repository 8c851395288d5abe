// The admin API under /__edgeward/admin/*: stats, deny list, fraud labels. Takes
// requests with a bearer token (EDGEWARD_ADMIN_TOKEN); returns JSON or NDJSON. Every
// admin path, known or not, answers 401 without the right token; bad input gets 400, never 500.
import { Hono, type Context } from 'hono'
import { parseDenyAdd, parseDenyRemove, parseHistory, parseLabels } from '../../src/counters/adminInput'
import { adminCall, bearerMatches, denyView, importHistory, listDeny, readCappedText, readStats, registry } from '../counters/admin'
import { denySource, liftDeny } from '../counters/client'
import { unblockSource } from '../counters/unblock'
import { loadConfig } from '../config/load'

export const adminRoutes = new Hono<{ Bindings: Env }>()

const MAX_DENY_BODY = 4_096
const MAX_LABELS_BODY = 256 * 1024
const MAX_HISTORY_BODY = 256 * 1024
const MAX_EXPORT = 10_000

type C = Context<{ Bindings: Env }>

const refusals = new WeakMap<Request, string>()

/** Why an admin request was refused (its `error` code), for the decision log line; undefined if it was not. */
export function adminRefusal(request: Request): string | undefined {
  return refusals.get(request)
}

const problem = (c: C, status: 400 | 401 | 404 | 405 | 409 | 413 | 503 | 507, error: string, detail?: string) => {
  refusals.set(c.req.raw, error)
  return c.json(detail === undefined ? { error } : { error, detail }, status)
}

async function auth(c: C, next: () => Promise<void>) {
  c.header('cache-control', 'no-store')
  if (!(await bearerMatches(c.req.header('authorization'), c.env.EDGEWARD_ADMIN_TOKEN))) {
    c.header('www-authenticate', 'Bearer realm="edgeward-admin"')
    return problem(c, 401, 'unauthorized')
  }
  await next()
}
adminRoutes.use('/__edgeward/admin', auth)
adminRoutes.use('/__edgeward/admin/*', auth)

adminRoutes.get('/__edgeward/admin/stats', async (c) => c.json(await readStats(c.env, Date.now())))

adminRoutes.get('/__edgeward/admin/denylist', async (c) => {
  const now = Date.now()
  const limit = boundedInt(c.req.query('limit'), 1, MAX_EXPORT, 1_000)
  const r = await listDeny(c.env, now, limit)
  if (!r.ok) return problem(c, 503, 'unavailable')
  return c.json({ count: r.value.length, entries: r.value.map((e) => denyView(e, now)) })
})

adminRoutes.post('/__edgeward/admin/denylist', async (c) => {
  const now = Date.now()
  const body = await jsonBody(c.req.raw, MAX_DENY_BODY)
  if (!body.ok) return problem(c, body.status, body.error, body.detail)
  const entry = parseDenyAdd(body.value, now)
  if (!entry.ok) return problem(c, 400, entry.reason, entry.detail)
  const stored = await denySource(c.env, entry.value, now)
  if (!stored) return problem(c, 503, 'unavailable', 'the entry could not be stored durably')
  return c.json({ entry: denyView(entry.value, now) }, 201)
})

adminRoutes.delete('/__edgeward/admin/denylist', async (c) => {
  const q = c.req.query()
  let input: unknown
  if (q.kind !== undefined) {
    input = { kind: q.kind, value: q.kind === 'user_ip' ? { user: q.user ?? '', ip: q.ip ?? '' } : (q.value ?? '') }
  } else {
    const body = await jsonBody(c.req.raw, MAX_DENY_BODY)
    if (!body.ok) return problem(c, body.status, body.error, body.detail)
    input = body.value
  }
  const target = parseDenyRemove(input)
  if (!target.ok) return problem(c, 400, target.reason, target.detail)
  const r = await liftDeny(c.env, target.value)
  if (!r.stored) return problem(c, 503, 'unavailable', 'the entry could not be removed everywhere')
  return r.found ? c.json({ removed: true }) : problem(c, 404, 'not_found')
})

// Unblock = lift the entry (if any) and forget the source's counts, so its next request is judged afresh
// (DELETE alone leaves the counts that listed it: its next request trips the same rule). Body as DELETE's.
adminRoutes.post('/__edgeward/admin/unblock', async (c) => {
  const body = await jsonBody(c.req.raw, MAX_DENY_BODY)
  if (!body.ok) return problem(c, body.status, body.error, body.detail)
  const target = parseDenyRemove(body.value)
  if (!target.ok) return problem(c, 400, target.reason, target.detail)
  const { config } = await loadConfig(c.env.EDGEWARD_CONFIG, Date.now())
  const r = await unblockSource(c.env, target.value, config.source.counters.ipv6_prefix_bits)
  if (!r.stored) return problem(c, 503, 'unavailable', 'the source could not be unblocked everywhere')
  return c.json({ lifted: r.lifted, forgot: r.forgot })
})

adminRoutes.get('/__edgeward/admin/labels', async (c) => {
  const after = boundedInt(c.req.query('after'), 0, Number.MAX_SAFE_INTEGER, 0)
  const limit = boundedInt(c.req.query('limit'), 1, MAX_EXPORT, MAX_EXPORT)
  const r = await adminCall(() => registry(c.env).exportLabels(after, limit))
  if (!r.ok) return problem(c, 503, 'unavailable')
  const text = r.value.map((l) => JSON.stringify(l)).join('\n')
  return c.body(text === '' ? '' : `${text}\n`, 200, { 'content-type': 'application/x-ndjson; charset=utf-8' })
})

adminRoutes.post('/__edgeward/admin/labels', async (c) => {
  const text = await readCappedText(c.req.raw, MAX_LABELS_BODY)
  if (!text.ok) return problem(c, text.reason === 'too_large' ? 413 : 400, text.reason, text.detail)
  const labels = parseLabels(text.value)
  if (!labels.ok) return problem(c, 400, labels.reason, labels.detail)
  const r = await adminCall(() => registry(c.env).addLabels(labels.value, Date.now()))
  if (!r.ok) return problem(c, 503, 'unavailable')
  if (r.value.full) return problem(c, 507, 'label_store_full')
  return c.json({ added: r.value.added, total: r.value.total }, 201)
})

// An account's past from the operator's own login log (src/counters/history.ts): which networks,
// countries and devices each account was let in from in the last 30 days, so `unfamiliar_sign_in`
// works from the first day. Idempotent: a batch sent twice remembers the same places.
adminRoutes.post('/__edgeward/admin/history', async (c) => {
  const body = await jsonBody(c.req.raw, MAX_HISTORY_BODY)
  if (!body.ok) return problem(c, body.status, body.error, body.detail)
  const entries = parseHistory(body.value)
  if (!entries.ok) return problem(c, 400, entries.reason, entries.detail)
  const r = await importHistory(c.env, entries.value, Date.now())
  if (!r.ok && r.reason === 'no_user_hash_key') return problem(c, 409, 'no_user_hash_key', 'set the EDGEWARD_USER_HASH_KEY secret first: without it no imported account could be found again')
  if (!r.ok) return problem(c, 503, 'unavailable', 'some accounts could not be written; sending the batch again is safe')
  return c.json(r.value)
})

for (const [path, allow] of [
  ['/__edgeward/admin/stats', 'GET'],
  ['/__edgeward/admin/denylist', 'GET, POST, DELETE'],
  ['/__edgeward/admin/labels', 'GET, POST'],
  ['/__edgeward/admin/unblock', 'POST'],
  ['/__edgeward/admin/history', 'POST'],
] as const) {
  adminRoutes.all(path, (c) => {
    c.header('allow', allow)
    return problem(c, 405, 'method_not_allowed')
  })
}
adminRoutes.all('/__edgeward/admin', (c) => problem(c, 404, 'not_found'))
adminRoutes.all('/__edgeward/admin/*', (c) => problem(c, 404, 'not_found'))
adminRoutes.onError((_e, c) => problem(c, 503, 'unavailable'))

type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413; error: string; detail?: string }

async function jsonBody(req: Request, max: number): Promise<JsonBody> {
  const text = await readCappedText(req, max)
  if (!text.ok) return { ok: false, status: text.reason === 'too_large' ? 413 : 400, error: text.reason, detail: text.detail ?? '' }
  try {
    return { ok: true, value: JSON.parse(text.value) as unknown }
  } catch {
    return { ok: false, status: 400, error: 'bad_json', detail: 'body is not valid JSON' }
  }
}

function boundedInt(text: string | undefined, min: number, max: number, fallback: number): number {
  const n = text === undefined ? Number.NaN : Number(text)
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback
}
