// Every shell example in the README, and in the docs pages its examples moved to (PAGES), runs
// here, page by page in PAGES order and in page order within each, against one `npm start` of its
// own (own port and KV state), and each is held to the claim its comment makes (# 200 + session,
// # 403 block (rule), # prints "…", # shadow within 10 s, # refused: …). Examples that need a
// Cloudflare account are checked against wrangler's own --help (and `deploy --dry-run` builds).
// A line with no claim this file knows fails: an example that cannot be checked is not shipped.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSimArgs } from '../../src/cli/simulate/args'
import { compileConfig } from '../../src/config/compileConfig'
import { freePort, startDevServer, waitForLog, type DevServer } from './support/devServer'
import { parseClaim, readmeExamples, splitWords, type Example } from './support/readmeExamples'

const ROOT = join(import.meta.dirname, '../..')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
/**
 * The pages whose examples run, in the order they run on one server: the README's knobs (which leave
 * it in enforce), then the pages the README links for the rest (the demo's first try expects the
 * bundled enforce; the config page then writes docs/config-example.json, and so on).
 */
const PAGES = ['README.md', 'docs/demo.md', 'docs/config.md', 'docs/operating.md', 'docs/deploy.md', 'docs/accounts.md'] as const
const page = (p: string): string => readFileSync(join(ROOT, p), 'utf8')
/** How long a config write may take to show in a running server: its 10 s cache, plus polling slack. */
const CONFIG_PICKUP_MS = 12_000

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly headers: string
}

function sh(script: string, env: Record<string, string>, timeoutMs = 120_000): Promise<Run> {
  const hdr = join(mkdtempSync(join(tmpdir(), 'edgeward-readme-')), 'headers')
  // curl dumps the response head to a file whatever its flags, so a `curl -s` line's status is known too.
  const full = `curl() { command curl -D "$EW_HDR" "$@"; }\n${script}`
  return new Promise((resolve) => {
    execFile('bash', ['-c', full], { cwd: ROOT, env: { ...process.env, ...env, EW_HDR: hdr }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const headers = existsSync(hdr) ? readFileSync(hdr, 'utf8') : ''
      rmSync(join(hdr, '..'), { recursive: true, force: true })
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr, headers })
    })
  })
}

