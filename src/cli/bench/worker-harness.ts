// The workerd side of the Worker CPU benchmark: takes the real Worker's fetch handler, gives it instant
// fake bindings (KV, counters, zone, registry) and a stub origin, and times batches per route class.
// Bundled with the Worker by bench/worker.ts and run under Miniflare; never does real I/O itself.
// The fakes (headers, bindings, stub origin, config, keys) are shared with bench/memory.ts.
import { exportJWK, generateKeyPair } from 'jose'
import { DEFAULT_CONFIG } from '../../config/defaults'
import { METRICS, SETS, type KeySnapshot } from '../../counters/metrics'
import type { PasswordCounts } from '../../counters/read'
import { emptyFeatureVector, FEATURE_COUNT } from '../../features/list'
import { defaultModel, explain, predict } from '../../model'
import { bindingHashes } from '../../signals/binding'
import { parseCookieKeys } from '../../signals/cookieKeys'
import { issueDeviceToken } from '../../signals/issueDeviceToken'
import type { Telemetry } from '../../signals/telemetry'
import { DEFAULT_ROUND_TRIPS, asRequest, meter, metered, resetMeter, roundTripModel } from './costMeter'
import { batchMeans, summarise } from './model-timing'

/** The Worker's default export, as far as the bench needs it (typed without the Workers types). */
export interface Handler {
  fetch(request: Request, env: never, ctx: never): Promise<Response>
}

export interface Job {
  readonly batches: number
  /** Aim for batches this long: workerd's clock moves in whole milliseconds, on I/O only. */
  readonly targetMs: number
}

export interface ClassFigures {
  readonly p50: number
  readonly p99: number
  readonly batch: number
  readonly status: number
}

export const ROUTE_CLASSES = ['static', 'page', 'api', 'login', 'login_new_client', 'checkout_challenge', 'blocked', 'page_cold_cookie', 'collect', 'page_load', 'mix', 'baseline'] as const
export type BenchClass = (typeof ROUTE_CLASSES)[number]

export const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
export const BROWSER: Record<string, string> = {
  'user-agent': UA, accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'accept-language': 'en-US,en;q=0.9', 'accept-encoding': 'gzip, br',
  'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Windows"',
  'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate',
}
/** A quiet browser's load-time telemetry. */
export const TELEMETRY: Telemetry = {
  v: 1, phase: 'load', credentialFields: false, keyCount: 0, keyIntervalMeanMs: null, keyIntervalSdMs: null, pasteCredential: false, autofill: false,
  focusChanges: 0, visibilityChanges: 0, pointerMoved: true, timeOnPageMs: 900, timeToSubmitMs: null, webdriver: false, automationMarkers: [],
  incognito: false, timezone: 'Europe/Berlin', languages: ['en-US'], screen: { width: 1920, height: 1080, colorDepth: 24, pixelRatio: 1 }, hardwareConcurrency: 8,
}
/** What the collect class posts: the telemetry of a page with a login form on it. */
const COLLECT_BODY = JSON.stringify({ ...TELEMETRY, credentialFields: true })
const HTML = `<!doctype html><html><head><title>Shop</title></head><body>${'<p>product text</p>'.repeat(60)}<form method="post" action="/login"><input name="username"><input type="password" name="password"></form></body></html>`
const POOL = 64

/** A counters snapshot of a quiet client (nothing here trips a rule), deny-listed when `deny` is set. */
export function counterSnapshot(deny: KeySnapshot['deny'] = null): KeySnapshot {
  const w = { '1m': 1, '10m': 1, '1h': 1, '24h': 1 }
  return {
    counts: Object.fromEntries(METRICS.map((m) => [m, w])) as KeySnapshot['counts'],
    distinct: Object.fromEntries(SETS.map((s) => [s, w])) as KeySnapshot['distinct'],
    deny,
    fresh: false,
  }
}

/** What the counters' observe is asked, as far as a fake needs it. */
export interface ObserveInput {
  readonly deny: { readonly key: string; readonly kind: string } | null
  readonly now: number
}

