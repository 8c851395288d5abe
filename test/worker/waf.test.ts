// Takes deny entries and lifts through the registry with a local stand-in of the Cloudflare Lists
// API; checks what reaches the account IP List: one batched write for many adds, a lift deleting
// edgeward's item, a 429 retried after its Retry-After, an IP already listed left alone, device and
// username+IP entries never sent, an expired entry taken off, and decisions unaffected by an outage.
import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import ipaddr from 'ipaddr.js'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { denyKey, type DenyEntry, type DenyTarget } from '../../src/counters/deny'
import { REGISTRY_NAME } from '../../src/counters/keys'
import { DEFAULT_WAF_API_BASE, setWafSettingsForTests, wafSettings } from '../../worker/waf/settings'
import { getMeta } from '../../worker/counters/schema'
import { WAF_BATCH_MS, WAF_SYNC_GUARD_MS, wafIpOf } from '../../worker/waf/sync'
import { callWorker } from '../support/worker'

const T0 = Date.UTC(2100, 0, 1)
const BASE = 'http://cf-api.test/client/v4'
const LIST = `/accounts/acc1/rules/lists/list1`

interface Item {
  id: string
  ip: string
  comment: string
}

/** An account IP List behind the documented endpoints; `fail` answers the next calls with a status instead. */
class StandInApi {
  items: Item[] = []
  calls: { method: string; path: string; body: unknown }[] = []
  /** The next calls (of `method`, when given) answer this status instead. */
  fail: { status: number; retryAfter?: string; method?: string }[] = []
  #seq = 0
  pageSize = 2
  /** While set, every call waits for it before answering (an API that is slow to answer). */
  hold: Promise<void> | null = null

  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init)
    const url = new URL(req.url)
    const path = url.pathname.replace('/client/v4', '')
    const body: unknown = req.method === 'GET' ? null : await req.json()
    this.calls.push({ method: req.method, path, body })
    if (this.hold !== null) await this.hold
    if (req.headers.get('authorization') !== 'Bearer tok') return Response.json({ success: false, errors: [{ code: 10000, message: 'auth' }] }, { status: 403 })
    const fi = this.fail.findIndex((f) => f.method === undefined || f.method === req.method)
    const f = fi < 0 ? undefined : this.fail.splice(fi, 1)[0]
    if (f !== undefined) return new Response('{"success":false}', { status: f.status, headers: f.retryAfter === undefined ? {} : { 'retry-after': f.retryAfter } })
    const ok = (result: unknown, extra: object = {}) => Response.json({ success: true, errors: [], messages: [], result, ...extra })
    if (path === `${LIST}/items` && req.method === 'GET') {
      const from = Number(url.searchParams.get('cursor') ?? '0')
      const page = this.items.slice(from, from + this.pageSize)
      const after = from + this.pageSize < this.items.length ? String(from + this.pageSize) : undefined
      return ok(page, { result_info: { cursors: after === undefined ? {} : { after } } })
    }
    if (path === `${LIST}/items` && req.method === 'POST') {
      // The API checks every item and refuses the whole write for one it cannot list.
      if ((body as { ip: string }[]).some((i) => !listable(i.ip))) return Response.json({ success: false, errors: [{ code: 10001, message: 'invalid ip' }] }, { status: 400 })
      for (const i of body as { ip: string; comment: string }[]) this.items.push({ id: `item${++this.#seq}`, ip: i.ip, comment: i.comment })
      return ok({ operation_id: `op${this.#seq}` })
    }
    if (path === `${LIST}/items` && req.method === 'DELETE') {
      const ids = new Set((body as { items: { id: string }[] }).items.map((i) => i.id))
      this.items = this.items.filter((i) => !ids.has(i.id))
      return ok({ operation_id: `op-del${++this.#seq}` })
    }
    if (path.startsWith('/accounts/acc1/rules/lists/bulk_operations/')) return ok({ id: path.split('/').pop(), status: 'completed' })
    return Response.json({ success: false }, { status: 404 })
  }

  writes(): { method: string; body: unknown }[] {
    return this.calls.filter((c) => c.method === 'POST' || c.method === 'DELETE')
  }
}

