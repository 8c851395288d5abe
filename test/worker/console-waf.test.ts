// The Cloudflare IP List sync's state on the console (overview and deny list) through the real fetch
// handler: the same figures `GET /__edgeward/admin/stats` returns as `waf` — off when not configured;
// configured, failing, with its queue, last success, last error (escaped) and counts when it is.
import { env, runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it } from 'vitest'
import { REGISTRY_NAME } from '../../src/counters/keys'
import { setMeta } from '../../worker/counters/schema'
import { setWafSettingsForTests } from '../../worker/waf/settings'
import type { WafStatus } from '../../worker/waf/sync'
import { callWorker } from '../support/worker'

const TOKEN = 'test-admin-token'
const SITE = 'https://console.edge.test'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
const C = '/__edgeward/console'
const registry = () => env.REGISTRY.get(env.REGISTRY.idFromName(REGISTRY_NAME))

async function signIn(): Promise<string> {
  const { response } = await callWorker(`${SITE}${C}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, 'sec-fetch-site': 'same-origin', 'user-agent': UA },
    body: `token=${encodeURIComponent(TOKEN)}`,
  })
  expect(response.status).toBe(303)
  return (response.headers.get('set-cookie') ?? '').split(';')[0]!
}

const page = async (path: string, cookie: string) => {
  const { response } = await callWorker(`${SITE}${path}`, { headers: { 'user-agent': UA, cookie } })
  expect(response.status, path).toBe(200)
  return response.text()
}
/** Just the panel, so the checks below cannot be met by another part of the page. */
const panel = (html: string) => /<section class="panel" aria-labelledby="waf-h" id="waf">[^]*?<\/section>/.exec(html)?.[0] ?? ''
const stats = async () =>
  ((await (await callWorker(`${SITE}/__edgeward/admin/stats`, { headers: { authorization: `Bearer ${TOKEN}`, 'user-agent': UA } })).response.json()) as { waf: WafStatus }).waf
const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`

afterEach(() => {
  setWafSettingsForTests(undefined)
})

describe('console: the WAF IP List sync', () => {
  it('says the sync is off when it is not configured', async () => {
    setWafSettingsForTests(null)
    const cookie = await signIn()
    expect((await stats()).configured).toBe(false)
    for (const path of [C, `${C}/denylist`]) {
      const p = panel(await page(path, cookie))
      expect(p, path).toContain('WAF IP List sync')
      expect(p, path).toContain('<strong>off</strong>')
      expect(p, path).toContain('not configured')
    }
  })

  it('shows the same figures as the admin stats: queue, next attempt, failures, last success, last error (escaped), counts; on once caught up', async () => {
    setWafSettingsForTests({ token: 'tok', accountId: 'acc1', listId: 'list1', baseUrl: 'http://cf-api.test/client/v4', fetch: async () => new Response('{}', { status: 500 }) })
    const T = Date.UTC(2026, 11, 7, 0, 30, 0)
    await runInDurableObject(registry(), (_i, state) => {
      const sql = state.storage.sql
      sql.exec('DELETE FROM waf_queue')
      for (const [i, ip] of ['198.51.100.1', '198.51.100.2', '198.51.100.3'].entries()) {
        sql.exec('INSERT INTO waf_queue (ip, op, reason, expires_at, due_at, ver) VALUES (?, ?, ?, ?, ?, ?)', ip, 'add', 'console', T + 86_400_000, T + 60_000 + i, i + 1)
      }
      setMeta(sql, 'waf_failures', 4)
      setMeta(sql, 'waf_last_ok_at', T - 3_600_000)
      setMeta(sql, 'waf_last_error', '<b>http_429</b>')
      setMeta(sql, 'waf_last_error_at', T - 5_000)
      setMeta(sql, 'waf_added', 1234)
      setMeta(sql, 'waf_lifted', 56)
      setMeta(sql, 'waf_dropped', 7)
    })
    const waf = await stats()
    expect(waf).toEqual({
      configured: true, queued: 3, next_attempt_at: T + 60_000, failures: 4, last_ok_at: T - 3_600_000,
      last_error: '<b>http_429</b>', last_error_at: T - 5_000, added: 1234, lifted: 56, dropped: 7,
    })
    const cookie = await signIn()
    for (const path of [C, `${C}/denylist`]) {
      const p = panel(await page(path, cookie))
      expect(p, path).toContain('<strong class="error">failing</strong>')
      expect(p, path).toContain('4 failed syncs in a row')
      expect(p, path).toContain(`3 IPs waiting; next attempt ${utc(waf.next_attempt_at!)}`)
      expect(p, path).toContain(`<dt>Last success</dt><dd>${utc(waf.last_ok_at!)}</dd>`)
      expect(p, path).toContain(`<code class="error">&#60;b&#62;http_429&#60;&#47;b&#62;</code> at ${utc(waf.last_error_at!)}`)
      expect(p, path).not.toContain('<b>')
      expect(p, path).toContain('1,234 added, 56 lifted, 7 dropped')
    }
    // Caught up (nothing queued, no failures since the last success): on, not off.
    await runInDurableObject(registry(), (_i, state) => {
      state.storage.sql.exec('DELETE FROM waf_queue')
      setMeta(state.storage.sql, 'waf_failures', 0)
    })
    expect(await stats()).toMatchObject({ configured: true, queued: 0, failures: 0 })
    const healthy = panel(await page(C, cookie))
    expect(healthy).toContain('<dt>State</dt><dd><strong>on</strong></dd>')
    expect(healthy).toContain('0 IPs waiting</dd>')
  })
})
