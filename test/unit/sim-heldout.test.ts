// The held-out protocol's record and the operator's allow list for benign automation: spent seeds
// are read back so they are never drawn again; a section carries the commit, the seeds, every
// figure with its interval and each target's verdict on the bound; only automation from fixed
// server addresses can be allow-listed, and half of it is, so a run measures both sides.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { frictionByCohort, operatorAllowList } from '../../src/cli/simulate/benignAllow'
import { FAMILIES } from '../../src/cli/simulate/catalog'
import { benignPlanFor } from '../../src/cli/simulate/families/benignAutomation'
import type { LabelledRow } from '../../src/cli/simulate/join'
import { planRun } from '../../src/cli/simulate/schedule'
import { createTruth } from '../../src/cli/simulate/truth'
import type { World } from '../../src/cli/simulate/world'
import { heldoutHeader, heldoutSection, parseSpent } from '../../src/cli/heldout/record'

describe('heldout record', () => {
  it('reads spent seeds, skipping comments', () => {
    expect([...parseSpent('# header 123\n1234567 2026-12-05T10:00:00Z abc\n  99 x\n\n')]).toEqual([1234567, 99])
  })

  it('writes the commit, seeds, intervals and verdicts on the bound, and marks a dirty-tree trial', () => {
    const report = {
      families: { credential_stuffing: { label: 1, sessions: 4, attempts: 200, attempts_mitigated_share: 0.99, attempts_mitigated_share_ci95: [0.9643, 0.9973], session_mitigated_share: 1, session_mitigated_share_ci95: [0.5101, 1], mitigated_share: 0.99, mitigated_share_ci95: [0.96, 1], first_mitigation: 1 } },
      human_session_friction: 0.001, human_request_block_rate: 0,
      human_friction_causes: [{ cause: 'challenge POST login by model', sessions: 2 }],
      humans: { sessions: 5000, requests: 40000, sessions_with_friction: 5, session_friction_ci95: [0.0004, 0.0023], requests_blocked: 0, request_block_ci95: [0, 0.0001], sign_in_sessions: 800, sign_in_sessions_stepped_up: 40 },
      human_sign_in_step_up: 0.05, human_sign_in_step_up_ci95: [0.037, 0.0673], returning_share: 0.9,
      targets: [{ target: 'human sessions with any challenge or block', value: 0.001, ci95: [0.0004, 0.0023], judged_on: 'upper95', bound: 0.0023, limit: 0.005, comparison: '<=', met: true }],
    }
    const text = heldoutSection({ date: '2026-12-05T12:00:00.000Z', commit: 'abcdef0123456789', dirty: true, invocation: 'npm run heldout -- --allow-dirty', runs: [{ seed: 1234567, command: 'npm run simulate -- --snapshot --seed 1234567', exit: 0, seconds: 800, report }, { seed: 7654321, command: 'x', exit: 1, seconds: 3, report: null }] })
    expect(text).toContain('commit abcdef012345 · DIRTY TREE')
    expect(text).toContain('seeds 1234567, 7654321')
    expect(text).toContain('5 with any challenge or block = 0.10 % [0.04–0.23]')
    expect(text).toContain('| credential_stuffing | 1 | 4 | 200 | 99.0 % [96.4–99.7] |')
    expect(text).toMatch(/\| human sessions with any challenge or block \| <= 0\.500 % \| 0\.100 % \[0\.040–0\.230\] \| upper95 0\.230 % \| met \|/)
    expect(text).toContain('the run failed; its seed stays spent')
    expect(text).toContain('What first hurt them: 2 × challenge POST login by model.')
    // Step-up beside friction, never inside it, with the share of known places the run assumed.
    expect(text).toContain("Step-up (`review`, for the origin's second factor): 40 of 800 people who signed in = 5.0 % [3.7–6.7] (the run drew 90.0 % of people's sign-ins from a place their account knew).")
    expect(text).not.toContain('Server load')
  })

  it('says next to the figures when the local server was saturated (and when it was not)', () => {
    const run = (saturated: boolean): string =>
      heldoutSection({ date: '2026-12-05T12:00:00.000Z', commit: 'abcdef0123456789', dirty: false, invocation: 'npm run heldout', runs: [{ seed: 1, command: 'x', exit: 0, seconds: 1, report: { run: { pacing: { server_ms_p50: 180, server_ms_p95: 900, queued_ms_p50: saturated ? 4200 : 0, queued_ms_p95: saturated ? 15000 : 40, saturated } } } }] })
    expect(run(true)).toContain("Server load: a request took 180 ms at the median (p95 900) and waited 4200 ms (p95 15000) in the simulator's queue first — **saturated**")
    expect(run(false)).toContain('waited 0 ms (p95 40) in the simulator\'s queue first — not saturated.')
  })

  it('says how each verified crawler category was treated against its policy, and the spoofers', () => {
    const crawlers = {
      verified: { search_engine: { policy: 'allow', requests: 48, as_policy: 48 }, ai_training: { policy: 'block', requests: 52, as_policy: 51 } },
      spoofed: { requests: 150, mitigated_share: 1, mitigated_share_ci95: [0.975, 1] },
    }
    const text = heldoutSection({ date: '2026-12-05T12:00:00.000Z', commit: 'abcdef0123456789', dirty: false, invocation: 'npm run heldout', runs: [{ seed: 1, command: 'x', exit: 0, seconds: 1, report: { crawlers } }] })
    expect(text).toContain('Declared crawlers, verified: search_engine 48 of 48 requests as its policy (allow); ai_training 51 of 52 requests as its policy (block). Spoofed: 150 requests, mitigated 100.0 % [97.5–100.0].')
  })

  it('puts the seeds in the doc before any run ends, so a run stopped half way still shows them', () => {
    const head = heldoutHeader({ date: '2026-12-05T12:00:00.000Z', commit: 'abcdef0123456789', dirty: false, invocation: 'npm run heldout -- --runs 2', seeds: [1234567, 7654321] })
    expect(head).toContain('seeds 1234567, 7654321')
    expect(head).toContain('A seed with no section below was stopped before it ended')
    expect(head).not.toContain('DIRTY')
  })

  it('refuses extra simulator arguments that would choose the seed, variant or code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-heldout-'))
    try {
      for (const extra of [['--seed', '3'], ['--seed=3'], ['--variant', 'shifted'], ['--root', '/tmp']]) {
        const r = spawnSync('npx', ['tsx', 'src/cli/heldout.ts', '--doc', join(dir, 'h.md'), '--spent', join(dir, 's.txt'), '--', ...extra], { cwd: join(import.meta.dirname, '../..'), encoding: 'utf8' })
        expect(r.status, r.stderr).toBe(2)
        expect(r.stderr).toContain('the held-out protocol sets these itself')
      }
      expect(existsSync(join(dir, 's.txt'))).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('operator allow list for benign automation', () => {
  const world = { target: new URL('http://127.0.0.1:1'), truth: createTruth(), seed: 4, variant: 'base', scale: 1, smoke: false, windowMs: 600_000, startedAt: 0, deadline: 0, chromium: null, pace: 1, abort: { stopped: true } } as World
  const planned = planRun(world, ['benign_automation'])
  const allow = operatorAllowList(planned, 4)

  it('lists only monitors on hosting networks, about half of them; every app and partner carries an app token instead', () => {
    const listable = planned.filter((p) => ['listed', 'listable_unlisted'].includes(allow.cohorts.get(p.ctx.session)!))
    expect(listable.length).toBeGreaterThan(5)
    for (const p of listable) expect(benignPlanFor(p.ctx)).toMatchObject({ network: 'hosting', kind: 'monitor' })
    for (const p of planned) expect(allow.cohorts.get(p.ctx.session) === 'app_token').toBe(benignPlanFor(p.ctx).kind === 'app')
    // Without the operator acting, nobody is listed and no app has a token.
    const none = operatorAllowList(planned, 4, false)
    for (const p of planned) expect(none.cohorts.get(p.ctx.session)).not.toBe('app_token')
    const listed = planned.filter((p) => allow.cohorts.get(p.ctx.session) === 'listed')
    expect(allow.ips).toEqual(listed.map((p) => p.ctx.ip).sort())
    expect(listed.length).toBeGreaterThan(0)
    expect(listed.length).toBeLessThan(listable.length)
    // The same seed plans the same addresses (the list is written before the server starts).
    expect(operatorAllowList(planRun({ ...world, truth: createTruth() }, ['benign_automation']), 4).ips).toEqual(allow.ips)
    expect(operatorAllowList(planned, 4, false).ips).toEqual([])
    expect(FAMILIES).toContain('benign_automation')
  })

  it('reports friction per cohort with its interval', () => {
    const [a, b] = planned.filter((p) => allow.cohorts.get(p.ctx.session) === 'listed').map((p) => p.ctx.session)
    const rows = [{ family: 'benign_automation', session: a, action: 'allow' }, { family: 'benign_automation', session: b, action: 'block' }] as unknown as LabelledRow[]
    expect(frictionByCohort(rows, allow.cohorts).listed).toEqual({ sessions: 2, mitigated: 1, friction: 0.5, ci95: [0.0945, 0.9055] })
  })
})
