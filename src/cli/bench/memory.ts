// Memory bench: 100,000 distinct devices (each its own signed device cookie and /24, some with a
// clearance, a login or a deny-list hit) through the real worker.fetch in a local workerd with
// instant fake bindings, and the workerd process's resident memory (/proc VmRSS, Linux) sampled
// from outside every 10k devices → growth figures and the in-isolate cache sizes.
// A warm-up of the same requests from 1,000 recurring devices comes first: V8 sizes its heap over
// the first ~30k requests whether the devices are new or not, and that is not what this measures.
// The lower half (memoryWorker) runs inside workerd; run() is the Node side and imports Node at call time.
import { exportJWK, generateKeyPair } from 'jose'
import { DEFAULT_CONFIG } from '../../config/defaults'
import { POW_MAX_DIFFICULTY } from '../../action/pow'
import { denyKey } from '../../counters/deny'
import { METRICS, SETS, type KeySnapshot } from '../../counters/metrics'
import { keyCacheSize } from '../../log/keyedHash'
import { bindingHashes, bindingMemoSize } from '../../signals/binding'
import { clearanceMemoSize, issueClearanceToken } from '../../signals/clearanceToken'
import { loadCookieKeys, type CookieKeys } from '../../signals/cookieKeys'
import { verifiedCacheSize } from '../../signals/deviceToken'
import { issueDeviceToken } from '../../signals/issueDeviceToken'
import type { Telemetry } from '../../signals/telemetry'
import { timezoneCacheSize } from '../../signals/timezone'
import { isolateCaches } from '../../../worker/counters/isolate'
import type { Handler } from './worker-harness'

export const MEMORY_DEVICES = 100_000
/** Device counts after which the RSS is read (0: after the warm-up, no distinct device yet). */
export const MEMORY_CHECKPOINTS = [0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000] as const
/** Devices per call into workerd: one call stays a few seconds long. */
const CHUNK = 2_000
/** The warm-up: this many requests cycling over WARM_POOL devices outside the measured range. */
const WARM_REQUESTS = 30_000
const WARM_POOL = 1_000

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const BROWSER: Record<string, string> = {
  'user-agent': UA, accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'accept-language': 'en-US,en;q=0.9', 'accept-encoding': 'gzip, br',
  'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Windows"',
  'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate',
}
const TELEMETRY: Telemetry = {
  v: 1, phase: 'load', credentialFields: false, keyCount: 0, keyIntervalMeanMs: null, keyIntervalSdMs: null, pasteCredential: false, autofill: false,
  focusChanges: 0, visibilityChanges: 0, pointerMoved: true, timeOnPageMs: 900, timeToSubmitMs: null, webdriver: false, automationMarkers: [],
  incognito: false, timezone: 'Europe/Berlin', languages: ['en-US'], screen: { width: 1920, height: 1080, colorDepth: 24, pixelRatio: 1 }, hardwareConcurrency: 8,
}
const HTML = `<!doctype html><html><head><title>Shop</title></head><body>${'<p>product text</p>'.repeat(60)}</body></html>`

/** Device i's address: its own /24, so every device has its own binding and IP counters. */
const ipOf = (i: number): string => `${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.9`
const deviceIdOf = (i: number): string => `M${i.toString(36).padStart(21, '0')}`
/** A distinct timezone name per device (most are not real zones: each is still looked up and cached). */
const timezoneOf = (i: number): string => (i % 2 === 0 ? `Etc/GMT+${i % 12}` : `Bench/Zone_${i.toString(36)}`)

export interface CacheSizes {
  readonly binding: number
  readonly verified: number
  readonly clearance: number
  readonly timezone: number
  readonly keyed: number
  readonly deny: number
}

export type MemoryJob =
  | { readonly op: 'setup' }
  /** Requests [from, to): request i is device i, or with `pool` device MEMORY_DEVICES + i % pool. */
  | { readonly op: 'run'; readonly from: number; readonly to: number; readonly pool?: number }

export interface MemoryAnswer {
  readonly requests: number
  readonly statuses: Record<string, number>
  /** Log lines by `action/cookie` (each request must write exactly one). */
  readonly lines: Record<string, number>
  readonly caches: CacheSizes
}

