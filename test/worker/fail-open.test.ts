// The fail-open table inside workerd, one test per row: counters, KV, model, config and pipeline
// failures forward (login bodies byte-identical) and say what failed; deny lists and signatures fail closed.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, test, vi } from 'vitest'
import { makeDenyEntry } from '../../src/counters/deny'
import { bindingHashes } from '../../src/signals/binding'
import { denySource, type CounterStub, type CountersEnv, type NamespaceLike, type ZoneStub } from '../../worker/counters/client'
import { DENY_VERIFY_MS } from '../../worker/counters/isolate'
import { resetConfigCacheForTests } from '../../worker/config/load'
import { resetModelCacheForTests } from '../../worker/model/active'
import { claims, ecPrivateKey, header, signES256, type PrivateJwk } from '../fixtures/tokens/forge'
import { callWorker, clearConfig, echoReply, writeConfig, type Call, type Seen } from '../support/worker'

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
const APP_UA = 'MyBank/3.1 (Android 14)'
let subnet = 40
/** A client address and a username no other test uses, so no counter history colours a decision. */
const freshIp = (): string => `198.18.${subnet++}.3`
let LOGIN_BODY = ''
function loginInit(): RequestInit {
  LOGIN_BODY = `username=fail-open-${subnet}%40example.com&password=pass-0042&extra=%F0%9F%98%80`
  // A mobile app signing in: a client the shipped model lets through on its first request, so that
  // only the fault under test decides what happens (the model's view of logins is tested elsewhere).
  const headers = { 'user-agent': APP_UA, accept: '*/*', 'accept-language': 'en-GB,en;q=0.9', 'content-type': 'application/x-www-form-urlencoded' }
  return { method: 'POST', body: LOGIN_BODY, headers }
}

/** The login under a fault, from a fresh address. */
const appLogin = (options: Parameters<typeof callWorker>[2] & { clientIp: string }): Promise<Call> => callWorker('/login', loginInit(), options)

beforeEach(() => {
  resetConfigCacheForTests()
  resetModelCacheForTests()
})
afterEach(async () => {
  vi.useRealTimers()
  await clearConfig()
  resetModelCacheForTests()
})

type Misbehaviour = 'throw' | 'sync_throw' | 'overloaded' | 'hang'
const fail = (how: Misbehaviour) => (): Promise<never> => {
  if (how === 'sync_throw') throw new TypeError('stub exploded')
  if (how === 'throw') return Promise.reject(new Error('internal error'))
  if (how === 'overloaded') return Promise.reject(Object.assign(new Error('Durable Object is overloaded'), { overloaded: true }))
  return new Promise(() => {})
}

/** A COUNTERS namespace whose objects misbehave on every call. */
function badCounters(how: Misbehaviour, calls = { n: 0 }): NamespaceLike<CounterStub> {
  const f = fail(how)
  const stub: CounterStub = { observe: () => (calls.n++, f()), record: f, deny: f, undeny: f }
  return { idFromName: (n) => env.COUNTERS.idFromName(n), get: () => stub }
}

/** An EDGEWARD_CONFIG whose reads misbehave (optionally only for some keys). */
function badKv(how: Misbehaviour | 'garbage', only: (key: string) => boolean = () => true): KVNamespace {
  const real = env.EDGEWARD_CONFIG
  return {
    get: (key: string) => (!only(key) ? real.get(key) : how === 'garbage' ? Promise.resolve('{"not": "a model"') : fail(how)()),
    put: () => Promise.resolve(),
    delete: () => Promise.resolve(),
    list: () => Promise.resolve({ keys: [], list_complete: true, cacheStatus: null }),
    getWithMetadata: () => Promise.resolve({ value: null, metadata: null, cacheStatus: null }),
  } as unknown as KVNamespace
}

function expectForwardedIntact(call: Call, missing: string): void {
  expect(call.response.status).toBe(200)
  expect(call.seen).toHaveLength(1)
  expect(new TextDecoder().decode(call.seen[0]?.body)).toBe(LOGIN_BODY)
  expect(call.logs).toHaveLength(1)
  expect(call.logs[0]?.missing).toContain(missing)
  expect(call.logs[0]?.action).toBe('allow')
}