/** What an IP List takes: an IPv4 address in dotted decimal, or an IPv6 network /12–/64 with no host bits set. */
function listable(ip: string): boolean {
  if (!ip.includes('/')) return ipaddr.IPv4.isValidFourPartDecimal(ip) && ip.split('.').every((o) => o === String(Number(o)))
  try {
    const [addr, bits] = ipaddr.parseCIDR(ip)
    return addr.kind() === 'ipv6' && bits >= 12 && bits <= 64 && ipaddr.IPv6.networkAddressFromCIDR(ip).toString() === (addr as ipaddr.IPv6).toString()
  } catch {
    return false
  }
}

let api: StandInApi
let errorLines: string[]
let n = 0
/** A registry of the test's own, so tests do not see each other's queues. */
const ownRegistry = () => env.REGISTRY.get(env.REGISTRY.idFromName(`waf-test-${++n}`))
const entry = (target: DenyTarget, ttlS: number, reason = 'credential_stuffing', at = T0): DenyEntry => ({ target, reason, createdAt: at, expiresAt: at + ttlS * 1000 })

beforeEach(() => {
  errorLines = []
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void errorLines.push(String(line)))
  api = new StandInApi()
  setWafSettingsForTests({ token: 'tok', accountId: 'acc1', listId: 'list1', baseUrl: BASE, fetch: api.fetch })
})
afterEach(() => {
  setWafSettingsForTests(undefined)
  vi.restoreAllMocks()
})

