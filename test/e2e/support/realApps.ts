// Real third-party apps behind `npm start`-style edgeward, for the real-app e2e tests: installs
// the apps (test/real-apps, its own lockfile, so the root `npm ci` stays small), starts one on a
// port of the test's band, and reads what edgeward decided about each request from its log lines.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import { stopProcessGroup } from '../../../src/cli/processGroup'
import { startDevServer, type DevServer } from './devServer'
import { CHROMIUM, edgewardAnswers, haveChromium, launchPerson, type Answer, type PersonBrowser, type StuffResult } from './realAppsBrowser'

const ROOT = join(import.meta.dirname, '../../..')
export const REAL_APPS_DIR = join(ROOT, 'test/real-apps')
export const OUT_DIR = join(ROOT, 'out/real-apps')

/**
 * `npm ci` in test/real-apps when its node_modules is missing or older than its lockfile: the
 * first run needs the npm registry (~40 s, 467 packages), every later one none. No install
 * scripts: the only one in the tree is core-js's postinstall banner.
 */
export function ensureRealAppsInstalled(): void {
  const installed = join(REAL_APPS_DIR, 'node_modules/.package-lock.json')
  const lock = join(REAL_APPS_DIR, 'package-lock.json')
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return
  execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: REAL_APPS_DIR, stdio: 'pipe', timeout: 300_000 })
}

/** Removes an app's files from an earlier run, so every screenshot and report there is this run's. */
export function clearOut(prefix: string): void {
  mkdirSync(OUT_DIR, { recursive: true })
  for (const f of readdirSync(OUT_DIR)) if (f.startsWith(`${prefix}-`)) rmSync(join(OUT_DIR, f), { force: true })
}

export function outPath(name: string): string {
  mkdirSync(OUT_DIR, { recursive: true })
  return join(OUT_DIR, name)
}

export interface AppProcess {
  readonly url: string
  output(): string
  stop(): Promise<void>
}

/**
 * Refuses a port something already answers on. The tests use fixed ports, and every check after
 * start is "something answers": a second run of the same file (another checkout, another engineer)
 * would otherwise drive the first run's app and edgeward, whose state and life are not its own.
 */
export async function expectPortFree(port: number, what: string): Promise<void> {
  const answered = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual', signal: AbortSignal.timeout(2000) }).then(
    () => true,
    (e: unknown) => !(e instanceof TypeError && /ECONNREFUSED/.test(String((e as { cause?: unknown }).cause))),
  )
  if (answered) throw new Error(`port ${port} (${what}) is already in use: is another run of this test going on?`)
}

