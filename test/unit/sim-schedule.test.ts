// Takes the simulator's scheduler (src/cli/simulate/schedule.ts runPlanned) with made-up sessions; checks
// that a session which never ends is left behind once the deadline and its grace have passed — reported
// as a failure, the others' outcomes kept — so one hung await cannot hold a held-out run's report.
import { describe, expect, it } from 'vitest'
import { random } from '../../src/cli/simulate/random'
import { runPlanned, type Planned } from '../../src/cli/simulate/schedule'
import { createTruth } from '../../src/cli/simulate/truth'
import type { SessionContext, World } from '../../src/cli/simulate/world'

function plan(deadlineInMs: number, n: number): Planned[] {
  const startedAt = Date.now()
  const world: World = {
    target: new URL('http://127.0.0.1:9'), truth: createTruth(), seed: 1, variant: 'base', scale: 1, smoke: true, windowMs: 10, startedAt,
    deadline: startedAt + deadlineInMs, chromium: null, pace: 0, abort: { stopped: false },
  }
  return Array.from({ length: n }, (_, index) => {
    const ctx: SessionContext = { world, family: 'human_http', index, session: `human_http-${index}`, ip: `127.60.0.${index + 1}`, site: null, rng: random(1, `t/${index}`) }
    return { ctx, startMs: 0 }
  })
}

describe('the scheduler', () => {
  it('reports a run without a session still running past the deadline and its grace, as a failure of that session', async () => {
    const planned = plan(30, 3)
    const finished: string[] = []
    // A cut that never came would leave this await hanging until vitest's own timeout fails the test.
    const outcome = await runPlanned(planned, () => undefined, {
      graceMs: 50,
      run: async (ctx) => {
        if (ctx.index === 1) return new Promise<void>(() => undefined) // never settles
        if (ctx.index === 2) throw new Error('boom')
        finished.push(ctx.session)
      },
    })
    expect(finished).toEqual(['human_http-0'])
    expect(outcome.sessions).toBe(3)
    expect(outcome.failures.map((f) => f.session).sort()).toEqual(['human_http-1', 'human_http-2'])
    expect(outcome.failures.find((f) => f.session === 'human_http-1')?.error).toMatch(/after the deadline/)
  })

  it('waits for a session that ends within the grace', async () => {
    const outcome = await runPlanned(plan(10, 1), () => undefined, { graceMs: 500, run: () => new Promise((resolve) => setTimeout(resolve, 100)) })
    expect(outcome.failures).toEqual([])
  })
})