/** An empty counters snapshot; `deny` set for the keys the bench marks as deny-listed. */
function snapshot(deny: KeySnapshot['deny']): KeySnapshot {
  const w = { '1m': 1, '10m': 1, '1h': 1, '24h': 1 }
  return {
    counts: Object.fromEntries(METRICS.map((m) => [m, w])) as KeySnapshot['counts'],
    distinct: Object.fromEntries(SETS.map((s) => [s, w])) as KeySnapshot['distinct'],
    deny,
    fresh: false,
  }
}

/**
 * As in the Worker bench, the model is scored but its thresholds are out of reach, so each request
 * takes the path it is sent for: pages forwarded and injected, logins forwarded and counted, and a
 * GET of /checkout/* challenged — where a held clearance is verified and lets it through.
 */
const CONFIG = JSON.stringify({
  ...DEFAULT_CONFIG,
  version: 'bench-memory',
  thresholds: { default: { challenge: 1, block: 1 } },
  deny_on_block: { ...DEFAULT_CONFIG.deny_on_block, min_risk: 1 },
  rules: [
    ...DEFAULT_CONFIG.rules,
    { name: 'bench_checkout_view_challenge', when: 'route == "checkout" and method == "GET"', action: 'challenge', priority: 5 },
    { name: 'bench_login_forwarded', when: 'route == "login" and method == "POST"', action: 'allow', priority: 1 },
  ],
})

/** Bindings that answer at once; the counters deny a key while it is in `denied`. */
function fakeEnv(cookieKeys: string, denied: ReadonlySet<string>): Record<string, unknown> {
  const ns = <S>(stub: S) => ({ idFromName: (name: string) => ({ name, toString: () => name }), get: () => stub })
  const quiet = snapshot(null)
  const observe = async (input: { deny: { key: string; kind: string } | null; now: number }): Promise<KeySnapshot> =>
    input.deny !== null && denied.has(input.deny.key) ? snapshot({ kind: input.deny.kind as 'ip', reason: 'bench', expiresAt: input.now + 3_600_000 }) : quiet
  return {
    EDGEWARD_CONFIG: { get: async (k: string) => (k === 'config' ? CONFIG : null), put: async () => {} },
    COUNTERS: ns({ observe, record: async () => {}, deny: async () => {}, undeny: async () => false }),
    ZONE_STATS: ns({ add: async () => null }),
    REGISTRY: ns({ indexDeny: async () => {}, unindexDeny: async () => false }),
    ORIGIN_URL: 'http://origin.bench',
    EDGEWARD_ADMIN_TOKEN: 'bench-admin-token',
    EDGEWARD_USER_HASH_KEY: 'bench-user-hash-key',
    EDGEWARD_COOKIE_KEYS: cookieKeys,
    EDGEWARD_TRUST_TEST_HEADERS: 'true',
  }
}

async function stubOrigin(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const req = new Request(input, init)
  await req.arrayBuffer()
  if (new URL(req.url).pathname === '/login') return new Response('bad credentials', { status: 401 })
  return new Response(HTML, { headers: { 'content-type': 'text/html; charset=utf-8' } })
}

function cacheSizes(keys: CookieKeys): CacheSizes {
  return {
    binding: bindingMemoSize(),
    verified: verifiedCacheSize(keys),
    clearance: clearanceMemoSize(keys),
    timezone: timezoneCacheSize(),
    keyed: keyCacheSize(),
    deny: isolateCaches.deny.size,
  }
}

/**
 * Device i's one request: a page with its own device cookie (its own timezone in the telemetry);
 * every 3rd is a challenged checkout page it holds a clearance for, every 5th a failed login with
 * its own username instead; every 4th comes from an address the counters say is deny-listed.
 */
