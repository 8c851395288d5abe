// POST /__edgeward/collect: takes SDK telemetry (application/json, ≤ 16 KB, strict schema),
// answers 204 + Set-Cookie __edgeward=<signed device token>, or 400 with a generic error.
// Never stores anything on bad input; the reason goes to collectOutcome(), never to the client.
import { Hono } from 'hono'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { DEVICE_ID_PATTERN } from '../../src/signals/deviceClaims'
import { deviceSetCookie, readDeviceCookie } from '../../src/signals/deviceCookie'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import { decodeTelemetry, TELEMETRY_MAX_BYTES } from '../../src/signals/telemetry'
import { readCappedBody } from '../body'

export const COLLECT_PATH = '/__edgeward/collect'

export const COLLECT_PROBLEMS = [
  'content_type', 'cross_site', 'too_large', 'empty', 'not_json', 'bad_telemetry', 'inconsistent', 'no_keys', 'sign_failed',
] as const
export type CollectProblem = (typeof COLLECT_PROBLEMS)[number]

export type CollectOutcome =
  | { readonly ok: true; readonly deviceId: string; readonly newDevice: boolean; readonly previous: 'missing' | 'invalid' | 'valid' | 'replayed' }
  | { readonly ok: false; readonly reason: CollectProblem; readonly detail?: string }

const outcomes = new WeakMap<Request, CollectOutcome>()

/** What happened on a collect request (for the decision log line); undefined if not a collect. */
export function collectOutcome(request: Request): CollectOutcome | undefined {
  return outcomes.get(request)
}

/** 16 random bytes as base64url (22 characters). */
function newDeviceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  const id = btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  if (!DEVICE_ID_PATTERN.test(id)) throw new TypeError('device id encoding')
  return id
}

function isJson(contentType: string | null): boolean {
  const [type = '', ...params] = (contentType ?? '').toLowerCase().split(';').map((s) => s.trim())
  if (type !== 'application/json') return false
  return params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8' || p === 'charset="utf-8"')
}

const NO_STORE = { 'cache-control': 'no-store' } as const

export const collectRoutes = new Hono<{ Bindings: Env }>()

collectRoutes.post(COLLECT_PATH, async (c) => {
  const req = c.req.raw
  const fail = (reason: CollectProblem, detail?: string): Response => {
    outcomes.set(req, detail === undefined ? { ok: false, reason } : { ok: false, reason, detail })
    return c.json({ error: 'bad_request' }, 400, NO_STORE)
  }
  if (!isJson(req.headers.get('content-type'))) return fail('content_type')
  if (req.headers.get('sec-fetch-site') === 'cross-site') return fail('cross_site')
  const declared = Number(req.headers.get('content-length') ?? '0')
  if (declared > TELEMETRY_MAX_BYTES) return fail('too_large')
  const bytes = await readCappedBody(req.body, TELEMETRY_MAX_BYTES)
  if (bytes === 'too_large') return fail('too_large')
  if (bytes.byteLength === 0) return fail('empty')
  const telemetry = decodeTelemetry(bytes)
  if (!telemetry.ok) return fail(telemetry.reason, telemetry.detail)

  const now = Date.now()
  const keys = await loadCookieKeys(c.env.EDGEWARD_COOKIE_KEYS)
  if (!keys.ok) {
    // No secret (or a bad one): never a built-in key — answer without a cookie.
    outcomes.set(req, { ok: false, reason: 'no_keys', detail: keys.reason })
    return c.body(null, 204, NO_STORE)
  }
  const binding = await bindingHashes(req.headers.get('user-agent'), req.headers.get('cf-connecting-ip'))
  const prior = await verifyDeviceToken(readDeviceCookie(req.headers.get('cookie')), keys, { now, ...binding })
  // A replayed cookie is not carried over: the new client gets a new device id.
  const keep = prior.kind === 'valid' && !prior.replayed ? prior : null
  const deviceId = keep?.deviceId ?? newDeviceId()
  let token: string
  try {
    token = await issueDeviceToken({ deviceId, firstSeen: keep?.firstSeen ?? now, now, telemetry: telemetry.value, ...binding }, keys.value)
  } catch (e) {
    outcomes.set(req, { ok: false, reason: 'sign_failed', detail: e instanceof Error ? e.message.slice(0, 120) : undefined })
    return c.body(null, 204, NO_STORE)
  }
  const previous = prior.kind === 'valid' ? (prior.replayed ? 'replayed' : 'valid') : prior.kind
  outcomes.set(req, { ok: true, deviceId, newDevice: keep === null, previous })
  return c.body(null, 204, { ...NO_STORE, 'set-cookie': deviceSetCookie(token, req.url) })
})
