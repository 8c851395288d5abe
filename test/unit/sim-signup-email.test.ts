import { describe, expect, it } from 'vitest'
import { signupEmail } from '../../src/cli/simulate/families/humanHttp'
import { random } from '../../src/cli/simulate/random'
import { emailFacts } from '../../src/signals/email'

describe('signupEmail (people opening an account in the simulator)', () => {
  it('is unique per session, mostly plain, about 1 in 10 a +tag alias and 1 in 25 a throwaway inbox', () => {
    const rng = random(7, 'signup-test')
    const all = Array.from({ length: 4000 }, (_, i) => signupEmail(i, rng))
    expect(new Set(all).size).toBe(all.length)
    const facts = all.map((e) => emailFacts(e)!)
    const share = (f: (x: (typeof facts)[number]) => boolean) => facts.filter(f).length / facts.length
    expect(share((x) => x.disposable)).toBeGreaterThan(0.025)
    expect(share((x) => x.disposable)).toBeLessThan(0.055)
    expect(share((x) => x.aliased)).toBeGreaterThan(0.08)
    expect(share((x) => x.aliased)).toBeLessThan(0.12)
  })
})