describe('deny entries to the Cloudflare IP List', () => {
  it('sends a burst of IP denials as one write, with comments naming edgeward and the expiry', async () => {
    const reg = ownRegistry()
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.1' }, 600))
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.2' }, 3_600, 'manual'))
    await reg.indexDeny(entry({ kind: 'ip', ip: '2001:db8:1:2::/64' }, 600))
    expect(api.calls).toHaveLength(0) // nothing on the caller's path: the alarm sends
    expect(await runDurableObjectAlarm(reg)).toBe(true)
    const posts = api.writes()
    expect(posts).toHaveLength(1)
    expect(posts[0]!.method).toBe('POST')
    expect(posts[0]!.body).toEqual([
      { ip: '198.51.100.1', comment: `edgeward until ${new Date(T0 + 600_000).toISOString()}: credential_stuffing` },
      { ip: '198.51.100.2', comment: `edgeward until ${new Date(T0 + 3_600_000).toISOString()}: manual` },
      { ip: '2001:db8:1:2::/64', comment: `edgeward until ${new Date(T0 + 600_000).toISOString()}: credential_stuffing` },
    ])
    expect(api.calls.some((c) => c.path.includes('/bulk_operations/'))).toBe(true) // the write was waited for
    expect(await reg.wafStatus()).toMatchObject({ configured: true, queued: 0, added: 3, failures: 0, last_ok_at: T0 + WAF_BATCH_MS })
  })

  it('never sends device or username+IP entries (they do not block the address)', async () => {
    const reg = ownRegistry()
    await reg.indexDeny(entry({ kind: 'device', device: 'dev-1' }, 600))
    await reg.indexDeny(entry({ kind: 'user_ip', user: 'u-hash', ip: '198.51.100.9' }, 600))
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.10' }, 600))
    await runDurableObjectAlarm(reg)
    expect(api.items.map((i) => i.ip)).toEqual(['198.51.100.10'])
    // A lift of either queues nothing.
    await reg.unindexDeny(denyKey({ kind: 'device', device: 'dev-1' }), T0 + 1_000)
    await reg.unindexDeny(denyKey({ kind: 'user_ip', user: 'u-hash', ip: '198.51.100.9' }), T0 + 1_000)
    expect((await reg.wafStatus()).queued).toBe(0)
    expect(wafIpOf({ kind: 'ip', ip: '2001:db8::1' })).toBeNull() // an IPv6 key finer than /64: the list refuses it
  })

  it('lifts by deleting edgeward\'s item for that IP, and a lift of an IP not listed sends nothing', async () => {
    const reg = ownRegistry()
    const target: DenyTarget = { kind: 'ip', ip: '198.51.100.20' }
    await reg.indexDeny(entry(target, 600))
    await runDurableObjectAlarm(reg)
    const id = api.items[0]!.id
    expect(await reg.unindexDeny(denyKey(target), T0 + 10_000)).toBe(true)
    await reg.unindexDeny(denyKey({ kind: 'ip', ip: '198.51.100.21' }), T0 + 10_000)
    await runDurableObjectAlarm(reg)
    expect(api.writes().slice(1)).toEqual([{ method: 'DELETE', path: `${LIST}/items`, body: { items: [{ id }] } }])
    expect(api.items).toEqual([])
    expect(await reg.wafStatus()).toMatchObject({ queued: 0, lifted: 1 })
  })

  it('leaves an IP already on the list alone: no second add, and a lift never deletes an item edgeward did not write', async () => {
    const reg = ownRegistry()
    api.items.push({ id: 'x2', ip: '192.0.2.200', comment: 'other' }, { id: 'x3', ip: '192.0.2.201', comment: 'other' }, { id: 'x1', ip: '198.51.100.40', comment: 'put here by hand' })
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.40' }, 600))
    await runDurableObjectAlarm(reg)
    expect(api.writes()).toEqual([]) // found on the list's second page (the stand-in pages by 2)
    await reg.unindexDeny(denyKey({ kind: 'ip', ip: '198.51.100.40' }), T0 + 5_000)
    await runDurableObjectAlarm(reg)
    expect(api.writes()).toEqual([])
    expect(api.items.map((i) => i.id)).toEqual(['x2', 'x3', 'x1'])
    expect((await reg.wafStatus()).queued).toBe(0)
  })

  it('keeps the batch on a 429, waits its Retry-After, then sends it once', async () => {
    const reg = ownRegistry()
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.30' }, 3_600))
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.31' }, 3_600))
    api.fail.push({ status: 429, retryAfter: '30', method: 'POST' }) // the list read passes, the write is refused
    await runDurableObjectAlarm(reg)
    const failed = await reg.wafStatus()
    expect(failed).toMatchObject({ queued: 2, failures: 1, last_error: 'http_429', last_error_at: T0 + WAF_BATCH_MS, added: 0 })
    expect(failed.next_attempt_at).toBe(T0 + WAF_BATCH_MS + 30_000) // Retry-After (30 s) over the first backoff (5 s)
    expect(errorLines.map((l) => JSON.parse(l) as unknown)).toEqual([{ event: 'waf_sync_error', error: 'http_429', failures: 1, pending: 2, retry_at: T0 + WAF_BATCH_MS + 30_000 }])
    expect(errorLines.join()).not.toContain('tok') // never the token
    expect(api.items).toEqual([])
    expect(await runDurableObjectAlarm(reg)).toBe(true)
    expect(api.items.map((i) => i.ip)).toEqual(['198.51.100.30', '198.51.100.31'])
    expect(await reg.wafStatus()).toMatchObject({ queued: 0, failures: 0, added: 2, last_ok_at: T0 + WAF_BATCH_MS + 30_000, last_error: 'http_429' })
  })

  it('backs off further on each 5xx and never drops the batch', async () => {
    const reg = ownRegistry()
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.50' }, 86_400))
    api.fail.push({ status: 503 }, { status: 500 })
    await runDurableObjectAlarm(reg)
    expect(await reg.wafStatus()).toMatchObject({ failures: 1, last_error: 'http_5xx', next_attempt_at: T0 + WAF_BATCH_MS + 5_000 })
    await runDurableObjectAlarm(reg)
    expect(await reg.wafStatus()).toMatchObject({ failures: 2, next_attempt_at: T0 + WAF_BATCH_MS + 5_000 + 10_000 })
    await runDurableObjectAlarm(reg)
    expect(api.items.map((i) => i.ip)).toEqual(['198.51.100.50'])
    expect((await reg.wafStatus()).failures).toBe(0)
  })

  it('takes an entry off the list when it expires from the deny list', async () => {
    const reg = ownRegistry()
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.60' }, 60))
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.61' }, 600))
    await runDurableObjectAlarm(reg) // the adds (at T0 + 2 s)
    expect(api.items).toHaveLength(2)
    expect(await runDurableObjectAlarm(reg)).toBe(true) // the first expiry, T0 + 60 s
    expect(api.items.map((i) => i.ip)).toEqual(['198.51.100.61'])
    expect(api.writes().at(-1)?.method).toBe('DELETE')
    expect(await reg.listDeny(T0 + 60_000)).toHaveLength(1)
  })

  it('turns an add still waiting at its expiry (an outage) into a lift: nothing is left behind', async () => {
    const reg = ownRegistry()
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.70' }, 10))
    for (let i = 0; i < 3; i++) api.fail.push({ status: 502 })
    for (let i = 0; i < 4; i++) await runDurableObjectAlarm(reg)
    expect(api.calls.filter((c) => c.method === 'POST')).toEqual([])
    expect(api.items).toEqual([])
    expect((await reg.wafStatus()).queued).toBe(0)
  })

  it('sends only what the list can take: a key that is no address never goes, so it cannot fail the write of the good ones', async () => {
    const reg = ownRegistry()
    // Keys as the counters make them: the raw text when a client's IP did not parse (a CF-Connecting-IP
    // a client set under wrangler dev), an IPv6 network; beside them an ordinary address.
    for (const ip of ['999.1.1.1', '01.2.3.4', '2001:db8::1/64', 'fe80::/64x', '198.51.100.100', '2001:db8:5:6::/64']) await reg.indexDeny(entry({ kind: 'ip', ip }, 600))
    expect(await runDurableObjectAlarm(reg)).toBe(true)
    expect(api.items.map((i) => i.ip)).toEqual(['198.51.100.100', '2001:db8:5:6::/64'])
    expect(await reg.wafStatus()).toMatchObject({ queued: 0, added: 2, failures: 0 })
    for (const ip of ['999.1.1.1', '01.2.3.4', '1.2.3.4.5', '2001:db8::1/64', '2001:db8::/8', '2001:db8::/65', ':::/64', '2001:DB8::/64x']) expect(wafIpOf({ kind: 'ip', ip }), ip).toBeNull()
    expect(wafIpOf({ kind: 'ip', ip: '2001:DB8::/48' })).toBe('2001:db8::/48')
  })

  it('sets the next expiry\'s alarm before the sync waits on the API, so a run cut short there leaves one', async () => {
    const reg = ownRegistry()
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.110' }, 600))
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.111' }, 3_600))
    let release = () => {}
    api.hold = new Promise<void>((resolve) => (release = resolve))
    const run = runDurableObjectAlarm(reg) // the adds, at T0 + 2 s: the list read hangs
    await vi.waitFor(() => expect(api.calls.length).toBeGreaterThan(0))
    // Mid-sync: were the run cut short now (a deploy, the alarm's time limit), this is the alarm left.
    const midSync = await runInDurableObject(reg, async (_i, state) => ({ at: getMeta(state.storage.sql, 'alarm_at'), alarm: await state.storage.getAlarm() }))
    expect(midSync).toEqual({ at: T0 + 600_000, alarm: T0 + 600_000 })
    api.hold = null
    release()
    expect(await run).toBe(true)
    expect(api.items.map((i) => i.ip)).toEqual(['198.51.100.110', '198.51.100.111'])
    // Still the first expiry next, its lift then sent.
    expect(await runInDurableObject(reg, (_i, state) => getMeta(state.storage.sql, 'alarm_at'))).toBe(T0 + 600_000)
    await runDurableObjectAlarm(reg)
    expect(api.items.map((i) => i.ip)).toEqual(['198.51.100.111'])
  })

  it('with rows still queued and no expiry sooner, the mid-sync alarm is a retry once the longest run could have ended', async () => {
    const reg = ownRegistry()
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.120' }, 86_400))
    let release = () => {}
    api.hold = new Promise<void>((resolve) => (release = resolve))
    const run = runDurableObjectAlarm(reg)
    await vi.waitFor(() => expect(api.calls.length).toBeGreaterThan(0))
    expect(await runInDurableObject(reg, (_i, state) => getMeta(state.storage.sql, 'alarm_at'))).toBe(T0 + WAF_BATCH_MS + WAF_SYNC_GUARD_MS)
    api.hold = null
    release()
    await run
    expect(api.items.map((i) => i.ip)).toEqual(['198.51.100.120'])
  })

  it('queues nothing and calls nothing when not configured', async () => {
    setWafSettingsForTests(null)
    const reg = ownRegistry()
    await reg.indexDeny(entry({ kind: 'ip', ip: '198.51.100.80' }, 60))
    await runDurableObjectAlarm(reg)
    expect(api.calls).toEqual([])
    expect(await reg.wafStatus()).toMatchObject({ configured: false, queued: 0 })
  })
})

