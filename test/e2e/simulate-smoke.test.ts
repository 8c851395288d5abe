// `npm run simulate -- --smoke` end to end: starts its own edgeward, runs a handful of HTTP clients
// per family from their own 127.x addresses, and ends with one JSON line naming every family with
// its figures; the labelled NDJSON joins each decision line to exactly one family and session.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FAMILIES, FAMILY_INFO } from '../../src/cli/simulate/catalog'

const ROOT = join(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'edgeward-sim-smoke-'))

describe('npm run simulate -- --smoke', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reports every family in one final JSON line and writes labelled rows', () => {
    const out = join(dir, 'rows.ndjson')
    const r = spawnSync('npx', ['tsx', 'src/cli/simulate.ts', '--smoke', '--seed', '3', '--window', '4', '--out', out, '--log', join(dir, 'server.log')], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 })
    expect(r.status, r.stderr.slice(-3000)).toBe(0)
    const last = r.stdout.trim().split('\n').at(-1)!
    const report = JSON.parse(last) as {
      families: Record<string, { label: number; sessions: number; requests: number; mitigated_share: number | null; first_mitigation: number | null; skipped?: string }>
      human_session_friction: number | null
      human_request_block_rate: number | null
      targets: Array<{ target: string; met: boolean | null }>
    }
    expect(Object.keys(report.families).sort()).toEqual([...FAMILIES].sort())
    for (const f of FAMILIES) {
      const fam = report.families[f]!
      expect(fam.label).toBe(FAMILY_INFO[f].label)
      expect(fam).toHaveProperty('mitigated_share')
      expect(fam).toHaveProperty('first_mitigation')
      if (FAMILY_INFO[f].chromium && f !== 'manual_ato') expect(fam.skipped).toMatch(/smoke/)
      else expect(fam.requests, f).toBeGreaterThan(0)
    }
    expect(typeof report.human_session_friction).toBe('number')
    expect(typeof report.human_request_block_rate).toBe('number')
    expect(report.targets.length).toBeGreaterThan(2)

    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ip: string; family: string; session: string; label: number; features?: object; ref: string })
    expect(rows.length).toBeGreaterThan(50)
    const owner = new Map<string, string>()
    for (const row of rows) {
      expect(row.ip).toMatch(/^127\./)
      expect(row.features).toBeTypeOf('object')
      expect(row.label).toBe(FAMILY_INFO[row.family as keyof typeof FAMILY_INFO].label)
      expect(owner.get(row.ip) ?? row.session, 'one address, one session').toBe(row.session)
      owner.set(row.ip, row.session)
    }
  }, 120_000)
})
