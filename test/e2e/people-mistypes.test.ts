// Someone who mistypes their password three times, then types it right, in real Chromium through
// `npm start` in ENFORCE mode: at most challenged (the browser solves it by itself), never blocked,
// and gets in. NOT YET PASSING (the sign-in after the challenge did not settle within 150 s in the
// last runs) — run with `npm run test:open-gaps`, not part of `npm test`.
import { mkdirSync } from 'node:fs'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevServer, type DevServer } from './support/devServer'
import { CHROMIUM, haveChromium, launchPersonBrowser, mitigatedLines, OUT, signIn } from './support/person'

describe.skipIf(!haveChromium && process.env.CI === undefined)('a person who mistypes three times, enforce mode', () => {
  let server: DevServer
  let browser: Browser
  let personUa: string

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is required under CI (apt-get install chromium)`)
    mkdirSync(OUT, { recursive: true })
    server = await startDevServer()
    ;({ browser, userAgent: personUa } = await launchPersonBrowser())
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  const newPerson = (): Promise<BrowserContext> => browser.newContext({ userAgent: personUa, timezoneId: 'UTC' })

  it('at most challenges someone who mistypes three times, and lets them in', async () => {
    const started = Date.now()
    const ctx = await newPerson()
    try {
      const { seen, account } = await signIn(server, ctx, 141, 3, 'three-mistakes-account')
      expect(mitigatedLines(server, started).filter((l) => !l.includes('→ challenge'))).toEqual([])
      expect(seen.filter((s) => s.mitigated === 'block' || s.mitigated === 'rate_limit')).toEqual([])
      expect(account).toBe(200)
    } finally {
      await ctx.close()
    }
  }, 400_000)
})
