// Cold config (issue 12 item 8): a fresh isolate whose first `config` read misses its budget runs
// the last good config (read in parallel, same budget), or — when that is late too — the bundled
// rules in shadow with deny-list hits still blocked; never the bundled config in enforce. The
// decision line's `missing` says which. KV here is the real namespace behind a slow stub.
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { resetConfigCacheForTests } from '../../worker/config/load'
import { callWorker, clearConfig } from '../support/worker'

afterEach(clearConfig)

const CURL_LOGIN = { method: 'POST', body: 'username=a%40example.com&password=b', headers: { 'user-agent': 'curl/8.5.0', 'content-type': 'application/x-www-form-urlencoded' } }
const ADMIN = { authorization: 'Bearer test-admin-token', 'content-type': 'application/json' }

/** The real KV, except that reads of the named keys answer only after `delayMs` (past the 50 ms budget). */
function slowKv(slowKeys: readonly string[], delayMs = 400): KVNamespace {
  const kv = env.EDGEWARD_CONFIG
  const late = <T>(p: () => Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => p().then(resolve, reject), delayMs))
  const stub = {
    get: (key: string, opts?: unknown) => (slowKeys.includes(key) ? late(() => kv.get(key, opts as never)) : kv.get(key, opts as never)),
    getWithMetadata: (key: string, opts?: unknown) => kv.getWithMetadata(key, opts as never),
    put: (key: string, value: string, opts?: KVNamespacePutOptions) => kv.put(key, value, opts),
    delete: (key: string) => kv.delete(key),
    list: (opts?: KVNamespaceListOptions) => kv.list(opts),
  }
  return stub as unknown as KVNamespace
}

/** A good config accepted by a warm isolate (which stores it as last good), then a brand-new isolate. */
async function acceptedThenCold(config: object): Promise<void> {
  await env.EDGEWARD_CONFIG.put('config', JSON.stringify(config))
  resetConfigCacheForTests()
  await callWorker('/__edgeward/health')
  expect(await env.EDGEWARD_CONFIG.get('config:last-good')).toBe(JSON.stringify(config))
  resetConfigCacheForTests()
}

describe('a cold isolate whose first config read is late', () => {
  it('runs the last good config when only config:last-good answers in time', async () => {
    await acceptedThenCold({ version: 'op-7', mode: 'shadow', deny: { ips: ['198.51.100.0/24'], asns: [] } })
    const kv = slowKv(['config'])
    const call = await callWorker('/login', CURL_LOGIN, { env: { EDGEWARD_CONFIG: kv } })
    // Shadow stays shadow: forwarded, logged as what enforce would do.
    expect(call.response.status).toBe(200)
    expect(call.logs[0]).toMatchObject({ config: 'op-7', mode: 'shadow', action: 'allow', would_action: 'block' })
    expect(call.logs[0]?.missing).toContain('config_cold_last_good')
    // The operator's deny list from that config is in force too.
    const denied = await callWorker('/products/1', {}, { env: { EDGEWARD_CONFIG: kv }, clientIp: '198.51.100.9' })
    expect(denied.logs[0]).toMatchObject({ config: 'op-7', would_action: 'block', reasons: ['deny_ip'] })
  })

  it('runs the bundled rules in shadow, never enforce, when neither key answers in time', async () => {
    await acceptedThenCold({ version: 'op-8', mode: 'shadow' })
    const call = await callWorker('/login', CURL_LOGIN, { env: { EDGEWARD_CONFIG: slowKv(['config', 'config:last-good']) } })
    expect(call.response.status).toBe(200)
    expect(call.logs[0]).toMatchObject({ config: 'bundled-1-cold-shadow', mode: 'shadow', action: 'allow', would_action: 'block' })
    expect(call.logs[0]?.missing).toContain('config_cold_bundled_shadow')
  })

  it('still blocks a deny-listed source under the bundled shadow fallback (deny lists fail closed)', async () => {
    const ip = '192.0.2.77'
    const added = await callWorker('/__edgeward/admin/denylist', { method: 'POST', headers: ADMIN, body: JSON.stringify({ kind: 'ip', value: ip, ttl_s: 600, reason: 'manual' }) })
    expect(added.response.status).toBe(201)
    resetConfigCacheForTests()
    const call = await callWorker('/products/1', {}, { env: { EDGEWARD_CONFIG: slowKv(['config', 'config:last-good']) }, clientIp: ip })
    expect(call.response.status).toBe(403)
    expect(call.logs[0]).toMatchObject({ action: 'block', source: 'deny_list', reasons: ['deny_ip'] })
    expect(call.logs[0]?.missing).toContain('config_cold_bundled_shadow')
  })

  it('switches to the stored config once a read answers in time', async () => {
    await acceptedThenCold({ version: 'op-9', mode: 'off' })
    const slow = await callWorker('/products/2', {}, { env: { EDGEWARD_CONFIG: slowKv(['config']) } })
    expect(slow.logs[0]?.missing).toContain('config_cold_last_good')
    await new Promise((r) => setTimeout(r, 1_100)) // the retry interval after a failed read
    const warm = await callWorker('/products/2')
    expect(warm.logs[0]).toMatchObject({ config: 'op-9', mode: 'off' })
    expect(warm.logs[0]?.missing).not.toContain('config_cold_last_good')
  })

  it('a warm isolate keeps the config it has when a later read is late', async () => {
    await acceptedThenCold({ version: 'op-10', mode: 'shadow' })
    await callWorker('/products/3')
    await new Promise((r) => setTimeout(r, 10_100)) // past the 10 s cache
    const call = await callWorker('/products/3', {}, { env: { EDGEWARD_CONFIG: slowKv(['config', 'config:last-good']) } })
    expect(call.logs[0]).toMatchObject({ config: 'op-10', mode: 'shadow' })
    expect(call.logs[0]?.missing).toContain('config_unavailable')
  }, 20_000)
})
