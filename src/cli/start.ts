// `npm start`: runs the protector locally with `wrangler dev` on 127.0.0.1:8787 (PORT
// overrides) in front of the embedded demo origin (or ORIGIN_URL), with local KV and
// Durable Object state, dev-only test-header trust and ephemeral dev secrets.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDevKeySet } from './dev-keys'

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

// Secrets go to wrangler through a private env file, not the command line (ps shows that).
const dir = mkdtempSync(join(tmpdir(), 'edgeward-dev-'))
const envFile = join(dir, 'dev.env')
writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}='${v.replace(/'/g, '')}'`).join('\n') + '\n', { mode: 0o600 })
const cleanup = () => rmSync(dir, { recursive: true, force: true })

console.error(`edgeward: dev server on http://127.0.0.1:${port} → origin: ${origin}`)
console.error(`edgeward: admin token: ${adminToken === DEV_ADMIN_TOKEN ? `${DEV_ADMIN_TOKEN} (dev default; set EDGEWARD_ADMIN_TOKEN to change)` : '(from EDGEWARD_ADMIN_TOKEN)'}`)

const wrangler = spawn(
  'npx',
  [
    'wrangler', 'dev', '--ip', '127.0.0.1', '--port', port, '--env-file', envFile,
    '--show-interactive-dev-session=false', '--log-level', 'log',
    // Local KV / Durable Object state: wrangler's default .wrangler/state unless a test asks otherwise.
    ...(process.env.EDGEWARD_PERSIST_TO === undefined ? [] : ['--persist-to', process.env.EDGEWARD_PERSIST_TO]),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    wrangler.kill(signal)
  })
}
wrangler.on('exit', (code) => {
  cleanup()
  process.exit(code ?? 0)
})