/** The last response head curl dumped: its status and headers (lower-case names). */
function lastResponse(dump: string): { status: number; headers: Map<string, string> } {
  const heads = dump.split(/\r?\n\r?\n/).filter((h) => /^HTTP\//.test(h.trim()))
  const head = heads.at(-1)?.trim() ?? ''
  const [statusLine, ...lines] = head.split(/\r?\n/)
  const headers = new Map<string, string>()
  for (const l of lines) {
    const i = l.indexOf(':')
    if (i > 0) {
      const name = l.slice(0, i).trim().toLowerCase()
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${l.slice(i + 1).trim()}` : l.slice(i + 1).trim())
    }
  }
  return { status: Number(statusLine?.split(' ')[1] ?? 0), headers }
}

async function health(server: DevServer): Promise<{ mode: string; config: string }> {
  return (await (await fetch(`${server.url}/__edgeward/health`)).json()) as { mode: string; config: string }
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = CONFIG_PICKUP_MS): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** Runs a wrangler example that needs an account: the command exists and knows every flag the line uses. */
async function checkWranglerSyntax(example: Example, env: Record<string, string>): Promise<void> {
  const words = splitWords(example.command).slice(1) // drop npx
  if (words[1] === 'deploy') {
    const out = mkdtempSync(join(tmpdir(), 'edgeward-dry-'))
    const r = await sh(`npx ${words.join(' ')} --dry-run --outdir ${out}`, env, 180_000)
    const built = existsSync(join(out, 'index.js'))
    rmSync(out, { recursive: true, force: true })
    expect(r.code, r.stderr).toBe(0)
    expect(built).toBe(true)
    return
  }
  const positional = words.filter((w) => !w.startsWith('-'))
  const r = await sh(`npx ${positional.join(' ')} --help`, env)
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain(`${positional.slice(0, 3).join(' ')}`)
  for (const flag of words.filter((w) => w.startsWith('--'))) expect(r.stdout, `${flag} in wrangler's help`).toContain(flag.split('=')[0])
}

describe('the README examples, run against npm start', () => {
  let server: DevServer
  let state: string
  let env: Record<string, string>
  const examples = PAGES.flatMap((p) => readmeExamples(page(p)).map((e) => ({ ...e, page: p })))

  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'edgeward-readme-state-'))
    const inspector = String(await freePort())
    server = await startDevServer({ env: { EDGEWARD_PERSIST_TO: state, EDGEWARD_INSPECTOR_PORT: inspector } })
    env = { PORT: String(server.port), EDGEWARD_PERSIST_TO: state, EDGEWARD_URL: server.url }
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(state, { recursive: true, force: true })
  })

  it('finds the examples: every shell line outside the covered-elsewhere list makes a claim this test checks', () => {
    expect(examples.length).toBeGreaterThan(20)
    for (const p of PAGES) expect(examples.filter((e) => e.page === p).length, `examples in ${p}`).toBeGreaterThan(2)
    for (const e of examples) expect(parseClaim(e), `${e.page} line ${e.line}: ${e.command}`).not.toBeNull()
  })

  it('runs the examples of every page the README sends a reader to for them', () => {
    for (const p of PAGES.slice(1)) expect(README, `README links ${p}`).toContain(`](${p})`)
  })

  it('links only what a reader of the repository can open', () => {
    const targets = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((t) => !/^(https?:|#|mailto:)/.test(t))
    expect(targets.length).toBeGreaterThan(5)
    for (const t of targets) expect(existsSync(join(ROOT, t.split('#')[0] ?? '')) && !t.startsWith('..'), t).toBe(true)
    expect(README).not.toMatch(/shared\/DESIGN\.md|issue #\d/)
  })

  it('holds the config example of docs/config.md to the real schema, and docs/config-example.json to it', () => {
    const block = /```json\n(\{ "version": "2026-11-21\.1"[\s\S]*?)```/.exec(page('docs/config.md'))?.[1]
    expect(block).toBeDefined()
    expect(compileConfig(JSON.parse(block ?? '')).ok).toBe(true)
    expect(readFileSync(join(ROOT, 'docs/config-example.json'), 'utf8')).toBe(block)
  })

  it('runs each example in page order and gets what its comment claims', async () => {
    let prelude = ''
    for (const example of examples) {
      const claim = parseClaim(example)
      const where = `${example.page} line ${example.line}: ${example.command}`
      const command = example.command.replaceAll('127.0.0.1:8787', `127.0.0.1:${server.port}`)
      switch (claim?.kind) {
        case 'assignment':
          prelude += `${command}\n`
          break
        case 'covered':
          expect(existsSync(join(ROOT, claim.by)), `${where} is covered by ${claim.by}`).toBe(true)
          break
        case 'account':
          if (command.startsWith('npm run config')) {
            const r = await sh(`${command} --dry-run`, env)
            expect(r.code, where).toBe(0)
            expect(r.stdout, where).toContain('would write')
          } else await checkWranglerSyntax(example, env)
          break
        case 'full-run': {
          const parsed = parseSimArgs(claim.args)
          expect(parsed.ok, `${where}: ${parsed.ok ? '' : parsed.error}`).toBe(true)
          break
        }
        case 'mode': {
          const r = await sh(command, env)
          expect(r.code, `${where}\n${r.stderr}`).toBe(0)
          await eventually(`${where}: mode ${claim.mode}`, async () => ((await health(server)).mode === claim.mode ? true : undefined))
          break
        }
        case 'refused': {
          const r = await sh(command, env)
          expect(r.code, where).toBe(1)
          expect(r.stderr, where).toContain(claim.text)
          break
        }
        case 'route': {
          const r = await sh(command, env)
          expect(r.code, `${where}\n${r.stderr}`).toBe(0)
          await eventually(`${where}: ${claim.pattern} is class ${claim.routeClass}`, async () => {
            const path = `${claim.pattern}?readme=${Date.now()}`
            await fetch(`${server.url}${path}`, { method: 'POST', body: 'username=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
            const line = await waitForLog(server, (l) => l.path === claim.pattern && l.route === claim.routeClass, 1_000).catch(() => undefined)
            return line
          })
          break
        }
        case 'written': {
          const r = await sh(command, env)
          expect(r.code, `${where}\n${r.stderr}`).toBe(0)
          expect(r.stdout, where).toMatch(claim.get ? /bundled defaults are in force|"version"/ : /wrote version/)
          break
        }
        case 'http':
        case 'prints': {
          const r = await sh(`${prelude}${command}`, env)
          expect(r.code, `${where}\n${r.stderr}`).toBe(0)
          if (claim.kind === 'prints') {
            expect(r.stdout, where).toContain(claim.text)
            break
          }
          const { status, headers } = lastResponse(r.headers)
          // On a mitigation, the decision line says why (shown if the claim fails).
          const ref = headers.get('edgeward-ref')
          const why = ref === undefined ? '' : JSON.stringify(await waitForLog(server, (l) => l.ref === ref).catch(() => null))
          expect(status, `${where}\n${why}`).toBe(claim.status)
          expect(headers.get('edgeward-mitigated') ?? null, `${where}\n${why}`).toBe(claim.mitigation)
          if (claim.session) expect(headers.get('set-cookie') ?? '', where).toContain('demo_session=')
          if (claim.rule !== null) {
            const line = await waitForLog(server, (l) => l.ref === ref)
            expect(line.rules, where).toContain(claim.rule)
          }
          break
        }
        default:
          throw new Error(`${where}: no claim this test can check`)
      }
    }
  }, 900_000)
})