describe('the sync\'s settings from the env', () => {
  it('is on only with the token, account and list all set, and ids that fit a URL path', () => {
    setWafSettingsForTests(undefined)
    const all = { EDGEWARD_CF_API_TOKEN: 'tok', EDGEWARD_WAF_ACCOUNT_ID: 'acc1', EDGEWARD_WAF_LIST_ID: 'list1' }
    expect(wafSettings(all)).toMatchObject({ token: 'tok', accountId: 'acc1', listId: 'list1', baseUrl: DEFAULT_WAF_API_BASE })
    expect(wafSettings({ ...all, EDGEWARD_WAF_API_BASE: 'http://127.0.0.1:9999/client/v4/' })?.baseUrl).toBe('http://127.0.0.1:9999/client/v4')
    for (const k of Object.keys(all)) expect(wafSettings({ ...all, [k]: undefined }), k).toBeNull()
    expect(wafSettings({ ...all, EDGEWARD_CF_API_TOKEN: '' })).toBeNull()
    expect(wafSettings({ ...all, EDGEWARD_WAF_LIST_ID: '../../zones/x' })).toBeNull()
    expect(wafSettings({ ...all, EDGEWARD_WAF_API_BASE: 'ftp://x' })).toBeNull()
    // The token rides in every call: plain http only to a loopback stand-in, never across a network.
    expect(wafSettings({ ...all, EDGEWARD_WAF_API_BASE: 'http://api.cloudflare.com/client/v4' })).toBeNull()
    expect(wafSettings({ ...all, EDGEWARD_WAF_API_BASE: 'http://127.0.0.1.evil.example/client/v4' })).toBeNull()
    expect(wafSettings({ ...all, EDGEWARD_WAF_API_BASE: 'http://localhost:8788/client/v4' })?.baseUrl).toBe('http://localhost:8788/client/v4')
    expect(wafSettings({ ...all, EDGEWARD_WAF_API_BASE: 'https://proxy.example/client/v4' })?.baseUrl).toBe('https://proxy.example/client/v4')
    expect(wafSettings(env)).toBeNull() // the test bindings configure none: other tests queue nothing
  })
})

