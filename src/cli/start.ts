// `npm start`: runs the protector locally with `wrangler dev` on 127.0.0.1:8787 (PORT
// overrides) in front of the embedded demo origin (or ORIGIN_URL), with local KV and
// Durable Object state, dev-only test-header trust and ephemeral dev secrets.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDevKeySet } from './dev-keys'
import { loadDemoPairs, loadPasswordCorpus } from './leaked/corpus'
import { startRangeServer } from './leaked/server'
import { quietOfflineWarnings } from './quietOutput'

const DEV_ADMIN_TOKEN = 'dev-admin-token'

const port = process.env.PORT ?? '8787'
const origin = process.env.ORIGIN_URL ?? 'demo'
const adminToken = process.env.EDGEWARD_ADMIN_TOKEN ?? DEV_ADMIN_TOKEN
const vars: Record<string, string> = {
  ORIGIN_URL: origin,
  EDGEWARD_TRUST_TEST_HEADERS: 'true',
  EDGEWARD_ADMIN_TOKEN: adminToken,
  EDGEWARD_USER_HASH_KEY: process.env.EDGEWARD_USER_HASH_KEY ?? randomBytes(32).toString('hex'),
  EDGEWARD_COOKIE_KEYS: process.env.EDGEWARD_COOKIE_KEYS ?? (await makeDevKeySet()),
}

// The leaked-credential check's range API: a real local HTTP server in this process, on a free port,
// over the breach corpus (src/cli/leaked/corpus.ts) and the demo's leaked pairs. Not a route of the
// demo origin: the check must work in front of any ORIGIN_URL, and a Worker calling its own
// hostname from a request would be a subrequest to itself. The Worker uses it only while the config
// names no range API, and only under EDGEWARD_TRUST_TEST_HEADERS (worker/leaked.ts).
// EDGEWARD_LEAKED_RANGE_SERVER=off starts none (the simulator does, so its figures stay comparable).
if (process.env.EDGEWARD_LEAKED_RANGE_SERVER !== 'off') {
  const corpus = loadPasswordCorpus()
  const range = await startRangeServer({ passwords: corpus.passwords, pairs: loadDemoPairs() })
  range.server.unref()
  vars.EDGEWARD_DEV_LEAKED_RANGE_URL = range.url
  vars.EDGEWARD_DEV_LEAKED_PAIR_RANGE_URL = range.pairUrl
  console.error(`edgeward: leaked-credential check: local range server ${range.url} (${corpus.source}, ${corpus.passwords.length} passwords; pairs: the demo's, docs/leaked.md)`)
}

// Secrets go to wrangler through a private env file, not the command line (ps shows that).
const dir = mkdtempSync(join(tmpdir(), 'edgeward-dev-'))
const envFile = join(dir, 'dev.env')
writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}='${v.replace(/'/g, '')}'`).join('\n') + '\n', { mode: 0o600 })
const cleanup = () => rmSync(dir, { recursive: true, force: true })

console.error(`edgeward: dev server on http://127.0.0.1:${port} → origin: ${origin}`)
console.error(`edgeward: admin token: ${adminToken === DEV_ADMIN_TOKEN ? `${DEV_ADMIN_TOKEN} (dev default; set EDGEWARD_ADMIN_TOKEN to change)` : '(from EDGEWARD_ADMIN_TOKEN)'}`)

const args = [
  'wrangler', 'dev', '--ip', '127.0.0.1', '--port', port, '--env-file', envFile,
  '--show-interactive-dev-session=false', '--log-level', 'log',
  // Local KV / Durable Object state: wrangler's default .wrangler/state unless a test asks otherwise.
  ...(process.env.EDGEWARD_PERSIST_TO === undefined ? [] : ['--persist-to', process.env.EDGEWARD_PERSIST_TO]),
  // The devtools inspector listens on 9229/9230 unless told: two dev servers at once (the simulator's
  // beside someone's npm start) collide there, so a caller that picks ports picks this one too.
  ...(process.env.EDGEWARD_INSPECTOR_PORT === undefined ? [] : ['--inspector-port', process.env.EDGEWARD_INSPECTOR_PORT]),
]

// wrangler dev before 4.131 exited on a single client connection reset (cloudflare/workers-sdk#15317);
// the pinned wrangler has the fix, so this rarely fires now. It stays as a guard: should wrangler
// die for any other reason, restart it on the same port, state and secrets instead of leaving the
// port dead (at most 5 times a minute; a clean exit or a signal is never restarted).
const MAX_RESTARTS_PER_MINUTE = 5
let stopping = false
let restarts: number[] = []
let wrangler: ChildProcess

// Offline there is no real `request.cf` to fetch: skip the attempt (and its getaddrinfo stack
// trace) and say once, in words, what the Worker sees instead (worker/devCf.ts).
// CLOUDFLARE_CF_FETCH_ENABLED=true in the environment brings wrangler's fetch back.
const cfFetch = process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? 'false'
const wranglerEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: cfFetch }
if (cfFetch === 'false') {
  console.error(
    "edgeward: offline dev: request.cf is wrangler's placeholder (Austin, AS395747, a fixed JA3), which the Worker treats as missing; " +
      'send x-edgeward-test-cf: {"asn":…,"country":…,"timezone":…} to stand in for it.',
  )
}

function run(): void {
  wrangler = spawn('npx', args, { stdio: ['ignore', 'inherit', 'pipe'], env: wranglerEnv })
  wrangler.stderr?.pipe(quietOfflineWarnings()).pipe(process.stderr)
  wrangler.on('exit', (code, signal) => {
    const now = Date.now()
    restarts = restarts.filter((t) => now - t < 60_000)
    if (!stopping && signal === null && code !== 0 && restarts.length < MAX_RESTARTS_PER_MINUTE) {
      restarts.push(now)
      console.error(`edgeward: wrangler dev exited (code ${code}); restarting on the same port and state`)
      setTimeout(run, 500)
      return
    }
    cleanup()
    process.exit(code ?? 0)
  })
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    stopping = true
    wrangler.kill(sig)
  })
}
run()
