// The knobs end to end, against a real `npm start`: a config written with `npm run config` is in
// force within the 10 s cache; a source listed by credential stuffing is let back in by
// `npm run unblock` (its next request judged afresh); npm start's output is quiet and honest
// about the offline placeholder request.cf, which the Worker treats as missing.
import { execFile } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startDevServer, waitForLog, type DevServer } from './support/devServer'

const ROOT = join(import.meta.dirname, '../..')
const STUFFER = '127.0.0.9'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

function npmRun(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    )
  })
}

/** A request from a chosen loopback address (the Worker's client IP under wrangler dev). */
function from(ip: string, port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, localAddress: ip }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('the knobs, through npm start', () => {
  let server: DevServer
  let state: string
  let env: Record<string, string>

  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'edgeward-knobs-'))
    server = await startDevServer({ env: { EDGEWARD_PERSIST_TO: state, EDGEWARD_INSPECTOR_PORT: String(await freePort()) } })
    env = { PORT: String(server.port), EDGEWARD_PERSIST_TO: state }
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(state, { recursive: true, force: true })
  })

  it('treats the offline placeholder request.cf as missing, and a test header as the facts', async () => {
    await fetch(`${server.url}/products/11`)
    const bare = await waitForLog(server, (l) => l.path === '/products/11')
    expect(bare).toMatchObject({ asn: null, country: null, ja3: null })
    await fetch(`${server.url}/products/12`, { headers: { 'x-edgeward-test-cf': JSON.stringify({ asn: 16509, country: 'NL' }) } })
    expect(await waitForLog(server, (l) => l.path === '/products/12')).toMatchObject({ asn: 16509, country: 'NL' })
  })

  it('puts a config written with npm run config in force within the 10 s cache', async () => {
    const config = { version: 'knobs-1', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } }
    const r = await npmRun(['config', '--', 'set', JSON.stringify(config)], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('wrote version knobs-1')
    const written = Date.now()
    for (;;) {
      const h = (await (await fetch(`${server.url}/__edgeward/health`)).json()) as { config: string }
      if (h.config === 'knobs-1') break
      expect(Date.now() - written, 'config picked up within 12 s').toBeLessThan(12_000)
      await new Promise((res) => setTimeout(res, 200))
    }
  })

  it('lets a source that credential stuffing listed back in with npm run unblock: its next plain request is allowed', async () => {
    for (let i = 1; i <= 8; i++) {
      await from(STUFFER, server.port, 'POST', '/login', FORM, `username=user01${i}0%40example.com&password=wrong`)
      if (server.logLines().some((l) => l.ip === STUFFER && (l.rules as string[]).includes('credential_stuffing'))) break
    }
    const listed = await from(STUFFER, server.port, 'GET', '/products/3')
    expect(listed.status).toBe(403)
    expect(listed.headers['edgeward-mitigated']).toBe('block')

    const r = await npmRun(['unblock', '--', 'ip', STUFFER], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('deny entry lifted')

    const page = await from(STUFFER, server.port, 'GET', '/products/4')
    expect(page.status).toBe(200)
    expect(page.headers['edgeward-mitigated']).toBeUndefined()
    const login = await from(STUFFER, server.port, 'POST', '/login', FORM, 'username=user0007%40example.com&password=pass-0007')
    expect(login.status).toBe(200)
  })

  it('prints no stack trace for the expected offline warnings, and says it once in words', () => {
    const out = server.output()
    expect(out).not.toMatch(/getaddrinfo|ENOTFOUND|^\s+at /m)
    expect(out.match(/edgeward: offline dev: request\.cf is wrangler's placeholder/g)).toHaveLength(1)
  })
})
