// npm run load: autocannon against `npm start` (fresh state, shadow mode, a local origin) and against a
// pass-through Worker run the same way; checks 0 errors and 0 lost counter increments (exactly); prints
// both side by side and ends with one JSON line. Usage: npm run load -- [--duration 60] [--connections 50]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { freePort, startChild, waitForHttp, type Child } from './load/processes'

type Result = Awaited<ReturnType<typeof autocannon>>
type RequestSpec = NonNullable<Parameters<typeof autocannon>[0]['requests']>[number]

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = (name: string) => join(ROOT, 'node_modules/.bin', name)
const QUIET = { WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'log' }

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const value = i === -1 ? undefined : Number(process.argv[i + 1])
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`)
  return value
}

const DURATION_S = option('duration', 60)
const CONNECTIONS = option('connections', 50)
const WARMUP = option('warmup', 2000)
/** The attempts counter is read from a 10-minute window (10 s buckets): it holds ≥ 9 min 50 s of history. */
const ATTEMPTS_WINDOW_OK = DURATION_S <= 8 * 60

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const BROWSER = {
  'user-agent': UA, accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'accept-language': 'en-US,en;q=0.9',
  'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Linux"',
  'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate',
}
const USERNAME = 'load-test@example.com'
const LOGIN_BODY = `username=${encodeURIComponent(USERNAME)}&password=not-the-password`
const TELEMETRY = {
  v: 1, phase: 'load', credentialFields: true, keyCount: 0, keyIntervalMeanMs: null, keyIntervalSdMs: null, pasteCredential: false, autofill: false,
  focusChanges: 0, visibilityChanges: 0, pointerMoved: true, timeOnPageMs: 1200, timeToSubmitMs: null, webdriver: false, automationMarkers: [],
  incognito: false, timezone: 'Europe/Berlin', languages: ['en-US'], screen: { width: 1920, height: 1080, colorDepth: 24, pixelRatio: 1 }, hardwareConcurrency: 8,
}

interface Tally {
  loginsAnswered: number
  logins401: number
}

/** One client's journey, repeated by every connection: a page, an asset, an API call, a failed login. */
function journey(cookie: string | null, tally: Tally): RequestSpec[] {
  const headers = { ...BROWSER, ...(cookie === null ? {} : { cookie: `sid=load; __edgeward=${cookie}` }) }
  return [
    { method: 'GET', path: '/products/7', headers },
    { method: 'GET', path: '/static/app.css', headers: { ...headers, accept: 'text/css,*/*;q=0.1', 'sec-fetch-mode': 'no-cors' } },
    { method: 'GET', path: '/api/products', headers: { ...headers, accept: 'application/json', 'sec-fetch-mode': 'cors' } },
    {
      method: 'POST', path: '/login', body: LOGIN_BODY,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      onResponse: (status: number) => {
        tally.loginsAnswered++
        if (status === 401) tally.logins401++
      },
    },
  ]
}

/** What a measured run adds up to: several autocannon rounds, each ending with every request answered. */
interface Totals {
  readonly requests: number
  readonly seconds: number
  readonly errors: number
  readonly rounds: number
  readonly latencyMs: { readonly p50: number; readonly p99: number }
}

interface Run {
  readonly warmup: Result
  readonly run: Totals
  readonly tally: Tally
  /** CPU the server's processes (wrangler + workerd) used per measured request, ms; null off Linux. */
  readonly serverCpuMsPerRequest: number | null
  /** The same, by process command name (`workerd`, `node`, …). */
  readonly serverCpuSplit: Record<string, number>
}

const errorsOf = (r: Result): number => r.errors + r.timeouts + r['5xx']
const rpsOf = (r: Result): number => r.requests.total / r.duration
const rps = (t: Totals): number => t.requests / t.seconds
const ROUND_S = 15

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

/**
 * A warm-up of WARMUP requests, then rounds of at most ROUND_S seconds (each sized from the last
 * rate, run with autocannon's `amount`) until DURATION_S is spent. Rounds end only when every
 * request they sent is answered, so the counters can be checked exactly afterwards.
 */
async function hammer(url: string, cookie: string | null, server: Child): Promise<Run> {
  const tally: Tally = { loginsAnswered: 0, logins401: 0 }
  const requests = journey(cookie, tally)
  const warmup = await autocannon({ url, connections: CONNECTIONS, amount: Math.max(WARMUP, CONNECTIONS * 4), requests, timeout: 20 })
  const cpuBefore = server.cpuSeconds()
  const latencies: number[] = []
  let rate = rpsOf(warmup)
  let seconds = 0
  let total = 0
  let errors = errorsOf(warmup)
  let rounds = 0
  while (DURATION_S - seconds >= 1) {
    const amount = Math.max(CONNECTIONS * 2, Math.round(rate * Math.min(ROUND_S, DURATION_S - seconds)))
    const round = await autocannon({ url, connections: CONNECTIONS, amount, requests, timeout: 20 }).on('response', (_c, _s, _b, ms) => latencies.push(ms))
    seconds += round.duration
    total += round.requests.total
    errors += errorsOf(round)
    rate = rpsOf(round)
    rounds++
  }
  const cpuAfter = server.cpuSeconds()
  const serverCpuSplit: Record<string, number> = {}
  for (const [command, after] of Object.entries(cpuAfter ?? {})) {
    const used = after - (cpuBefore?.[command] ?? 0)
    if (used > 0 && total > 0) serverCpuSplit[command] = Number(((used * 1000) / total).toFixed(3))
  }
  const serverCpuMsPerRequest = cpuBefore === null || cpuAfter === null || total === 0 ? null : Object.values(serverCpuSplit).reduce((a, b) => a + b, 0)
  latencies.sort((a, b) => a - b)
  process.stderr.write(`load: ${url}: ${total} requests in ${seconds.toFixed(1)} s over ${rounds} rounds\n`)
  return { warmup, run: { requests: total, seconds, errors, rounds, latencyMs: { p50: Number(quantile(latencies, 0.5).toFixed(1)), p99: Number(quantile(latencies, 0.99).toFixed(1)) } }, tally, serverCpuMsPerRequest, serverCpuSplit }
}

/** Wrangler's local KV, written before the server starts: shadow mode, so every request is scored, counted and forwarded. */
function writeLocalConfig(stateDir: string): void {
  const config = JSON.stringify({ version: 'load-shadow', mode: 'shadow' })
  const put = spawnSync(BIN('wrangler'), ['kv', 'key', 'put', 'config', config, '--binding', 'EDGEWARD_CONFIG', '--local', '--persist-to', stateDir], { cwd: ROOT, env: { ...process.env, ...QUIET }, encoding: 'utf8' })
  if (put.status !== 0) throw new Error(`wrangler kv key put failed:\n${put.stderr}`)
}

async function deviceCookie(url: string): Promise<string> {
  const r = await fetch(`${url}/__edgeward/collect`, { method: 'POST', body: JSON.stringify(TELEMETRY), headers: { ...BROWSER, 'content-type': 'application/json' } })
  const m = /__edgeward=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')
  if (r.status !== 204 || m?.[1] === undefined) throw new Error(`collect answered ${r.status} without a device cookie`)
  return m[1]
}

interface CounterCheck {
  readonly expected: Record<string, number>
  readonly observed: Record<string, number | null>
  readonly lost: number
  readonly extra: number
}

/**
 * Exact counter check: N logins sent and answered → the device saw N attempts and N failures, the username
 * N failures. Read from the decision line of one more login (its features are the counters it read back).
 */
async function checkCounters(url: string, server: Child, cookie: string, tally: Tally): Promise<CounterCheck> {
  await new Promise((r) => setTimeout(r, 3000)) // outcomes are counted after each response (waitUntil)
  let previous401 = 0
  for (let attempt = 1; attempt <= 5; attempt++) {
    const r = await fetch(`${url}/signin`, { method: 'POST', body: LOGIN_BODY, headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded', cookie: `__edgeward=${cookie}` } })
    await r.arrayBuffer()
    const deadline = Date.now() + 10_000
    let line: Record<string, unknown> | undefined
    while (line === undefined && Date.now() < deadline) {
      line = server.logLines.filter((l) => l.path === '/signin')[attempt - 1]
      if (line === undefined) await new Promise((res) => setTimeout(res, 100))
    }
    const features = (line?.features ?? {}) as Record<string, number>
    if (line !== undefined && line.counters === 'ok' && features.device_login_attempts_10m !== undefined) {
      const expected: Record<string, number> = {
        ...(ATTEMPTS_WINDOW_OK ? { device_login_attempts_10m: tally.loginsAnswered + attempt, device_failed_logins_10m: tally.logins401 + previous401 } : {}),
        user_failed_logins_1h: tally.logins401 + previous401,
      }
      const observed = Object.fromEntries(Object.keys(expected).map((k) => [k, features[k] ?? null]))
      let lost = 0
      let extra = 0
      for (const [k, want] of Object.entries(expected)) {
        const got = observed[k] ?? 0
        lost += Math.max(0, want - got)
        extra += Math.max(0, got - want)
      }
      return { expected, observed, lost, extra }
    }
    if (r.status === 401) previous401++
    await new Promise((res) => setTimeout(res, 1000))
  }
  throw new Error('load: could not read the counters back (no decision line with counters)')
}

async function runEdgeward(originUrl: string, dirs: string[], children: Child[]) {
  const state = mkdtempSync(join(tmpdir(), 'edgeward-load-'))
  dirs.push(state)
  writeLocalConfig(state)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const server = startChild('edgeward (npm start)', BIN('tsx'), ['src/cli/start.ts'], { ...QUIET, PORT: String(port), EDGEWARD_PERSIST_TO: state, ORIGIN_URL: originUrl }, ROOT)
  children.push(server)
  await waitForHttp(server, `${url}/__edgeward/health`, 120_000, (r) => r.ok)
  const health = (await (await fetch(`${url}/__edgeward/health`)).json()) as { mode?: string }
  if (health.mode !== 'shadow') throw new Error(`load: expected the load config in shadow mode, health says ${JSON.stringify(health)}`)
  const cookie = await deviceCookie(url)
  const result = await hammer(url, cookie, server)
  const check = await checkCounters(url, server, cookie, result.tally)
  await new Promise((r) => setTimeout(r, 1000))
  const sent = 1 + result.warmup.requests.total + result.run.requests // collect + traffic; the check lines are counted apart
  const traffic = server.logLines.filter((l) => l.path !== '/signin')
  const countersMissing = traffic.filter((l) => l.counters === 'missing').length
  const statuses = result.warmup.statusCodeStats
  if (result.run.errors > 0) process.stderr.write(`load: edgeward errors; warm-up statuses ${JSON.stringify(statuses)}; server output:\n${server.tail()}\n`)
  await server.stop()
  return { ...result, check, logLinesMissing: sent - traffic.length, countersMissingShare: traffic.length === 0 ? 0 : countersMissing / traffic.length }
}

async function runPassthrough(originUrl: string, dirs: string[], children: Child[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-passthrough-'))
  dirs.push(dir)
  const config = join(dir, 'wrangler.toml')
  writeFileSync(config, [
    'name = "edgeward-passthrough"',
    `main = ${JSON.stringify(join(ROOT, 'src/cli/load/passthrough-worker.ts'))}`,
    'compatibility_date = "2026-04-20"',
    '[vars]',
    `ORIGIN_URL = ${JSON.stringify(originUrl)}`,
    '',
  ].join('\n'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const server = startChild('pass-through worker', BIN('wrangler'), ['dev', '--config', config, '--ip', '127.0.0.1', '--port', String(port), '--persist-to', join(dir, 'state'), '--show-interactive-dev-session=false', '--log-level', 'log'], QUIET, ROOT)
  children.push(server)
  await waitForHttp(server, `${url}/products/1`, 120_000, (r) => r.ok)
  const result = await hammer(url, null, server)
  await server.stop()
  return result
}

function table(edgeward: Run, pass: Run): string {
  const row = (name: string, f: (t: Totals) => string) => `| ${name} | ${f(edgeward.run)} | ${f(pass.run)} |`
  const cpu = (r: Run) => (r.serverCpuMsPerRequest === null ? 'n/a' : r.serverCpuMsPerRequest.toFixed(2))
  return [
    '| | edgeward (`npm start`, shadow) | pass-through Worker |',
    '| --- | ---: | ---: |',
    row('requests', (t) => String(t.requests)),
    row('duration (s)', (t) => t.seconds.toFixed(1)),
    row('requests/s', (t) => rps(t).toFixed(0)),
    row('latency p50 (ms)', (t) => String(t.latencyMs.p50)),
    row('latency p99 (ms)', (t) => String(t.latencyMs.p99)),
    row('errors + timeouts + 5xx (warm-up included)', (t) => String(t.errors)),
    `| server CPU per request (ms, wrangler + workerd) | ${cpu(edgeward)} | ${cpu(pass)} |`,
  ].join('\n')
}

async function main(): Promise<void> {
  const dirs: string[] = []
  const children: Child[] = []
  try {
    const originPort = await freePort()
    const originUrl = `http://127.0.0.1:${originPort}`
    const origin = startChild('origin', BIN('tsx'), ['src/cli/load/origin.ts', String(originPort)], {}, ROOT)
    children.push(origin)
    await waitForHttp(origin, `${originUrl}/`)
    process.stderr.write(`load: ${CONNECTIONS} connections, about ${DURATION_S} s per run, origin ${originUrl}\n`)

    const ew = await runEdgeward(originUrl, dirs, children)
    const pass = await runPassthrough(originUrl, dirs, children)
    const ratio = rps(ew.run) / rps(pass.run)

    console.log(`\nload: ${CONNECTIONS} connections; journey per connection: GET page, GET asset, GET API, POST login (401)`)
    console.log(table(ew, pass))
    console.log(`\ncounters after ${ew.tally.loginsAnswered} answered logins: expected ${JSON.stringify(ew.check.expected)}, read back ${JSON.stringify(ew.check.observed)}`)
    console.log(`decision log lines missing: ${ew.logLinesMissing}; counters missed their budget on ${(ew.countersMissingShare * 100).toFixed(1)}% of requests (failed open)`)
    const summary = {
      requests: ew.run.requests,
      errors: ew.run.errors,
      lost_increments: ew.check.lost,
      extra_increments: ew.check.extra,
      throughput_ratio_vs_passthrough: Number(ratio.toFixed(3)),
      edgeward_rps: Number(rps(ew.run).toFixed(1)),
      passthrough_rps: Number(rps(pass.run).toFixed(1)),
      edgeward_latency_p50_ms: ew.run.latencyMs.p50,
      edgeward_latency_p99_ms: ew.run.latencyMs.p99,
      passthrough_latency_p50_ms: pass.run.latencyMs.p50,
      passthrough_latency_p99_ms: pass.run.latencyMs.p99,
      passthrough_errors: pass.run.errors,
      edgeward_server_cpu_ms_per_request: ew.serverCpuMsPerRequest === null ? null : Number(ew.serverCpuMsPerRequest.toFixed(3)),
      passthrough_server_cpu_ms_per_request: pass.serverCpuMsPerRequest === null ? null : Number(pass.serverCpuMsPerRequest.toFixed(3)),
      edgeward_server_cpu_split_ms: ew.serverCpuSplit,
      passthrough_server_cpu_split_ms: pass.serverCpuSplit,
      logins_counted: ew.tally.loginsAnswered,
      log_lines_missing: ew.logLinesMissing,
      counters_missing_share: Number(ew.countersMissingShare.toFixed(4)),
      duration_s: Number(ew.run.seconds.toFixed(1)),
      connections: CONNECTIONS,
    }
    console.log(JSON.stringify(summary))
    if (summary.errors > 0 || summary.lost_increments > 0 || summary.extra_increments > 0) process.exitCode = 1
  } finally {
    for (const c of children.reverse()) await c.stop()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
  process.exit(1)
})
