// The token bench times real work: each operation it runs makes a token of the form it names, and the
// verify operations meet tokens the key set has not verified yet and find them valid (or the bench throws).
import { describe, expect, it } from 'vitest'
import { makeDevKeySet } from '../../src/cli/dev-keys'
import { runOp, setup, TOKEN_OPS } from '../../src/cli/bench/tokens-worker'

const alg = (token: string): string => (JSON.parse(atob(token.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))) as { alg: string }).alg

describe('the token bench', async () => {
  const m = await setup(await makeDevKeySet(), 4)

  it('has the shipped tokens in HS256 and the replaced ones in ES256', () => {
    expect(m.hs.map(alg)).toEqual(['HS256', 'HS256', 'HS256', 'HS256'])
    expect(m.es.map(alg)).toEqual(['ES256', 'ES256', 'ES256', 'ES256'])
  })

  it.each(TOKEN_OPS)('runs %s over valid tokens', async (op) => {
    expect(await runOp(op, 6, m)).toBeGreaterThan(6 * 100)
  })
})
