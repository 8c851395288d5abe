// Issue 12's Done-when through the real Worker (workerd, real KV and Durable Objects, the demo origin):
// the adaptive attacker from one source, 40 attempts — each tactic alone and all combined — is first
// mitigated no later than the same attack without the tactic + 2 attempts and lets through no more
// than that attack + 2 of 40. The plain attack (a stuffing script with a copied Chrome header set)
// runs once first. Several of these fail on the code this was written against: docs/adaptive.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TACTICS, type Tactic } from '../../src/cli/simulate/families/adaptiveTactics'
import { clearConfig, writeConfig } from '../support/worker'
import { BUDGET_MS, explain, runAttack, verdict, type Run } from './adaptive-harness'

const SHAPE = 'single' as const
let plain: Run
const results: string[] = []

beforeAll(async () => {
  await writeConfig({ version: 'adaptive-single', counters: { budget_ms: BUDGET_MS } })
  plain = await runAttack(new Set(), SHAPE)
}, 300_000)
afterAll(async () => {
  await clearConfig()
  console.info(`adaptive (single):\n  ${results.join('\n  ')}`)
})

const CASES: ReadonlyArray<readonly [string, ReadonlySet<Tactic>]> = [...TACTICS.map((t) => [t, new Set([t])] as const), ['all tactics combined', new Set(TACTICS)] as const]

describe('the adaptive attacker from one source, 40 attempts', () => {
  it('the plain attack is mitigated at all (the yardstick)', () => {
    expect(plain.firstMitigation, explain(plain)).not.toBeNull()
  })

  it.each(CASES)('%s: mitigated no later than the plain attack + 2 and lets through no more than it + 2 of 40', async (_name, tactics) => {
    const adaptive = await runAttack(tactics, SHAPE)
    const v = verdict(plain, adaptive)
    results.push(`${v.firstOk && v.throughOk ? 'PASS' : 'FAIL'} ${v.summary}`)
    const detail = `${v.summary}\n${explain(adaptive)}\n${explain(plain)}`
    expect.soft(v.firstOk, detail).toBe(true)
    expect.soft(v.throughOk, detail).toBe(true)
  }, 900_000)
})
