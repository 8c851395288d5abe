// Someone who mistypes their password three times, then types it right, in real Chromium through
// `npm start` in ENFORCE mode: at most challenged (the browser solves it by itself), never blocked,
// and gets in. NOT YET PASSING (the sign-in after the challenge did not settle within 150 s in the
// last runs) — run with `npm run test:open-gaps`, not part of `npm test`.
import { describe, expect, it } from 'vitest'
import { haveChromium, mitigatedLines, signIn, usePeople } from './support/person'

describe.skipIf(!haveChromium && process.env.CI === undefined)('a person who mistypes three times, enforce mode', () => {
  const site = usePeople()

  it('at most challenges someone who mistypes three times, and lets them in', async () => {
    const started = Date.now()
    const ctx = await site.newPerson()
    try {
      const { seen, account } = await signIn(site.server, ctx, 141, 3, 'three-mistakes-account')
      expect(mitigatedLines(site.server, started).filter((l) => !l.includes('→ challenge'))).toEqual([])
      expect(seen.filter((s) => s.mitigated === 'block' || s.mitigated === 'rate_limit')).toEqual([])
      expect(account).toBe(200)
    } finally {
      await ctx.close()
    }
  }, 400_000)
})
