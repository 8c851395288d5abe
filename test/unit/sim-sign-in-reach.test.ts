// People who set out to sign in, and whether they reached their account: counted apart with and
// without JavaScript, and judged on the lower bound (≥ 95 % for people without JavaScript).
import { describe, expect, it } from 'vitest'
import { reachText, signInReach, type HumanFriction } from '../../src/cli/simulate/report'
import { checkTargets } from '../../src/cli/simulate/targets'

const NO_PEOPLE = { sessions: 0, requests: 0, session_friction: null, session_friction_ci95: null, request_block_rate: null, request_block_ci95: null } as unknown as HumanFriction
const journeys = (js: boolean, reached: number, stopped: number) => [
  ...Array.from({ length: reached }, () => ({ javascript: js, reached: true })),
  ...Array.from({ length: stopped }, () => ({ javascript: js, reached: false })),
]

describe('people reaching their account', () => {
  it('counts people with and without JavaScript apart', () => {
    const r = signInReach([...journeys(true, 10, 0), ...journeys(false, 3, 1)])
    expect(r.javascript).toMatchObject({ k: 10, n: 10, share: 1 })
    expect(r.no_javascript).toMatchObject({ k: 3, n: 4, share: 0.75 })
    expect(reachText(r.no_javascript)).toMatch(/^3 of 4, 75\.0 % \[/)
    expect(reachText(signInReach([]).javascript)).toBe('none')
  })

  it('judges people without JavaScript on the lower bound: 200 of 200 meets 95 %, 195 of 200 does not', () => {
    const target = (reached: number, stopped: number) =>
      checkTargets({}, NO_PEOPLE, signInReach(journeys(false, reached, stopped))).find((c) => c.target.startsWith('people without JavaScript'))
    expect(target(200, 0)).toMatchObject({ met: true, judged_on: 'lower95' })
    expect(target(195, 5)).toMatchObject({ met: false })
    expect(checkTargets({}, NO_PEOPLE, signInReach(journeys(true, 5, 0))).some((c) => c.target.startsWith('people without JavaScript'))).toBe(false)
  })
})
