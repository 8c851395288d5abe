// Memory bench: 100,000 distinct devices (each its own signed device cookie and /24, some with a
// clearance, a login or a deny-list hit) through the real worker.fetch in a local workerd with
// instant fake bindings, and the workerd process's resident memory (/proc VmRSS, Linux) sampled
// from outside every 10k devices → growth figures and the in-isolate cache sizes.
// A warm-up of the same requests from 1,000 recurring devices comes first: V8 sizes its heap over
// the first ~30k requests whether the devices are new or not, and that is not what this measures.
// The lower half (memoryWorker) runs inside workerd; run() is the Node side and imports Node at call time.
// Headers, bindings, stub origin, config and keys are the Worker bench's (bench/worker-harness.ts).
import { POW_MAX_DIFFICULTY } from '../../action/pow'
import { denyKey } from '../../counters/deny'
import type { KeySnapshot } from '../../counters/metrics'
import { keyCacheSize } from '../../log/keyedHash'
import { bindingHashes, bindingMemoSize } from '../../signals/binding'
import { clearanceMemoSize, issueClearanceToken } from '../../signals/clearanceToken'
import { loadCookieKeys, type CookieKeys } from '../../signals/cookieKeys'
import { verifiedCacheSize } from '../../signals/deviceToken'
import { issueDeviceToken } from '../../signals/issueDeviceToken'
import { timezoneCacheSize } from '../../signals/timezone'
import { isolateCaches } from '../../../worker/counters/isolate'
import { benchConfig, BROWSER, cookieKeysSecret, counterSnapshot, fakeEnv, serve, stubOrigin, TELEMETRY, UA, withStubs, type Handler, type ObserveInput } from './worker-harness'

export const MEMORY_DEVICES = 100_000
/** Device counts after which the RSS is read (0: after the warm-up, no distinct device yet). */
export const MEMORY_CHECKPOINTS = [0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000] as const
/** Devices per call into workerd: one call stays a few seconds long. */
const CHUNK = 2_000
/** The warm-up: this many requests cycling over WARM_POOL devices outside the measured range. */
const WARM_REQUESTS = 30_000
const WARM_POOL = 1_000

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

/**
 * As in the Worker bench, each request takes the path it is sent for: pages forwarded and injected,
 * logins forwarded and counted, and a GET of /checkout/* challenged by the model — where a held
 * clearance is verified and lets it through (a clearance lifts the model's challenges only).
 */
const CONFIG = benchConfig('bench-memory', [], { thresholds: { default: { challenge: 1, block: 1 }, checkout: { challenge: 0, block: 1 } } })

/** The Worker bench's bindings, but the counters deny a key while it is in `denied`, and the test-cf header is trusted. */
function memoryEnv(cookieKeys: string, denied: ReadonlySet<string>): Record<string, unknown> {
  const quiet = counterSnapshot()
  const observe = async (input: ObserveInput): Promise<KeySnapshot> =>
    input.deny !== null && denied.has(input.deny.key) ? counterSnapshot({ kind: input.deny.kind as 'ip', reason: 'bench', expiresAt: input.now + 3_600_000 }) : quiet
  return fakeEnv(CONFIG, cookieKeys, { observe, vars: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } })
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
    const secret = await cookieKeysSecret('bench-mem-1')
    // The Worker loads its keys the same way (memoised by secret): the cache sizes are per key set.
    const keys = await loadCookieKeys(secret)
    if (!keys.ok) throw new Error('bench keys')
    return { env: memoryEnv(secret, denied) as never, keys: keys.value }
  }
  return {
    async fetch(request: Request): Promise<Response> {
      const job = (await request.json()) as MemoryJob
      setup ??= makeSetup()
      const { env, keys } = await setup
      const statuses: Record<string, number> = {}
      const lines: Record<string, number> = {}
      const countLine = (text: string) => {
        const line = JSON.parse(text) as { action: string; cookie: string }
        const k = `${line.action}/${line.cookie}`
        lines[k] = (lines[k] ?? 0) + 1
      }
      await withStubs(stubOrigin(HTML), countLine, async () => {
        for (let k = job.op === 'run' ? job.from : 0; job.op === 'run' && k < job.to; k++) {
          const i = job.pool === undefined ? k : MEMORY_DEVICES + (k % job.pool)
          const now = Date.now()
          const deny = i % 4 === 0 ? denyKey({ kind: 'ip', ip: ipOf(i) }) : null
          if (deny !== null) denied.add(deny)
          try {
            const res = await serve(worker, await deviceRequest(i, keys, now), env)
            statuses[res.status] = (statuses[res.status] ?? 0) + 1
          } finally {
            if (deny !== null) denied.delete(deny)
          }
        }
      })
      const answer: MemoryAnswer = { requests: job.op === 'run' ? job.to - job.from : 0, statuses, lines, caches: cacheSizes(keys) }
      return Response.json(answer)
    },
  }
}

// ---- the Node side ---------------------------------------------------------------------------

export async function run(): Promise<Record<string, number>> {
  const { round, startBenchWorkerd, workerdRssMb } = await import('./workerd')
  const workerd = await startBenchWorkerd('memory.ts', 'memoryWorker')
  const call = async (job: MemoryJob): Promise<MemoryAnswer> => (await workerd.call(job)) as MemoryAnswer

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
  const readRss = (): number => {
    const mb = workerdRssMb()
    if (mb === null) throw new Error('bench/memory: no workerd process found under /proc (Linux only)')
    return mb
  }
  const started = performance.now()
  let cold: number
  try {
    await call({ op: 'setup' })
    cold = readRss()
    await runChunks(0, WARM_REQUESTS, WARM_POOL)
    let done = 0
    for (const checkpoint of MEMORY_CHECKPOINTS) {
      await runChunks(done, checkpoint)
      done = checkpoint
      rss.set(checkpoint, readRss())
    }
  } finally {
    await workerd.dispose()
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