export interface FakeEnvOptions {
  /** The counters' answer; by default every key is quiet. */
  readonly observe?: (input: ObserveInput) => Promise<KeySnapshot>
  /** More variables for the Worker (EDGEWARD_TRUST_TEST_HEADERS, …). */
  readonly vars?: Readonly<Record<string, string>>
  /** Real object namespaces by binding (`COUNTERS`, `PASSWORD_TRIES`: bench/storage.ts) in place of the fakes; each call still counted. */
  readonly objects?: Readonly<Record<string, ObjectNamespace>>
}

/** A Durable Object namespace, as far as the bench needs one (typed without the Workers types). */
export interface ObjectNamespace {
  idFromName(name: string): object
  get(id: object): object
}

/** A password digest's first sign-in in its hour: itself only. */
const QUIET_PASSWORD: PasswordCounts = { users: 1, failedUsers: 0, signedInUsers: 0, ips: 1, failures: 0, successes: 0 }

/** Bindings that answer at once: config from an in-memory KV, counters, zone stats and registry stubs. */
export function fakeEnv(configJson: string, cookieKeys: string, options: FakeEnvOptions = {}): Record<string, unknown> {
  const quiet = counterSnapshot()
  // Every object call is counted (and, when a latency model is set, delayed) by the cost meter.
  const fake = <S extends object>(binding: string, stub: S) => ({ idFromName: (name: string) => ({ name, toString: () => name }), get: (id: { name: string }) => metered(binding, id.name, stub) })
  const ns = <S extends object>(binding: string, stub: S) => {
    const real = options.objects?.[binding]
    if (real === undefined) return fake(binding, stub)
    const names = new WeakMap<object, string>()
    return {
      idFromName: (name: string) => {
        const id = real.idFromName(name)
        names.set(id, name)
        return id
      },
      get: (id: object) => metered(binding, names.get(id) ?? '?', real.get(id)),
    }
  }
  const kv = new Map<string, string>([['config', configJson]])
  return {
    EDGEWARD_CONFIG: {
      get: async (k: string) => {
        if (meter.on) meter.kvReads++
        return kv.get(k) ?? null
      },
      put: async (k: string, v: string) => void kv.set(k, v),
    },
    // `apply` takes the writes an isolate held for a key (page views counted after the answer) and answers like observe.
    COUNTERS: ns('COUNTERS', { observe: options.observe ?? (async () => quiet), apply: async () => quiet, record: async () => {}, deny: async () => {}, undeny: async () => false }),
    ZONE_STATS: ns('ZONE_STATS', { add: async () => null }),
    REGISTRY: ns('REGISTRY', { indexDeny: async () => {}, unindexDeny: async () => false }),
    // Challenge ids always fresh, every clearance on its first use (the use count is one RPC, stubbed like the counters).
    CHALLENGE_NONCES: ns('CHALLENGE_NONCES', { consume: async () => true, useClearance: async () => ({ uses: 1, failuresSince: 0, revoked: false }), peekClearance: async () => ({ uses: 0, revoked: false }) }),
    // A password never seen (every sign-in's digest, bar a spray's), a session never bound.
    PASSWORD_TRIES: ns('PASSWORD_TRIES', { observe: async () => QUIET_PASSWORD, record: async () => {} }),
    SESSION_BINDINGS: ns('SESSION_BINDINGS', { lookup: async () => null, bind: async () => {} }),
    ORIGIN_URL: 'http://origin.bench',
    EDGEWARD_ADMIN_TOKEN: 'bench-admin-token',
    EDGEWARD_USER_HASH_KEY: 'bench-user-hash-key',
    EDGEWARD_COOKIE_KEYS: cookieKeys,
    ...options.vars,
  }
}

/** A stub origin that answers at once, like an origin would for each path; `html` for any page. */
export function stubOrigin(html: string): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init)
    await req.arrayBuffer()
    const path = new URL(req.url).pathname
    if (path === '/login') return new Response('bad credentials', { status: 401 })
    if (path.startsWith('/api/')) return Response.json({ products: [{ id: 1, name: 'Widget', price: 999 }] })
    if (path.startsWith('/static/')) return new Response('body{margin:0}', { headers: { 'content-type': 'text/css' } })
    return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } })
  }
}

