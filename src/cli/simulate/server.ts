// The edgeward under test: either our own `npm start` equivalent (src/cli/start.ts on a free port with
// a fresh EDGEWARD_PERSIST_TO state dir, stdout captured to a file, optional model/config written
// to local KV first), or one already running whose stdout is tee'd to a file. Reads its log lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
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
  stop(): Promise<void>
}

export interface KvEntry {
  readonly key: string
  readonly file: string
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })
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

async function waitHealthy(url: URL, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && alive()) {
    try {
      if ((await fetch(new URL('/__edgeward/health', url), { signal: AbortSignal.timeout(2000) })).ok) return true
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  return false
}

export async function attachServer(url: URL, logFile: string): Promise<Target> {
  if (!(await waitHealthy(url, 5000, () => true))) throw new Error(`no edgeward answers health at ${url.href}`)
  const offset = existsSync(logFile) ? statSync(logFile).size : 0
  return { url, logFile, lines: () => parseLogLines(readFrom(logFile, offset)), stderr: () => '', alive: () => true, stop: async () => undefined }
}

/** Starts src/cli/start.ts from `root` (the repo, or a snapshot of it) with fresh local state. */
export async function startServer(root: string, logFile: string, kv: readonly KvEntry[]): Promise<Target> {
  const state = mkdtempSync(join(tmpdir(), 'edgeward-sim-'))
  const run = (args: string[]): void => {
    const r = spawnSync('npx', args, { cwd: root, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`npx ${args.join(' ')} failed:\n${r.stderr.slice(-2000)}`)
  }
  run(['tsx', 'src/cli/build-sdk.ts'])
  for (const e of kv) run(['wrangler', 'kv', 'key', 'put', '--local', '--persist-to', state, '--binding', 'EDGEWARD_CONFIG', e.key, '--path', e.file])
  const port = await freePort()
  mkdirSync(dirname(logFile), { recursive: true })
  writeFileSync(logFile, '')
  const out = createWriteStream(logFile, { flags: 'a' })
  const errFile = createWriteStream(`${logFile}.stderr`)
  let err = ''
  const child: ChildProcess = spawn('npx', ['tsx', 'src/cli/start.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), EDGEWARD_PERSIST_TO: state },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  child.stdout?.pipe(out)
  child.stderr?.on('data', (d: Buffer) => {
    errFile.write(d)
    err = (err + d.toString()).slice(-20_000)
  })
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {}
      await new Promise((r) => setTimeout(r, 800))
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }
    out.end()
    errFile.end()
    rmSync(state, { recursive: true, force: true })
  }
  const url = new URL(`http://127.0.0.1:${port}`)
  // wrangler stays up after a failed build (it waits for the next file change): stop on its error.
  const broken = (): boolean => /Build failed|The Workers runtime failed to start/.test(err)
  if (!(await waitHealthy(url, 120_000, () => child.exitCode === null && !broken()))) {
    await stop()
    throw new Error(`edgeward did not come up on ${url.href}:\n${err.slice(-3000)}`)
  }
  return { url, logFile, lines: () => parseLogLines(readFrom(logFile, 0)), stderr: () => err, alive: () => child.exitCode === null && child.signalCode === null, stop }
}