async function deviceRequest(i: number, keys: CookieKeys, now: number): Promise<Request> {
  const ip = ipOf(i)
  const b = await bindingHashes(UA, ip)
  const telemetry = { ...TELEMETRY, timezone: timezoneOf(i) }
  const device = await issueDeviceToken({ deviceId: deviceIdOf(i), firstSeen: now - 86_400_000, now, telemetry, ...b }, keys)
  let cookie = `sid=s${i}; __edgeward=${device}`
  const cleared = i % 3 === 0
  if (cleared) {
    const clearance = await issueClearanceToken({ challengeId: deviceIdOf(i), method: 'pow', difficulty: POW_MAX_DIFFICULTY, deviceId: deviceIdOf(i), now, ...b }, keys)
    cookie += `; __edgeward_clearance=${clearance}`
  }
  const headers = { ...BROWSER, 'cf-connecting-ip': ip, cookie, 'x-edgeward-test-cf': JSON.stringify({ asn: 64_512 + (i % 1000), country: 'DE', timezone: 'Europe/Berlin' }) }
  if (i % 5 === 0) {
    const body = `username=user${i}%40example.com&password=wrong`
    return new Request('https://shop.example/login', { method: 'POST', body, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } })
  }
  return new Request(`https://shop.example/${cleared ? 'checkout' : 'products'}/${i}`, { headers })
}

/** The workerd side: `setup` makes keys, `run` sends devices [from, to) through the Worker one by one. */
export function memoryWorker(worker: Handler): { fetch(request: Request): Promise<Response> } {
  let setup: Promise<{ env: never; keys: CookieKeys }> | undefined
  const denied = new Set<string>()
  const makeSetup = async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const secret = JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: 'bench-mem-1', alg: 'ES256', use: 'sig' }] })
    // The Worker loads its keys the same way (memoised by secret): the cache sizes are per key set.
    const keys = await loadCookieKeys(secret)
    if (!keys.ok) throw new Error('bench keys')
    return { env: fakeEnv(secret, denied) as never, keys: keys.value }
  }
  return {
    async fetch(request: Request): Promise<Response> {
      const job = (await request.json()) as MemoryJob
      setup ??= makeSetup()
      const { env, keys } = await setup
      const statuses: Record<string, number> = {}
      const lines: Record<string, number> = {}
      const realFetch = globalThis.fetch
      const realLog = console.log
      globalThis.fetch = stubOrigin as typeof fetch
      console.log = (text: string) => {
        const line = JSON.parse(text) as { action: string; cookie: string }
        const k = `${line.action}/${line.cookie}`
        lines[k] = (lines[k] ?? 0) + 1
      }
      try {
        for (let k = job.op === 'run' ? job.from : 0; job.op === 'run' && k < job.to; k++) {
          const i = job.pool === undefined ? k : MEMORY_DEVICES + (k % job.pool)
          const now = Date.now()
          const deny = i % 4 === 0 ? denyKey({ kind: 'ip', ip: ipOf(i) }) : null
          if (deny !== null) denied.add(deny)
          const pending: Promise<unknown>[] = []
          const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException: () => {}, props: {} }
          try {
            const res = await worker.fetch(await deviceRequest(i, keys, now), env, ctx as never)
            await res.arrayBuffer()
            await Promise.all(pending)
            statuses[res.status] = (statuses[res.status] ?? 0) + 1
          } finally {
            if (deny !== null) denied.delete(deny)
          }
        }
      } finally {
        globalThis.fetch = realFetch
        console.log = realLog
      }
      const answer: MemoryAnswer = { requests: job.op === 'run' ? job.to - job.from : 0, statuses, lines, caches: cacheSizes(keys) }
      return Response.json(answer)
    },
  }
}

// ---- the Node side ---------------------------------------------------------------------------

const round = (x: number, d = 1) => Number(x.toFixed(d))

/** Resident memory (MB) of the workerd processes this Node process started, or null off Linux. */
async function workerdRssMb(): Promise<number | null> {
  const { readdirSync, readFileSync } = await import('node:fs')
  let kb = 0
  let found = false
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (!stat.includes('(workerd)') || ppid !== process.pid) continue
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))
      if (rss?.[1] === undefined) continue
      kb += Number(rss[1])
      found = true
    } catch {
      // the process went away between the listing and the read
    }
  }
  return found ? kb / 1024 : null
}

