// `npm run config -- <command>`: one command per knob of the config in KV (key `config`).
//   get | set '<json>' | set --file f.json | shadow | enforce | add-route <class> <pattern>
//   | add-app <id> --keygen <private.jwk> | add-app <id> <public.jwk>
// Local by default: the KV state `npm start` uses (.wrangler/state, or EDGEWARD_PERSIST_TO);
// `--remote` for the deployed namespace (needs `wrangler login`). Every write is validated with
// the real schema first; a running `npm start` picks it up within its config cache time (10 s).
// `--dry-run` touches no KV: it validates the edit against an empty config and says what it would write.
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { APP_ID_PATTERN } from '../signals/appToken'
import { applyEdit, isMode, parseStored, type ConfigEdit } from './configEdit'

const ROOT = join(import.meta.dirname, '../..')
const KEY = 'config'
const USAGE = `usage: npm run config -- <command> [--remote]
  get                           print the stored config (or say the bundled defaults are in force)
  set '<json>' | set --file f   write a config (validated; a fresh version is added if it names none)
  shadow | enforce              switch mode, keeping the rest; the version is bumped
  add-route <class> <pattern>   add a route before the defaults (routes_add), e.g. add-route login /auth/token
  add-app <id> --keygen <file>  register your app or partner: a new Ed25519 key pair, the private JWK written
                                to <file> (give it to the app), the public one to the config (docs/apps.md)
  add-app <id> <public.jwk>     register an app with a public key it already has (Ed25519 JWK)
  --remote                      the deployed namespace (needs \`wrangler login\`) instead of npm start's local KV
  --dry-run                     read and write nothing: validate and print what would be written`

const args = process.argv.slice(2)
const remote = args.includes('--remote')
const dryRun = args.includes('--dry-run')
const positional = args.filter((a) => a !== '--remote' && a !== '--local' && a !== '--dry-run')
const where = remote ? 'the remote namespace' : `local KV (${process.env.EDGEWARD_PERSIST_TO ?? '.wrangler/state'})`

function wrangler(kvArgs: string[]): string {
  const location = remote ? ['--remote'] : ['--local', ...(process.env.EDGEWARD_PERSIST_TO === undefined ? [] : ['--persist-to', process.env.EDGEWARD_PERSIST_TO])]
  return execFileSync('npx', ['wrangler', 'kv', 'key', ...kvArgs, '--binding', 'EDGEWARD_CONFIG', ...location], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  })
}

function readStored(): string | null {
  const out = wrangler(['get', KEY])
  // wrangler prints this (exit 0) for a key that is not there; a stored config is JSON.
  return out.trim() === 'Value not found' ? null : out
}

function write(text: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-config-'))
  try {
    const file = join(dir, 'config.json')
    writeFileSync(file, text)
    wrangler(['put', KEY, '--path', file])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function parseCommand(): ConfigEdit | 'get' | null {
  const [command, a, b] = positional
  switch (command) {
    case 'get':
      return 'get'
    case 'shadow':
    case 'enforce':
    case 'off':
      return isMode(command) ? { kind: 'mode', mode: command } : null
    case 'set': {
      const text = a === '--file' && b !== undefined ? readFileSync(b, 'utf8') : a
      if (text === undefined) return null
      try {
        return { kind: 'set', json: JSON.parse(text) as unknown }
      } catch {
        fail([`(root): not JSON`])
      }
      return null
    }
    case 'add-route':
      return a !== undefined && b !== undefined ? { kind: 'add-route', routeClass: a, pattern: b } : null
    case 'add-app': {
      if (a === undefined || b === undefined) return null
      if (!APP_ID_PATTERN.test(a)) fail([`apps: "${a}" is not an app id (lower-case letters, digits, - and _; at most 64)`])
      if (b === '--keygen') return positional[3] === undefined ? null : { kind: 'add-app', id: a, publicKey: newAppKey(positional[3]) }
      try {
        return { kind: 'add-app', id: a, publicKey: JSON.parse(readFileSync(b, 'utf8')) as unknown }
      } catch {
        fail([`${b}: not a readable JSON Web Key`])
      }
      return null
    }
    default:
      return null
  }
}

/**
 * A new Ed25519 key pair for an app: the private JWK written to `file` (mode 0600, never
 * overwritten, nothing written on a dry run), the public one returned for the config.
 */
function newAppKey(file: string): JsonWebKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const pub = publicKey.export({ format: 'jwk' })
  if (!dryRun) {
    if (existsSync(file)) fail([`${file} exists: not overwriting a key (pick another file)`])
    writeFileSync(file, `${JSON.stringify({ ...privateKey.export({ format: 'jwk' }), alg: 'EdDSA' })}\n`, { mode: 0o600 })
  }
  return pub
}

function fail(problems: readonly string[]): never {
  console.error(`config: not written — ${problems.length} problem${problems.length === 1 ? '' : 's'}:`)
  for (const p of problems) console.error(`  ${p}`)
  process.exit(1)
}

const command = parseCommand()
if (command === null) {
  console.error(USAGE)
  process.exit(2)
}
const storedText = dryRun ? null : readStored()
if (command === 'get') {
  console.log(storedText === null ? `no config stored in ${where}: the bundled defaults are in force (version bundled-1, mode enforce)` : storedText)
  process.exit(0)
}
const stored = parseStored(storedText)
// A stored config that is not JSON is replaced only by a whole `set`; other edits would build on nothing.
if (!stored.ok && command.kind !== 'set') fail([`${stored.problem}; write a whole one with: npm run config -- set '<json>'`])
const edited = applyEdit(stored.ok ? stored.value : {}, command, new Date().toISOString().slice(0, 10))
if (!edited.ok) fail(edited.problems)
if (dryRun) {
  console.log(`config: dry run, nothing written: would write ${edited.text} to ${where}`)
  process.exit(0)
}
write(edited.text)
const mode = typeof edited.config.mode === 'string' ? edited.config.mode : 'enforce (bundled default)'
console.log(`config: wrote version ${String(edited.config.version)} (mode ${mode}) to ${where}`)
if (!remote) console.log('config: a running `npm start` uses it within 10 s (its config cache)')
if (command.kind === 'add-app' && positional[2] === '--keygen') console.log(`config: the app's private key is in ${positional[3]} — give it to the app, keep it out of the repository`)