/** Runs `body` with `fetch` answered by `origin` and console.log sent to `log`; both restored after. */
export async function withStubs<T>(origin: typeof fetch, log: (text: string) => void, body: () => Promise<T>): Promise<T> {
  const realFetch = globalThis.fetch
  const realLog = console.log
  globalThis.fetch = origin
  console.log = log
  try {
    return await body()
  } finally {
    globalThis.fetch = realFetch
    console.log = realLog
  }
}

/**
 * waitUntil work that waits on a timer (the isolate's flush of held counter writes, every
 * counters.flush_ms): it runs on in the isolate, interleaved with later requests as in production,
 * and each job settles it before answering (`settleBackground`).
 */
const background: Promise<unknown>[] = []

export async function settleBackground(): Promise<void> {
  while (background.length > 0) await Promise.all(background.splice(0))
}

/** One request through `handler` to its end: body read (HTMLRewriter runs as it streams), its own waitUntil work settled. */
export async function serve(handler: Handler, request: Request, env: never): Promise<Response> {
  const pending: Promise<unknown>[] = []
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException: () => {}, props: {} }
  const res = await asRequest(async () => {
    const answer = await handler.fetch(request, env, ctx as never)
    await answer.arrayBuffer()
    return answer
  })
  // From here the client has its answer: what runs on is waitUntil work, billed but not waited for.
  meter.answeredAt = performance.now()
  // A request's own waitUntil work (outcomes, a zone flush) is settled with it; a held-writes flush
  // waiting for its interval would stall the loop for seconds, so it runs on in the background.
  await Promise.all(pending.map((p) => Promise.race([p, tick().then(() => void background.push(p))])))
  return res
}

/** A fresh ES256 cookie key set, as the EDGEWARD_COOKIE_KEYS secret holds it. */
export async function cookieKeysSecret(kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  return JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' }] })
}

/**
 * The bundled config for a bench. The model is scored on every request as in production, but its
 * thresholds are out of reach so each request takes the path it is sent for (a page is forwarded and
 * injected, not blocked): the benches measure the cost of paths, not what the shipped model thinks of
 * made-up requests. `rules` come after the default ones; `extra` overrides other fields.
 */