export async function run(): Promise<Record<string, number>> {
  const { dirname, join, resolve } = await import('node:path')
  const { fileURLToPath } = await import('node:url')
  const { build } = await import('esbuild')
  const { Miniflare } = await import('miniflare')
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
  const entry = [
    `import worker from ${JSON.stringify(join(root, 'worker/index.ts'))}`,
    `import { memoryWorker } from ${JSON.stringify(join(root, 'src/cli/bench/memory.ts'))}`,
    'export default memoryWorker(worker)',
  ].join('\n')
  const bundle = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'ts', sourcefile: 'bench-memory-entry.ts' },
    bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*', 'node:*', 'esbuild', 'miniflare'], write: false, target: 'es2022', logLevel: 'error',
  })
  const mf = new Miniflare({ modules: true, script: bundle.outputFiles[0]!.text, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] })
  const call = async (job: MemoryJob): Promise<MemoryAnswer> => {
    const res = await mf.dispatchFetch('http://bench.local/', { method: 'POST', body: JSON.stringify(job) })
    if (!res.ok) throw new Error(`workerd answered ${res.status}: ${await res.text()}`)
    return (await res.json()) as MemoryAnswer
  }

  const rss = new Map<number, number>()
  const statuses: Record<string, number> = {}
  const lines: Record<string, number> = {}
  let requests = 0
  let caches: CacheSizes | null = null
  const runChunks = async (from: number, to: number, pool?: number): Promise<void> => {
    for (let at = from; at < to; at += CHUNK) {
      const answer = await call({ op: 'run', from: at, to: Math.min(to, at + CHUNK), ...(pool === undefined ? {} : { pool }) })
      for (const [s, n] of Object.entries(answer.statuses)) statuses[s] = (statuses[s] ?? 0) + n
      for (const [k, n] of Object.entries(answer.lines)) lines[k] = (lines[k] ?? 0) + n
      requests += answer.requests
      caches = answer.caches
    }
  }
  const readRss = async (): Promise<number> => {
    const mb = await workerdRssMb()
    if (mb === null) throw new Error('bench/memory: no workerd process found under /proc (Linux only)')
    return mb
  }
  const started = performance.now()
  let cold: number
  try {
    await call({ op: 'setup' })
    cold = await readRss()
    await runChunks(0, WARM_REQUESTS, WARM_POOL)
    let done = 0
    for (const checkpoint of MEMORY_CHECKPOINTS) {
      await runChunks(done, checkpoint)
      done = checkpoint
      rss.set(checkpoint, await readRss())
    }
  } finally {
    await mf.dispose()
  }
  const logged = Object.values(lines).reduce((a, b) => a + b, 0)
  if (logged !== requests) throw new Error(`bench/memory: ${logged} log lines for ${requests} requests`)

  const seconds = (performance.now() - started) / 1000
  console.log(`\nworkerd resident memory (VmRSS, MB) while ${MEMORY_DEVICES.toLocaleString('en')} distinct devices pass through worker.fetch`)
  console.log('(own device cookie and /24 each; 1/3 a challenged page with its clearance, 1/5 a failed login, 1/4 deny-listed; instant fake bindings)')
  console.log(`before any request ${cold.toFixed(1)} MB; then ${WARM_REQUESTS.toLocaleString('en')} warm-up requests from ${WARM_POOL.toLocaleString('en')} recurring devices`)
  console.log(`${'devices'.padStart(8)} ${'RSS MB'.padStart(8)}`)
  for (const [n, mb] of rss) console.log(`${n.toLocaleString('en').padStart(8)} ${mb.toFixed(1).padStart(8)}`)
  console.log(`${requests} requests in ${seconds.toFixed(0)} s; statuses ${JSON.stringify(statuses)}; log lines by action/cookie ${JSON.stringify(lines)}`)
  console.log(`in-isolate caches after the run: ${JSON.stringify(caches)}`)

  const at = (n: number) => rss.get(n) ?? Number.NaN
  return {
    memory_devices: MEMORY_DEVICES,
    memory_rss_mb_cold: round(cold),
    memory_rss_mb_0: round(at(0)),
    memory_rss_mb_10k: round(at(10_000)),
    memory_rss_mb_50k: round(at(50_000)),
    memory_rss_mb_100k: round(at(100_000)),
    memory_growth_mb_10k_to_100k: round(at(100_000) - at(10_000)),
    memory_growth_mb_50k_to_100k: round(at(100_000) - at(50_000)),
  }
}
