// The edgeward under test: either our own `npm start` equivalent (src/cli/start.ts on a free port with
// a fresh EDGEWARD_PERSIST_TO state dir, stdout captured to a file, optional model/config written
// to local KV first), or one already running whose stdout is tee'd to a file. Reads its log lines.
import { freePort } from '../ports'
import { stopProcessGroup } from '../processGroup'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { makeDevKeySet } from '../dev-keys'
import { parseLogLines, type LogLine } from './logLines'

export interface Target {
  readonly url: URL
  readonly logFile: string
  /** Decision log lines printed since the run began. */
  lines(): LogLine[]
  /** The server's own stderr (ours only), for error messages. */
  stderr(): string
  /** False once our own server has exited (always true when attached). */
  alive(): boolean
  /** Times `npm start` itself restarted wrangler dev (it supervises it since a5ea857). */
  launcherRestarts(): number
  /** Whether /__edgeward/health answers within 5 s. */
  healthy(): Promise<boolean>
  /**
   * Our own server only: starts it again on the same port, state and secrets (`wrangler dev` 4.86
   * can exit mid-run on "Network connection lost." in its proxy, cloudflare/workers-sdk#15317).
   */
  restart?(): Promise<boolean>
  stop(): Promise<void>
}

export interface KvEntry {
  readonly key: string
  readonly file: string
}

function readFrom(file: string, offset: number): string {
  if (!existsSync(file)) return ''
  const size = statSync(file).size
  if (size <= offset) return ''
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(size - offset)
    readSync(fd, buf, 0, buf.length, offset)
    return buf.toString('utf8')
  } finally {
    closeSync(fd)
  }
}

async function answersHealth(url: URL, ms: number): Promise<boolean> {
  try {
    return (await fetch(new URL('/__edgeward/health', url), { signal: AbortSignal.timeout(ms) })).ok
  } catch {
    return false
  }
}

async function waitHealthy(url: URL, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && alive()) {
    if (await answersHealth(url, 2000)) return true
    await new Promise((r) => setTimeout(r, 300))
  }
  return false
}

export async function attachServer(url: URL, logFile: string): Promise<Target> {
  if (!(await waitHealthy(url, 5000, () => true))) throw new Error(`no edgeward answers health at ${url.href}`)
  const offset = existsSync(logFile) ? statSync(logFile).size : 0
  return { url, logFile, lines: () => parseLogLines(readFrom(logFile, offset)), stderr: () => '', launcherRestarts: () => 0, alive: () => true, healthy: () => answersHealth(url, 5000), stop: async () => undefined }
}

/**
 * Where the server's local Durable Object and KV state goes: memory (/dev/shm) where there is one, else
 * the temp dir; EDGEWARD_SIM_STATE_DIR overrides. Local Durable Objects commit every write to SQLite
 * on disk, several per request: on this machine's disk a full run's ~150,000 commits made workerd wait
 * on the disk (every request ~0.7 s at the median, held-out seed 833220157), and a burst of 18 sessions
 * a second stopped it answering within 35 s — where a deployed object's storage is Cloudflare's. The
 * same burst with its state in memory ran to the end. The figures are then the Worker's, not the disk's.
 */
function stateRoot(): string {
  const set = process.env.EDGEWARD_SIM_STATE_DIR
  if (set !== undefined && set !== '') return set
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
}

/**
 * Starts src/cli/start.ts from `root` (the repo, or a snapshot of it) with fresh local state. The
 * secrets are made once here, so a restart (see Target.restart) keeps cookies and user hashes valid.
 */
/** `fixedPort` (--port): the server listens there and wrangler's inspector on the next port up. */
export async function startServer(root: string, logFile: string, kv: readonly KvEntry[], fixedPort: number | null = null): Promise<Target> {
  const state = mkdtempSync(join(stateRoot(), 'edgeward-sim-'))
  const run = (args: string[]): void => {
    const r = spawnSync('npx', args, { cwd: root, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`npx ${args.join(' ')} failed:\n${r.stderr.slice(-2000)}`)
  }
  run(['tsx', 'src/cli/build-sdk.ts'])
  for (const e of kv) run(['wrangler', 'kv', 'key', 'put', '--local', '--persist-to', state, '--binding', 'EDGEWARD_CONFIG', e.key, '--path', e.file])
  const port = fixedPort ?? (await freePort())
  // wrangler's devtools inspector port too: its default (9229/9230) collides with any other dev server.
  const inspectorPort = fixedPort !== null && fixedPort < 65535 ? fixedPort + 1 : await freePort()
  const secrets = {
    EDGEWARD_USER_HASH_KEY: process.env.EDGEWARD_USER_HASH_KEY ?? randomBytes(32).toString('hex'),
    EDGEWARD_COOKIE_KEYS: process.env.EDGEWARD_COOKIE_KEYS ?? (await makeDevKeySet()),
  }
  mkdirSync(dirname(logFile), { recursive: true })
  writeFileSync(logFile, '')
  const out = createWriteStream(logFile, { flags: 'a' })
  const errFile = createWriteStream(`${logFile}.stderr`)
  let err = ''
  let launcherRestarts = 0
  let child: ChildProcess | null = null
  const spawnOne = (): ChildProcess => {
    const c = spawn('npx', ['tsx', 'src/cli/start.ts'], {
      cwd: root,
      // No local range server: the simulator's people and attackers do not model password choice, and
      // its figures stay comparable with runs before the leaked-credential check (docs/leaked.md).
      env: { ...process.env, ...secrets, PORT: String(port), EDGEWARD_INSPECTOR_PORT: String(inspectorPort), EDGEWARD_PERSIST_TO: state, EDGEWARD_LEAKED_RANGE_SERVER: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    c.stdout?.on('data', (d: Buffer) => out.write(d))
    c.stderr?.on('data', (d: Buffer) => {
      errFile.write(d)
      launcherRestarts += (d.toString().match(/restarting on the same port/g) ?? []).length
      err = (err + d.toString()).slice(-20_000)
    })
    return c
  }
  const kill = (c: ChildProcess | null): Promise<void> => stopProcessGroup(c, 800)
  const alive = (): boolean => child !== null && child.exitCode === null && child.signalCode === null
  // wrangler stays up after a failed build (it waits for the next file change): stop on its error.
  const up = async (): Promise<boolean> => {
    const mark = err.length
    child = spawnOne()
    return waitHealthy(url, 120_000, () => alive() && !/Build failed|The Workers runtime failed to start/.test(err.slice(mark)))
  }
  const url = new URL(`http://127.0.0.1:${port}`)
  const stop = async (): Promise<void> => {
    await kill(child)
    out.end()
    errFile.end()
    rmSync(state, { recursive: true, force: true })
  }
  if (!(await up())) {
    await stop()
    throw new Error(`edgeward did not come up on ${url.href}:\n${err.slice(-3000)}`)
  }
  return {
    url, logFile, stop, alive,
    lines: () => parseLogLines(readFrom(logFile, 0)),
    stderr: () => err,
    launcherRestarts: () => launcherRestarts,
    healthy: () => answersHealth(url, 5000),
    restart: async () => {
      await kill(child)
      return up()
    },
  }
}

export { freePort }