describe('fail open, visibly', () => {
  test.each([
    ['throws', 'throw', 'counters_error'],
    ['throws synchronously', 'sync_throw', 'counters_error'],
    ['is overloaded', 'overloaded', 'counters_overloaded'],
    ['hangs', 'hang', 'counters_timeout'],
  ] as const)('forwards a login when the counters object %s, and logs %s', async (_what, how, missing) => {
    const call = await appLogin({ clientIp: freshIp(), env: { COUNTERS: badCounters(how) as unknown as Env['COUNTERS'] } })
    expectForwardedIntact(call, missing)
    expect(call.logs[0]).toMatchObject({ counters: 'missing', source: expect.not.stringMatching(/^fail_open$/) })
  }, 15_000) // a hanging object also holds the after-response outcome write for its 5 s background budget

  it('treats a missing COUNTERS binding as counters down, not as a pipeline failure', async () => {
    const call = await appLogin({ clientIp: freshIp(), env: { COUNTERS: undefined as unknown as Env['COUNTERS'] } })
    expectForwardedIntact(call, 'counters_error')
    expect(call.logs[0]?.source).toBe('model')
  })

  test.each([
    ['hangs', 'hang', 'counters_timeout'],
    ['answers only after 200 ms', 'slow', 'counters_timeout'],
    ['throws', 'throw', 'counters_error'],
    ['is overloaded', 'overloaded', 'counters_overloaded'],
  ] as const)('forwards a login within its longest budget + 10 ms of its arrival when the counters object %s', async (_what, how, missing) => {
    // A sign-in waits for its username's object longest (counters.username_budget_ms: it may live far
    // away); every other key gives up at budget_ms. With every object at fault, the username's is the wait.
    const budget = 60
    await writeConfig({ version: 'budget-25-60', counters: { budget_ms: 25, username_budget_ms: budget } })
    // Warm this isolate's caches (config, cookie keys, model, hash key) with a normal login first:
    // a cold KV read of the config is not the counters budget. The measured logins hit the fault.
    await appLogin({ clientIp: freshIp() })
    const observe = how === 'slow' ? () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 200)) : fail(how)
    // Only the request-path call misbehaves; the outcome write after the response answers at once.
    const stub = { observe, record: () => Promise.resolve(), deny: () => Promise.resolve(), undeny: () => Promise.resolve(false) }
    const COUNTERS = { idFromName: (n: string) => env.COUNTERS.idFromName(n), get: () => stub } as unknown as Env['COUNTERS']
    const elapsed: number[] = []
    for (let attempt = 0; attempt < 10; attempt++) {
      // workerd's clock moves only on I/O, so both stamps are read where I/O has just happened: the
      // start (nothing ran yet) and the origin's fetch (after the counters' timer or answer).
      let forwardedAt = Number.NaN
      const reply = (seen: Seen): Response => ((forwardedAt = performance.now()), echoReply(seen))
      const started = performance.now()
      const call = await appLogin({ clientIp: freshIp(), reply, env: { COUNTERS } })
      elapsed.push(forwardedAt - started)
      expectForwardedIntact(call, missing)
      expect(call.logs[0]?.counters).toBe('missing')
    }
    // The best of ten: a wait the code adds (a second round trip, a retry, a sequential call) is in
    // every attempt, while a CPU shared with other jobs only delays some timers. The one wait the
    // code does add on a fault — the deny list's KV mirror, at most DENY_MIRROR_BUDGET_MS (5 ms),
    // a local read here — fits inside the 10 ms.
    expect(Math.min(...elapsed)).toBeLessThanOrEqual(budget + 10)
    if (how === 'hang' || how === 'slow') expect(Math.min(...elapsed)).toBeGreaterThanOrEqual(budget - 1) // the budget was really waited out
  })

  test.each([
    ['throws', 'throw', 'counters_password_error'],
    ['hangs', 'hang', 'counters_password_timeout'],
  ] as const)('forwards a login when its password shard %s, and logs %s beside the other keys\' counts', async (_what, how, missing) => {
    const down = { idFromName: (n: string) => env.PASSWORD_TRIES.idFromName(n), get: () => ({ observe: fail(how), record: fail(how) }) }
    // A budget a loaded test box's fresh objects answer within: only the shard may be missing.
    await writeConfig({ version: 'budget-wide', counters: { budget_ms: 1000 } })
    const call = await appLogin({ clientIp: freshIp(), env: { PASSWORD_TRIES: down as unknown as Env['PASSWORD_TRIES'] } })
    expectForwardedIntact(call, missing)
    // The other keys answered: the read is not missing as a whole (that would be counters_error / counters_timeout).
    expect((call.logs[0]?.missing as string[]).filter((m) => m.startsWith('counters_'))).toEqual([missing])
  }, 15_000)

  it('forwards when the zone and registry objects are down too (they only run after the response)', async () => {
    const down = { idFromName: (n: string) => env.ZONE_STATS.idFromName(n), get: () => ({ add: fail('throw') }) as ZoneStub }
    const call = await appLogin({ clientIp: freshIp(), env: { ZONE_STATS: down as unknown as Env['ZONE_STATS'], REGISTRY: down as unknown as Env['REGISTRY'] }, reply: () => new Response('bad', { status: 401 }) })
    expect(call.response.status).toBe(401)
    expect(call.logs).toHaveLength(1)
    expect(new TextDecoder().decode(call.seen[0]?.body)).toBe(LOGIN_BODY)
  })

  test.each([
    ['rejects', 'throw'],
    ['hangs', 'hang'],
  ] as const)('forwards on the bundled rules in shadow when a cold isolate finds KV %s, and logs config_cold_bundled_shadow', async (_what, how) => {
    // Cold isolate, neither config nor config:last-good readable: never the bundled enforce (config-cold.test.ts).
    const call = await appLogin({ clientIp: freshIp(), env: { EDGEWARD_CONFIG: badKv(how) } })
    expectForwardedIntact(call, 'config_cold_bundled_shadow')
    expect(call.logs[0]).toMatchObject({ config: 'bundled-1-cold-shadow', mode: 'shadow' })
  })

  it('forwards on the last good config when KV holds an invalid one, and logs config_rejected', async () => {
    await writeConfig({ version: 'good-before', mode: 'enforce' })
    await callWorker('/', {}, { clientIp: freshIp() })
    await env.EDGEWARD_CONFIG.put('config', '{"version": "broken", "mode": "sometimes"}')
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 11_000) // past the 10 s isolate cache
    const call = await appLogin({ clientIp: freshIp() })
    expectForwardedIntact(call, 'config_rejected')
    expect(call.logs[0]?.config).toBe('good-before')
    expect(call.errors.some((e) => e.includes('config_rejected') && e.includes('mode'))).toBe(true)
  })

  test.each([
    ['garbage', 'garbage', 'model_rejected'],
    ['a read that rejects', 'throw', 'model_unavailable'],
    ['a read that hangs', 'hang', 'model_unavailable'],
  ] as const)('keeps scoring with the bundled model when model:<x> in KV is %s, and logs %s', async (_what, how, missing) => {
    await writeConfig({ version: 'wants-model', model: { active: 'shiny-2' } })
    const call = await appLogin({ clientIp: freshIp(), env: { EDGEWARD_CONFIG: badKv(how, (k) => k === 'model:shiny-2') } })
    expectForwardedIntact(call, missing)
    expect(call.logs[0]?.model).not.toBe('none')
    expect(call.logs[0]).toMatchObject({ config: 'wants-model', source: expect.not.stringMatching(/^fail_open$/) })
  })

  test.each([
    ['the config binding throws synchronously', () => ({ EDGEWARD_CONFIG: badKv('sync_throw') })],
    ['the cookie key secret is not a string', () => ({ EDGEWARD_COOKIE_KEYS: { keys: [] } as unknown as string })],
  ])('forwards the request untouched when %s (unexpected throw), and logs pipeline_error', async (_what, makeEnv) => {
    const call = await appLogin({ clientIp: freshIp(), env: makeEnv() })
    expect(call.response.status).toBe(200)
    expect(new TextDecoder().decode(call.seen[0]?.body)).toBe(LOGIN_BODY)
    expect(call.logs).toHaveLength(1)
    expect(call.logs[0]).toMatchObject({ action: 'allow', source: 'fail_open' })
    expect(call.logs[0]?.missing).toContain('pipeline_error')
    // The error line names the error's class and a fixed description, never its message (which may carry input).
    const lines = call.errors.map((e) => JSON.parse(e) as Record<string, unknown>).filter((e) => e.event === 'pipeline_error')
    expect(lines).toEqual([{ event: 'pipeline_error', ref: expect.any(String), error: expect.stringMatching(/Error$/), detail: expect.any(String) }])
    expect(call.errors.join('\n')).not.toContain('stub exploded')
  })

  it('logs a pipeline throw by its class only, whatever its message says', async () => {
    const hostile = { EDGEWARD_CONFIG: { get: () => { throw new RangeError(`user0007@example.com "}{" \u001b[31m pass-0007`) } } as unknown as KVNamespace }
    const call = await appLogin({ clientIp: freshIp(), env: hostile })
    expect(call.response.status).toBe(200)
    expect(call.errors).toHaveLength(1)
    expect(JSON.parse(call.errors[0] ?? '')).toEqual({
      event: 'pipeline_error',
      ref: call.logs[0]?.ref,
      error: 'RangeError',
      detail: 'unexpected throw in the pipeline; forwarded to the origin',
    })
    expect(call.errors[0]).not.toMatch(/user0007|pass-0007|\u001b/)
  })

  it('names a throw that set its own name as a plain Error', async () => {
    const named = Object.assign(new Error('x'), { name: 'user0007_example_com' })
    const call = await appLogin({ clientIp: freshIp(), env: { EDGEWARD_CONFIG: { get: () => { throw named } } as unknown as KVNamespace } })
    expect(call.response.status).toBe(200)
    expect(JSON.parse(call.errors[0] ?? '')).toMatchObject({ event: 'pipeline_error', error: 'Error' })
    expect(call.errors[0]).not.toContain('user0007')
  })

  it('answers a reserved path and logs it even when the config binding throws', async () => {
    const call = await callWorker('/__edgeward/nope', {}, { clientIp: freshIp(), env: { EDGEWARD_CONFIG: badKv('sync_throw') } })
    // A throw after the answer was made must not escape answerReserved() in worker/index.ts.
    expect(call.response.status).toBe(404)
    expect(call.logs).toHaveLength(1)
  })

  it('answers and logs exactly one line when the origin cannot be reached', async () => {
    const call = await callWorker('/products/1', { headers: { 'user-agent': UA } }, { clientIp: freshIp(), reply: () => { throw new TypeError('Network connection lost.') } })
    // A fetch rejection must not escape the Worker (a 1101 error page, no log line): protect() answers 502 itself.
    expect(call.response.status).toBe(502)
    expect(call.logs).toHaveLength(1)
    expect(String(call.logs[0]?.missing)).toMatch(/origin/)
  })
})