describe('the IP List sync through the Worker', () => {
  const auth = { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' }
  const registry = () => env.REGISTRY.get(env.REGISTRY.idFromName(REGISTRY_NAME))

  it('an admin denial is answered at once, blocks, and shows in GET stats while the API is down', async () => {
    api.fail = Array.from({ length: 20 }, () => ({ status: 500 }))
    const add = await callWorker('/__edgeward/admin/denylist', { method: 'POST', headers: auth, body: JSON.stringify({ kind: 'ip', value: '198.51.100.90', ttl_s: 600 }) })
    expect(add.response.status).toBe(201)
    expect(api.calls).toEqual([]) // not on the admin call's path either
    const blocked = await callWorker('/products', {}, { clientIp: '198.51.100.90' })
    expect(blocked.response.status).toBe(403)
    const other = await callWorker('/products', {}, { clientIp: '198.51.100.91' })
    expect(other.response.status).toBe(200)
    // The alarm (due 2 s after the denial, real time here) may also run by itself: either way it fails.
    await runDurableObjectAlarm(registry())
    const stats = (await (await callWorker('/__edgeward/admin/stats', { headers: auth })).response.json()) as { waf: Record<string, unknown> }
    expect(stats.waf).toMatchObject({ configured: true, queued: 1, last_error: 'http_5xx' })
    expect(stats.waf.failures).toBeGreaterThanOrEqual(1)
    // Still blocked at the edge: the list is an extra, never the enforcement.
    expect((await callWorker('/products', {}, { clientIp: '198.51.100.90' })).response.status).toBe(403)
    api.fail = []
    await runDurableObjectAlarm(registry())
    await vi.waitFor(() => expect(api.items.map((i) => i.ip)).toEqual(['198.51.100.90']))
    const lift = await callWorker('/__edgeward/admin/denylist?kind=ip&value=198.51.100.90', { method: 'DELETE', headers: auth })
    expect(lift.response.status).toBe(200)
    await runDurableObjectAlarm(registry())
    await vi.waitFor(() => expect(api.items).toEqual([]))
  })
})