export function benchConfig(version: string, rules: readonly object[], extra: object = {}): string {
  return JSON.stringify({
    ...DEFAULT_CONFIG,
    version,
    thresholds: { default: { challenge: 1, block: 1 } },
    deny_on_block: { ...DEFAULT_CONFIG.deny_on_block, min_risk: 1 },
    ...extra,
    rules: [
      ...DEFAULT_CONFIG.rules,
      ...rules,
      // A made-up login is what the shipped model rightly distrusts: allow it so logins are measured
      // as what they are sent for (forwarded, outcome counted). Every rule is still evaluated.
      { name: 'bench_login_forwarded', when: 'route == "login" and method == "POST"', action: 'allow', priority: 1 },
    ],
  })
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

const encoder = new TextEncoder()
/** Bytes of decision lines logged (kept so the copy is not optimised away). */
export let loggedBytes = 0
/** The stand-in for console.log in the timed jobs: the line's UTF-8 copy, what leaving the isolate costs at least. */
function logSink(text: string): void {
  loggedBytes += encoder.encode(String(text)).byteLength
}

/** What the harness and the stub origin cost on their own: a Worker that only forwards. */
const passThrough: Handler = {
  fetch: (request: Request) => fetch(`http://origin.bench${new URL(request.url).pathname}`, { method: request.method, headers: request.headers, body: request.body }),
}

interface Setup {
  readonly env: never
  readonly makers: Record<Exclude<BenchClass, ComposedClass>, (i: number) => Request>
  /** The same bindings with real objects in place of the fakes named (bench/storage.ts). */
  readonly withObjects: (objects: Readonly<Record<string, ObjectNamespace>>) => never
}

/** Keys, tokens and fake bindings, made once per isolate (the first job pays for them, unmeasured). */
async function makeSetup(): Promise<Setup> {
  const secret = await cookieKeysSecret('bench-1')
  const keys = await parseCookieKeys(secret)
  if (!keys.ok) throw new Error('bench keys')
  const config = benchConfig(
    'bench',
    [{ name: 'bench_checkout_challenge', when: 'route == "checkout" and method == "POST"', action: 'challenge', priority: 5 }],
    { deny: { ips: ['192.0.2.0/24'], asns: [] } },
  )
  const env = fakeEnv(config, secret) as never
  const now = Date.now()
  const ip = (i: number) => `198.51.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`
  const tokenFor = async (i: number, cold: boolean): Promise<string> => {
    const b = await bindingHashes(UA, ip(i))
    return issueDeviceToken({ deviceId: `${cold ? 'C' : 'W'}${i.toString(36).padStart(21, '0')}`, firstSeen: now - 86_400_000, now, telemetry: null, ...b }, keys.value)
  }
  const warm = await Promise.all(Array.from({ length: POOL }, (_, i) => tokenFor(i, false)))
  const coldCount = 8192
  const cold = await Promise.all(Array.from({ length: coldCount }, (_, i) => tokenFor(1000 + i, true)))

  const get = (path: string, i: number, cookie: string | null, extra: Record<string, string> = {}, clientIp = ip(i % POOL)) =>
    new Request(`https://shop.example${path}`, { headers: { ...BROWSER, ...extra, 'cf-connecting-ip': clientIp, ...(cookie === null ? {} : { cookie: `sid=abc; __edgeward=${cookie}` }) } })
  const post = (path: string, body: string, type: string, i: number, cookie: string | null, clientIp = ip(i % POOL)) =>
    new Request(`https://shop.example${path}`, { method: 'POST', body, headers: { ...BROWSER, 'content-type': type, 'cf-connecting-ip': clientIp, ...(cookie === null ? {} : { cookie: `__edgeward=${cookie}` }) } })
  const makers: Setup['makers'] = {
    static: (i) => get('/static/app.css', i, warm[i % POOL]!, { accept: 'text/css,*/*;q=0.1', 'sec-fetch-mode': 'no-cors' }),
    page: (i) => get(`/products/${(i % 1000) + 1}`, i, warm[i % POOL]!),
    api: (i) => get('/api/products', i, warm[i % POOL]!, { accept: 'application/json', 'sec-fetch-mode': 'cors' }),
    login: (i) => post('/login', `username=user${String((i % 1000) + 1).padStart(4, '0')}%40example.com&password=wrong`, 'application/x-www-form-urlencoded', i, warm[i % POOL]!),
    login_new_client: (i) => post('/login', JSON.stringify({ username: `new${i}@example.com`, password: 'x' }), 'application/json', i, null, ip(20_000 + (i % 20_000))),
    checkout_challenge: (i) => post('/checkout', 'card_number=4111111111111111&exp=12%2F30&cvv=123&amount=10', 'application/x-www-form-urlencoded', i, warm[i % POOL]!),
    blocked: (i) => get('/products/1', i, null, {}, `192.0.2.${(i % 250) + 1}`),
    page_cold_cookie: (i) => get(`/products/${(i % 1000) + 1}`, i, cold[i % coldCount]!, {}, ip(1000 + (i % coldCount))),
    collect: (i) => post('/__edgeward/collect', COLLECT_BODY, 'application/json', i, warm[i % POOL]!),
  }
  return { env, makers, withObjects: (objects) => fakeEnv(config, secret, { objects }) as never }
}

/** Classes made of the others' requests. */
type ComposedClass = 'mix' | 'page_load' | 'baseline'

/** A plausible mix for one zone: mostly pages and assets, some API, a few logins and blocks. */
const MIX: readonly Exclude<BenchClass, ComposedClass>[] = ['page', 'page', 'page', 'page', 'static', 'static', 'static', 'api', 'api', 'login', 'collect', 'blocked']
/** One browser's page load, request by request: the page, its eight assets, one API call — all from the same client. */
const PAGE_LOAD: readonly Exclude<BenchClass, ComposedClass>[] = ['page', 'static', 'static', 'static', 'static', 'static', 'static', 'static', 'static', 'api']

/** The request the `i`th run of `label` makes (a composed class picks its member; a page load keeps one client for all of it). */
function requestFor(makers: Setup['makers'], label: Exclude<BenchClass, 'baseline'>, i: number): Request {
  if (label === 'mix') return makers[MIX[i % MIX.length]!](i)
  if (label === 'page_load') return makers[PAGE_LOAD[i % PAGE_LOAD.length]!](Math.floor(i / PAGE_LOAD.length))
  return makers[label](i)
}

export interface ClassJob extends Job {
  /** One route class, `model` (the model alone) or `setup` (make keys and tokens, measure nothing). */
  readonly only: BenchClass | 'model' | 'setup' | 'costs' | 'storage'
}

export interface ClassAnswer {
  readonly figures: ClassFigures
  /** Requests (or model rows) run in this job, warm-up included: what the caller's CPU reading covers. */
  readonly runs: number
}

export function benchWorker(worker: Handler): { fetch(request: Request): Promise<Response> } {
  let setup: Promise<Setup> | undefined
  // Counters run on across jobs so every class keeps cycling through fresh inputs (cold cookies, new users).
  let serial = 0
  return {
    async fetch(request: Request, workerEnv?: Readonly<Record<string, unknown>>): Promise<Response> {
      const job = (await request.json()) as ClassJob
      setup ??= makeSetup()
      const { env, makers, withObjects } = await setup
      if (job.only === 'setup') return Response.json({ ready: true })
      if (job.only === 'model') return Response.json(await benchModel(job))
      if (job.only === 'storage') {
        // The real SQLite-backed Counters and PasswordTries objects (metered subclasses: bench/storage.ts).
        const objects = { COUNTERS: workerEnv?.COUNTERS, PASSWORD_TRIES: workerEnv?.PASSWORD_TRIES } as Record<string, ObjectNamespace>
        if (objects.COUNTERS === undefined || objects.PASSWORD_TRIES === undefined) throw new Error('storage: the bench workerd has no COUNTERS / PASSWORD_TRIES objects')
        const meterStub = objects.COUNTERS.get(objects.COUNTERS.idFromName('["bench-meter"]')) as { meterRows(): Promise<MeteredRows> }
        const realEnv = withObjects(objects)
        const next = (cls: Exclude<BenchClass, 'baseline'>) => requestFor(makers, cls, serial++)
        return withStubs(stubOrigin(HTML), () => {}, async () => Response.json(await measureStorage((cls) => serve(worker, next(cls), realEnv), () => meterStub.meterRows())))
      }
      if (job.only === 'costs') {
        const next = (cls: Exclude<BenchClass, 'baseline'>) => requestFor(makers, cls, serial++)
        // Each decision line's `missing`: which reads the round trips pushed past their budget.
        const lines = { count: 0, missing: new Map<string, number>() }
        const log = (text: string): void => {
          try {
            const line = JSON.parse(text) as { missing?: unknown }
            lines.count++
            for (const m of Array.isArray(line.missing) ? line.missing : []) lines.missing.set(String(m), (lines.missing.get(String(m)) ?? 0) + 1)
          } catch {
            // not a decision line
          }
        }
        return withStubs(stubOrigin(HTML), log, async () => {
          const costs = await measureCosts((cls) => serve(worker, next(cls), env), lines)
          await settleBackground()
          return Response.json(costs)
        })
      }
      const label = job.only

      let status = 0
      let runs = 0
      const run = async (): Promise<void> => {
        const i = serial++
        runs++
        const request = label === 'baseline' ? makers.page(i) : requestFor(makers, label, i)
        status = (await serve(label === 'baseline' ? passThrough : worker, request, env)).status
      }

      // The decision line is counted: copied out of the isolate as UTF-8, as a trace event takes it.
      return withStubs(stubOrigin(HTML), logSink, async () => {
        for (let k = 0; k < 200; k++) await run() // warm caches and the JIT
        await tick()
        const t0 = performance.now()
        for (let k = 0; k < 200; k++) await run()
        await tick()
        const perCall = Math.max(1, ((performance.now() - t0) * 1000) / 200)
        const batch = Math.max(20, Math.ceil((job.targetMs * 1000) / perCall))
        const means: number[] = []
        for (let b = 0; b < job.batches; b++) {
          await tick()
          const start = performance.now()
          for (let k = 0; k < batch; k++) await run()
          await tick()
          means.push(((performance.now() - start) * 1000) / batch)
        }
        await settleBackground()
        const s = summarise(means)
        const answer: ClassAnswer = { figures: { p50: s.p50, p99: s.p99, batch, status }, runs }
        return Response.json(answer)
      })
    },
  }
}

/** The model alone, on feature rows like real requests produce (some values missing). */
async function benchModel(job: Job): Promise<Record<'model' | 'model_explain', { p50: number; p99: number; batch: number }>> {
  const model = defaultModel()
  if (!model.ok) throw new Error('bench: default model refused')
  const rows = Array.from({ length: 256 }, (_, r) => {
    const v = emptyFeatureVector()
    for (let f = 0; f < FEATURE_COUNT; f++) v[f] = (r * 31 + f * 7) % 5 === 0 ? Number.NaN : ((r * 13 + f * 17) % 97) / 7
    return v
  })
  const probe = await batchMeans((row) => predict(model.value, row), rows, 2000, 3, () => performance.now(), tick)
  const batch = Math.ceil((job.targetMs * 1000) / Math.max(0.05, Math.min(...probe)))
  const m = summarise(await batchMeans((row) => predict(model.value, row), rows, batch, job.batches, () => performance.now(), tick))
  const e = summarise(await batchMeans((row) => explain(model.value, row, 3).length, rows, Math.ceil(batch / 10), job.batches, () => performance.now(), tick))
  return { model: { p50: m.p50, p99: m.p99, batch }, model_explain: { p50: e.p50, p99: e.p99, batch: Math.ceil(batch / 10) } }
}

/** Per route class: object calls (waited for or not: each is billed) and KV reads per request, and the latency the object round trips add. */
export interface ClassCosts {
  /** Every call billed for the class's requests, their later flush included. */
  readonly do_calls: number
  /** Of those, the calls made while the request was open (its reads, its waitUntil started before the answer); the rest is later flushes. */
  readonly do_calls_in_request: number
  readonly by_object: Record<string, number>
  readonly kv_reads: number
  readonly added_latency_p50_ms: number
  readonly added_latency_p95_ms: number
  /** The sign-in class only: the same with the username's object near (the account's owner). */
  readonly added_latency_p50_ms_near?: number
  readonly added_latency_p95_ms_near?: number
  /** With the round trips: share of decision lines that name each missing read (`counters_user_timeout`…). */
  readonly missing_with_trips: Record<string, number>
}

const COST_CLASSES = ROUTE_CLASSES.filter((c): c is Exclude<BenchClass, 'baseline'> => c !== 'baseline')

/**
 * One class counted as the cost and storage sections count it: 24 warm-up requests (the isolate's caches
 * as a busy zone would have them; their held writes flushed, and `beforeCount` run, before counting
 * starts), then `counted` requests and the flush that sends their held writes — billed for them, though
 * no client waits for it. Object calls per request, in all and by "binding kind"; the meter left on.
 */
async function countClass(
  run: (cls: Exclude<BenchClass, 'baseline'>) => Promise<Response>,
  cls: Exclude<BenchClass, 'baseline'>,
  counted: number,
  beforeCount: () => Promise<unknown> = async () => {},
): Promise<{ readonly calls: number; readonly byObject: Record<string, number> }> {
  for (let k = 0; k < 24; k++) await run(cls)
  await settleBackground()
  await beforeCount()
  resetMeter()
  for (let k = 0; k < counted; k++) await run(cls)
  await settleBackground()
  const byObject: Record<string, number> = {}
  let calls = 0
  for (const [key, n] of meter.calls) {
    byObject[key] = n / counted
    calls += n
  }
  return { calls: calls / counted, byObject }
}

/**
 * Runs each class's requests twice: with instant objects, counting calls; then with every object
 * call waiting a round trip (near 2–5 ms; a username's counters far, 50–150 ms), timing each request
 * to the end of its body (the client does not wait for waitUntil work). Added latency is the delayed run's time less the instant run's.
 */
async function measureCosts(run: (cls: Exclude<BenchClass, 'baseline'>) => Promise<Response>, lines: { count: number; missing: Map<string, number> }): Promise<Record<string, ClassCosts>> {
  const out: Record<string, ClassCosts> = {}
  const counted = 120
  const timed = 100
  try {
    for (const cls of COST_CLASSES) {
      const { calls, byObject } = await countClass(run, cls, counted)
      const openCalls = meter.inRequest / counted
      const kvReads = meter.kvReads / counted
      const time = async (): Promise<number[]> => {
        const ms: number[] = []
        for (let k = 0; k < timed; k++) {
          const t0 = performance.now()
          await run(cls)
          ms.push(meter.answeredAt - t0)
        }
        return ms
      }
      resetMeter()
      const instant = await time()
      resetMeter(roundTripModel(DEFAULT_ROUND_TRIPS, 7))
      lines.count = 0
      lines.missing.clear()
      const delayed = await time()
      const missing = Object.fromEntries([...lines.missing].map(([m, n]) => [m, Math.round((n / Math.max(1, lines.count)) * 100) / 100]))
      // A sign-in again with its username's object near too: the account's owner, whose object lives
      // where they first signed in; the far model above is a stranger's (an attacker's) sign-in.
      const owner = cls === 'login' ? (resetMeter(roundTripModel({ ...DEFAULT_ROUND_TRIPS, far: DEFAULT_ROUND_TRIPS.near }, 7)), await time()) : null
      // workerd's clock moves in whole milliseconds between I/O: the medians and p95s of 100 requests.
      const added = (q: number, timed = delayed) => Math.max(0, quantileOf(timed, q) - quantileOf(instant, q))
      out[cls] = {
        do_calls: calls, do_calls_in_request: openCalls, by_object: byObject, kv_reads: kvReads,
        added_latency_p50_ms: added(0.5), added_latency_p95_ms: added(0.95), missing_with_trips: missing,
        ...(owner === null ? {} : { added_latency_p50_ms_near: added(0.5, owner), added_latency_p95_ms_near: added(0.95, owner) }),
      }
    }
  } finally {
    meter.on = false
    meter.latency = null
  }
  return out
}

/** What a metered object's meterRows() answers (bench/meteredObjects.ts). */
interface MeteredRows {
  readonly read: number
  readonly written: number
  readonly byClass: Record<string, { readonly read: number; readonly written: number }>
}

/** Per route class with real objects: object calls, and SQLite rows written and read, per request. */
export interface ClassStorage {
  readonly do_calls: number
  readonly rows_written: number
  readonly rows_read: number
  readonly by_object: Record<string, number>
  /** Rows written per request by object class (`Counters`, `PasswordTries`). */
  readonly rows_written_by_class: Record<string, number>
}

/**
 * Each class as the cost count runs it (24 warm-up requests, then 120 counted, their later flush
 * included), against real objects: the rows their calls wrote and read, from SQLite's own counts. Keys
 * first met here make their objects (a username never seen, a new client's address): those rows count.
 */
async function measureStorage(run: (cls: Exclude<BenchClass, 'baseline'>) => Promise<Response>, takeRows: () => Promise<MeteredRows>): Promise<Record<string, ClassStorage>> {
  const out: Record<string, ClassStorage> = {}
  const counted = 120
  try {
    for (const cls of COST_CLASSES) {
      const { calls, byObject } = await countClass(run, cls, counted, takeRows)
      const rows = await takeRows()
      const byClass = Object.fromEntries(Object.entries(rows.byClass).map(([name, r]) => [name, r.written / counted]))
      out[cls] = { do_calls: calls, rows_written: rows.written / counted, rows_read: rows.read / counted, by_object: byObject, rows_written_by_class: byClass }
    }
  } finally {
    meter.on = false
  }
  return out
}

const quantileOf = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
}