describe('fail closed', () => {
  it('blocks a config deny-list hit while the counters object is down', async () => {
    const ip = freshIp()
    await writeConfig({ version: 'deny-while-down', deny: { ips: [ip], asns: [] } })
    const call = await callWorker('/login', loginInit(), { clientIp: ip, env: { COUNTERS: badCounters('throw') as unknown as Env['COUNTERS'] } })
    expect(call.response.status).toBe(403)
    expect(call.seen).toHaveLength(0)
    expect(call.logs[0]).toMatchObject({ action: 'block', source: 'deny_list' })
  })

  test.each(['throw', 'hang', 'overloaded'] as const)('keeps blocking a deny-listed source when its object must be re-checked and it does not answer (%s)', async (how) => {
    const ip = freshIp()
    const entry = makeDenyEntry({ kind: 'ip', ip }, 3600, 'test', Date.now())
    if (!entry.ok) throw new Error(entry.reason)
    expect(await denySource(env as unknown as CountersEnv, entry.value, Date.now())).toBe(true)
    const calls = { n: 0 }
    // First from the isolate cache with no call; then, once the cached hit is due for a re-check, against a dead object.
    const cached = await callWorker('/products/1', { headers: { 'user-agent': UA } }, { clientIp: ip, env: { COUNTERS: badCounters(how, calls) as unknown as Env['COUNTERS'] } })
    expect(cached.response.status).toBe(403)
    expect(calls.n).toBe(0)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + DENY_VERIFY_MS + 1_000)
    const due = await callWorker('/products/1', { headers: { 'user-agent': UA } }, { clientIp: ip, env: { COUNTERS: badCounters(how, calls) as unknown as Env['COUNTERS'] } })
    expect(calls.n).toBeGreaterThan(0)
    expect(due.response.status).toBe(403)
    expect(due.logs[0]).toMatchObject({ action: 'block', source: 'deny_list' })
    expect(due.seen).toHaveLength(0)
  })

  test.each([
    ['missing', undefined],
    ['not JSON', 'not json'],
    ['an empty key set', '{"keys":[]}'],
    ['a set without our kid', JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AyuFE1lhMySA3KyVm8JOjOlQO0M3uHxIOowkJmwozqM', y: '6AC5uMxHguCvtvDAQmwNmzQLCS0g6qw2Z5G9leoiaU0', d: 'F-jIn9mf-m3YBuZFw9bepPj_R49U7vO0KKe4UxvidLE', kid: 'other' }] })],
  ])('never counts a cookie as valid when the key set is %s', async (_what, secret) => {
    const real = JSON.parse(env.EDGEWARD_COOKIE_KEYS ?? '') as { keys: PrivateJwk[] }
    const ip = freshIp()
    const nowS = Math.floor(Date.now() / 1000)
    const token = await signES256(header(real.keys[0]!.kid), JSON.stringify(claims(nowS, await bindingHashes(UA, ip))), await ecPrivateKey(real.keys[0]!))
    const init = { headers: { 'user-agent': UA, cookie: `__edgeward=${token}` } }
    const control = await callWorker('/products/1', init, { clientIp: ip })
    expect(control.logs[0]).toMatchObject({ cookie: 'valid', device: 'AAAAAAAAAAAAAAAAAAAAAA' })
    const call = await callWorker('/products/1', init, { clientIp: ip, env: { EDGEWARD_COOKIE_KEYS: secret } })
    expect(call.response.status).toBe(200)
    expect(call.logs[0]?.device).toBeNull()
    expect(String(call.logs[0]?.cookie)).toMatch(/^invalid:(no_keys|unknown_kid)$/)
    expect(call.seen[0]?.headers.get('x-edgeward-device')).toBeNull()
  })
})