/** Starts an app (detached, its own process group) and waits until `readyPath` answers at all. */
export async function startApp(command: string, args: readonly string[], opts: { port: number; env?: Record<string, string>; cwd?: string; readyPath?: string; timeoutMs?: number }): Promise<AppProcess> {
  await expectPortFree(opts.port, `${command} ${args[0] ?? ''}`)
  const child: ChildProcess = spawn(command, args, {
    cwd: opts.cwd ?? REAL_APPS_DIR,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const url = `http://127.0.0.1:${opts.port}`
  const stop = () => stopProcessGroup(child, 1000)
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  for (;;) {
    try {
      await fetch(`${url}${opts.readyPath ?? '/'}`, { redirect: 'manual' })
      return { url, output: () => out, stop }
    } catch {}
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop()
      throw new Error(`${command} ${args.join(' ')} did not answer on ${url}:\n${out.slice(-3000)}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
}

export type LogLine = Record<string, unknown>

/** Lines where edgeward did not simply forward: what it answered itself (or would have, in shadow). */
export const mitigatedLines = (lines: readonly LogLine[], ip?: string): LogLine[] =>
  lines.filter((l) => (ip === undefined || l.ip === ip) && typeof l.action === 'string' && l.action !== 'allow')

/** One line per decision, for a failure message and the report: what, answer, why. */
export function describeLines(lines: readonly LogLine[]): string {
  return lines
    .map((l) => {
      const features = l.features as Record<string, number> | undefined
      const picked = features === undefined ? '' : ` features{${FEATURES_OF_INTEREST.filter((f) => f in features).map((f) => `${f}=${features[f]}`).join(' ')}}`
      return `${l.ip} ${l.method} ${l.path} route=${l.route} → ${l.action} (would ${l.would_action}, source ${l.source}) risk=${l.risk} model_risk=${l.model_risk} reasons=${JSON.stringify(l.reasons)} rules=${JSON.stringify(l.rules)} origin=${l.origin_status}${picked}`
    })
    .join('\n')
}

const FEATURES_OF_INTEREST = [
  'ip_requests_1m', 'device_requests_1m', 'cookie_missing', 'device_age_s', 'timezone_mismatch', 'sec_fetch_missing',
  'sdk_webdriver', 'sdk_automation_markers', 'sdk_key_count', 'sdk_key_interval_mean_ms', 'sdk_time_to_submit_ms', 'sdk_pointer_moved',
  'device_failed_logins_10m', 'ip_failed_logins_10m', 'ip_distinct_users_10m', 'user_failed_logins_1h',
]

/**
 * Stage by stage: fails when, since the last call, the browser got an answer edgeward made
 * itself or a decision line for the person's address is not `allow`, listing both.
 */
export function personWatch(edge: { logLines(): LogLine[] }, person: { answers: Answer[]; socketErrors: string[] }, ip: string) {
  let seen = { answers: 0, lines: 0 }
  return {
    expectNoMitigation(stage: string): void {
      const lines = edge.logLines()
      const answers = edgewardAnswers(person.answers.slice(seen.answers))
      const mitigated = mitigatedLines(lines.slice(seen.lines), ip)
      seen = { answers: person.answers.length, lines: lines.length }
      const message = `${stage}: edgeward mitigated the person:\n${answers.map((a) => `${a.method} ${a.url} ${a.status} ${a.mitigated} ${a.resourceType}`).join('\n')}\n--- decision log ---\n${describeLines(mitigated)}`
      expect(answers.length + mitigated.length, message).toBe(0)
      expect(person.socketErrors, stage).toEqual([])
    },
  }
}

/**
 * The stuffing run: its first mitigation no later than `within`, and none of its later attempts
 * reaching the app. Writes each attempt's answer and decision line to out/real-apps/<file>.
 */
export function expectStoppedEarly(results: readonly StuffResult[], lines: readonly LogLine[], file: string, within: number): void {
  const first = results.find((r) => r.mitigated !== null)
  const report = `${results.map((r) => `${r.attempt}:${r.status}${r.mitigated === null ? '' : `/${r.mitigated}`}`).join(' ')}\n${describeLines(lines)}`
  writeFileSync(outPath(file), report + '\n')
  expect(first?.attempt ?? Infinity, report).toBeLessThanOrEqual(within)
  expect(results.slice(first?.attempt ?? 0).filter((r) => r.mitigated === null).map((r) => r.attempt), report).toEqual([])
}

/** Every decision as text (`<app>-decisions.txt`) and the non-allow lines whole (`<app>-mitigated.jsonl`). */
export function saveDecisions(prefix: string, lines: readonly LogLine[]): void {
  writeFileSync(outPath(`${prefix}-decisions.txt`), describeLines(lines) + '\n')
  writeFileSync(outPath(`${prefix}-mitigated.jsonl`), mitigatedLines(lines).map((l) => JSON.stringify(l)).join('\n') + '\n')
}

/** The config version the running edgeward reports: whether the KV config was taken or refused. */
export async function healthConfig(edgewardUrl: string): Promise<string> {
  const health = (await (await fetch(`${edgewardUrl}/__edgeward/health`)).json()) as { config: string }
  return health.config
}

/** git init for a wiki's page store (jingo keeps pages in a git repository). */
export function gitInit(dir: string): void {
  mkdirSync(dir, { recursive: true })
  execFileSync('git', ['init', '-q'], { cwd: dir })
  execFileSync('git', ['config', 'user.email', 'wiki@example.com'], { cwd: dir })
  execFileSync('git', ['config', 'user.name', 'Wiki'], { cwd: dir })
}

export const readText = (path: string): string => readFileSync(path, 'utf8')

export interface RealAppRun {
  readonly app: AppProcess
  readonly edge: DevServer
  readonly person: PersonBrowser
  /** A scratch directory for the app's files, removed after the tests. */
  readonly dir: string
  readonly watch: ReturnType<typeof personWatch>
}

/**
 * A describe block's app behind edgeward (`npm start`, enforce, bundled config plus `config`) and a
 * person's Chromium: started before its tests, a screenshot of what the person saw when a test
 * fails (out/real-apps/<prefix>-failed-<stage>.png), every decision saved and all stopped after.
 */
export function useRealApp(prefix: string, opts: { edgewardPort: number; personIp: string; config: Record<string, unknown>; startApp: (dir: string) => Promise<AppProcess> }): RealAppRun {
  const run = {} as { -readonly [K in keyof RealAppRun]: RealAppRun[K] }
  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is required under CI (apt-get install chromium)`)
    ensureRealAppsInstalled()
    clearOut(prefix)
    run.dir = mkdtempSync(join(tmpdir(), `edgeward-${prefix}-`))
    await expectPortFree(opts.edgewardPort, 'edgeward')
    run.app = await opts.startApp(run.dir)
    run.edge = await startDevServer({ port: opts.edgewardPort, env: { ORIGIN_URL: run.app.url }, config: opts.config })
    run.person = await launchPerson()
    run.watch = personWatch(run.edge, run.person, opts.personIp)
  }, 300_000)
  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      const name = task.name.split(' ').slice(0, 3).join('-').replace(/[^a-z0-9-]/gi, '')
      await run.person?.page.screenshot({ path: outPath(`${prefix}-failed-${name}.png`) }).catch(() => {})
    })
  })
  afterAll(async () => {
    if (run.edge !== undefined) saveDecisions(prefix, run.edge.logLines())
    await run.person?.close()
    await run.edge?.stop()
    await run.app?.stop()
    if (run.dir !== undefined) rmSync(run.dir, { recursive: true, force: true })
  })
  return run
}
