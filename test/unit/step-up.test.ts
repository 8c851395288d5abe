import { describe, expect, it } from 'vitest'
import { parseStepUp } from '../../src/counters/stepUp'

describe('parseStepUp (the origin\'s x-edgeward-step-up)', () => {
  it('reads passed alone (the sign-in\'s own answer) and passed naming an account (the answer to the code)', () => {
    expect(parseStepUp('passed')).toEqual({ user: null })
    expect(parseStepUp(' passed ')).toEqual({ user: null })
    expect(parseStepUp('passed;user="alice@example.com"')).toEqual({ user: 'alice@example.com' })
    expect(parseStepUp('passed; user="a\\"b\\\\c"')).toEqual({ user: 'a"b\\c' })
  })

  it('confirms nothing for anything else', () => {
    for (const v of [null, '', 'failed', 'Passed', 'passed;user=alice', 'passed;user=""', 'passed;user="a"b"', 'passed;other="x"', 'passed, passed', `passed;user="${'a'.repeat(257)}"`, 'passed;user="ü"']) {
      expect(parseStepUp(v)).toBeNull()
    }
  })
})
