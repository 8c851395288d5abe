// POST /__edgeward/collect: takes SDK telemetry (application/json, ≤ 16 KB, strict schema),
// answers 204 + Set-Cookie __edgeward=<signed device token>, or 400 with a generic error.
// Never stores anything on bad input; the reason goes to collectOutcome(), never to the client.
// Identity costs (docs/identity.md): a new device is a counted mint (IP, prefix, ASN); a device is
// "proven" only by a valid, unused SDK nonce from a page view of this client — without one it is
// still issued (never a 500, never a missing cookie for a real browser) but marked unproven; and
// the telemetry's coarse fingerprint counts the devices that sent it (replay).
import { Hono } from 'hono'
import { ipPrefix } from '../../src/config/cidr'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { DEVICE_ID_PATTERN } from '../../src/signals/deviceClaims'
import { deviceSetCookie, readDeviceCookie } from '../../src/signals/deviceCookie'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { issueDeviceToken } from '../../src/signals/issueDeviceToken'
import type { SdkNonceProblem } from '../../src/signals/sdkNonce'
import { decodeTelemetry, TELEMETRY_MAX_BYTES } from '../../src/signals/telemetry'
import { telemetryFingerprint } from '../../src/signals/telemetryFingerprint'
import { readCappedBody } from '../body'
import { loadConfig } from '../config/load'
import { countMint, MINT_BUDGET_MS } from '../counters/mint'
import { readRequestFacts } from '../request'
import { carryBinding } from '../sessions'
import { SDK_NONCE_STORE_BUDGET_MS, spendSdkNonce } from '../sdk/nonce'
import { countTelemetrySeen, REPLAY_BUDGET_MS } from '../sdk/replay'

export const COLLECT_PATH = '/__edgeward/collect'

export const COLLECT_PROBLEMS = [
  'content_type', 'cross_site', 'too_large', 'empty', 'not_json', 'bad_telemetry', 'inconsistent', 'no_keys', 'sign_failed',
] as const
export type CollectProblem = (typeof COLLECT_PROBLEMS)[number]

/** How the device stands proven: by this collect's nonce, carried from its cookie, or why not. */
export type CollectProof = 'proven' | 'carried' | SdkNonceProblem

export type CollectOutcome =
  | {
      readonly ok: true
      readonly deviceId: string
      readonly newDevice: boolean
      readonly previous: 'missing' | 'invalid' | 'valid' | 'replayed'
      readonly proof: CollectProof
      /** Devices that sent this telemetry's fingerprint in the last hour; null: not fingerprinted or unknown. */
      readonly telemetrySeenDevices: number | null
      /** False when the mint could not be counted (counters late or failing); null when nothing was minted. */
      readonly mintCounted: boolean | null
    }
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
  const facts = readRequestFacts(req, c.env)
  const binding = await bindingHashes(req.headers.get('user-agent'), facts.ip)
  const prior = await verifyDeviceToken(readDeviceCookie(req.headers.get('cookie')), keys, { now, ...binding })
  // A replayed cookie is not carried over: the new client gets a new device id.
  const keep = prior.kind === 'valid' && !prior.replayed ? prior : null
  const deviceId = keep?.deviceId ?? newDeviceId()
  const fingerprint = await telemetryFingerprint(telemetry.value)
  // The operator's counter budget widens (never narrows) collect's own: collect is behind the page.
  const config = (await loadConfig(c.env.EDGEWARD_CONFIG, now).catch(() => null))?.config
  const counters = config?.source.counters
  const budget = counters?.budget_ms ?? 0
  // Independent calls, in parallel: each has its own budget and none can throw.
  const [proof, mint, seen] = await Promise.all([
    keep?.provenAt != null
      ? Promise.resolve<CollectProof>('carried')
      : spendSdkNonce(c.env, telemetry.value.nonce, binding, now, Math.max(SDK_NONCE_STORE_BUDGET_MS, budget)).then((r): CollectProof => (r.ok ? 'proven' : r.reason)),
    keep === null ? countMint(c.env, { ip: facts.ip, ipPrefix: ipPrefix(facts.ip), asn: facts.asn }, now, Math.max(MINT_BUDGET_MS, budget), { ipv6PrefixBits: counters?.ipv6_prefix_bits }) : Promise.resolve(undefined),
    fingerprint === null ? Promise.resolve(null) : countTelemetrySeen(c.env, fingerprint, deviceId, now, Math.max(REPLAY_BUDGET_MS, budget)),
  ])
  const provenAt = proof === 'carried' ? (keep?.provenAt ?? null) : proof === 'proven' ? now : null
  let token: string
  try {
    token = await issueDeviceToken(
      { deviceId, firstSeen: keep?.firstSeen ?? now, now, telemetry: telemetry.value, provenAt, telemetrySeenDevices: seen, ...binding },
      keys.value,
    )
  } catch (e) {
    outcomes.set(req, { ok: false, reason: 'sign_failed', detail: e instanceof Error ? e.message.slice(0, 120) : undefined })
    return c.body(null, 204, NO_STORE)
  }
  const previous = prior.kind === 'valid' ? (prior.replayed ? 'replayed' : 'valid') : prior.kind
  const mintCounted = mint === undefined ? null : mint !== null
  outcomes.set(req, { ok: true, deviceId, newDevice: keep === null, previous, proof, telemetrySeenDevices: seen, mintCounted })
  const cookies = [deviceSetCookie(token, req.url)]
  // A device re-issued under a new id keeps its session's binding (worker/sessions.ts carryBinding).
  if (prior.kind === 'valid' && keep === null) {
    const carried = config === undefined ? null : await carryBinding({ headers: req.headers, url: new URL(req.url), env: c.env, config, from: prior.deviceId, to: deviceId, now })
    if (carried !== null) cookies.push(carried)
  }
  return c.body(null, 204, { ...NO_STORE, 'set-cookie': cookies })
})
