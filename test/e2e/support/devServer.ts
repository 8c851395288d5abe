// Starts the real `npm start` launcher (wrangler dev + workerd) on a free port with its
// own state directory, for end-to-end tests from Node. Collects the decision log lines
// it prints and how long health took to answer; stop() ends the whole process group.
import { freePort } from '../../../src/cli/ports'
import { stopProcessGroup } from '../../../src/cli/processGroup'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface DevServer {
  readonly url: string
  readonly port: number
  /** Milliseconds from spawning the launcher to the first 200 from /__edgeward/health (polled every 250 ms). */
  readonly readyMs: number
  /** Decision log lines (parsed JSON objects with a `ref`) printed so far. */
  logLines(): Record<string, unknown>[]
  output(): string
  stop(): Promise<void>
}

export interface DevServerOptions {
  readonly env?: Record<string, string>
  readonly timeoutMs?: number
  /** A config written to the server's local KV (key `config`) before it starts. */
  readonly config?: Record<string, unknown>
  /** Launch with `npm start` itself (its prestart SDK build included), as a new user would; default: the launcher script alone. */
  readonly npmStart?: boolean
  /** A port of the caller's choosing (its own band); default: a free one from the OS. */
  readonly port?: number
}

const ROOT = join(import.meta.dirname, '../../..')

/** Writes one key into the local KV state a dev server will use (before it starts). */
export function putLocalKv(state: string, key: string, value: string): void {
  execFileSync('npx', ['wrangler', 'kv', 'key', 'put', '--local', '--persist-to', state, '--binding', 'EDGEWARD_CONFIG', key, value], {
    cwd: ROOT,
    stdio: 'pipe',
  })
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const port = opts.port ?? (await freePort())
  const state = mkdtempSync(join(tmpdir(), 'edgeward-e2e-'))
  if (opts.config !== undefined) putLocalKv(state, 'config', JSON.stringify(opts.config))
  const [command, args] = opts.npmStart === true ? ['npm', ['start']] : ['npx', ['tsx', 'src/cli/start.ts']]
  const spawnedAt = Date.now()
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), EDGEWARD_PERSIST_TO: state, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    await stopProcessGroup(child, 500)
    rmSync(state, { recursive: true, force: true })
  }
  const deadline = spawnedAt + (opts.timeoutMs ?? 60_000)
  let readyMs: number
  for (;;) {
    try {
      const r = await fetch(`${url}/__edgeward/health`)
      if (r.ok) {
        readyMs = Date.now() - spawnedAt
        break
      }
    } catch {}
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop()
      throw new Error(`dev server did not answer health on ${url}:\n${out.slice(-3000)}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return {
    url,
    port,
    readyMs,
    output: () => out,
    logLines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes('"ref"'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>]
          } catch {
            return []
          }
        }),
    stop,
  }
}

/** Waits until a log line matching the predicate shows up (lines are printed after the response). */
export async function waitForLog(server: DevServer, match: (l: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = server.logLines().find(match)
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error('no matching log line')
    await new Promise((r) => setTimeout(r, 50))
  }
}

export { freePort }
