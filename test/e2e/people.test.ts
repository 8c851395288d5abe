// People in ordinary situations, in real Chromium through `npm start` in ENFORCE mode with the
// bundled config: ten colleagues behind one office address sign in within three minutes (three
// mistype once), and a browser with JavaScript off browses and signs in. None of them may be blocked
// or rate-limited and all of them get in; the JavaScript-off visitor sees no mitigation at all; in
// the office at most four sign-in attempts may be challenged (the browser solves it by itself, the
// person signs in again). It was two until 2026-12-07: the count depends on timing — until three
// colleagues have signed in, the address does not read as shared and the model challenges a sign-in
// after the office's mistypes — and of fifteen runs on that day, before and after the session's
// changes, six went past two (3 or 4 challenged attempts), one of them among three runs of the
// unchanged code (cc9af6e). The office's first sign-ins being challenged at all is friction still
// to remove. Every client is 127.0.0.1 — one address. (Someone who mistypes three times:
// people-mistypes.test.ts.)
import { describe, expect, it } from 'vitest'
import { haveChromium, mitigatedLines, OUT, record, signIn, sleep, usePeople } from './support/person'

describe.skipIf(!haveChromium && process.env.CI === undefined)('people in ordinary situations, enforce mode', () => {
  const site = usePeople('people')

  it('lets ten colleagues behind one address sign in within three minutes, three of them after one mistake: none blocked, at most four attempts challenged', async () => {
    const started = Date.now()
    const people = Array.from({ length: 10 }, (_, i) => 101 + i)
    const results = await Promise.all(
      people.map(async (n, i) => {
        await sleep(i * 2500) // one new colleague every 2.5 s, several at once
        const ctx = await site.newPerson()
        try {
          return await signIn(site.server, ctx, n, i % 3 === 1 && i < 8 ? 1 : 0, i === 9 ? 'office-tenth-person-account' : null)
        } catch (error) {
          // A person who got stuck is a failure to report with the rest, not a reason to stop looking.
          return { seen: [], account: 0, stuck: `person ${n}: ${String(error).split('\n')[0]}` }
        } finally {
          await ctx.close()
        }
      }),
    )
    expect(Date.now() - started).toBeLessThan(180_000)
    const lines = mitigatedLines(site.server, started)
    expect({ notChallenges: lines.filter((l) => !l.includes('→ challenge')), stuck: results.flatMap((r) => ('stuck' in r ? [r.stuck] : [])) }).toEqual({ notChallenges: [], stuck: [] })
    expect(lines.length).toBeLessThanOrEqual(4)
    expect(results.flatMap((r) => r.seen.filter((s) => s.mitigated !== null && s.mitigated !== 'challenge'))).toEqual([])
    expect(results.map((r) => r.account)).toEqual(Array(10).fill(200))
  }, 400_000)

  it('never blocks or challenges a browser with JavaScript off on its page views, and lets it sign in', async () => {
    const started = Date.now()
    const ctx = await site.newPerson(false)
    const page = await ctx.newPage()
    const seen = record(page)
    for (const path of ['/', '/products', '/products/3', '/products/17', '/login', '/', '/products/5', '/login']) {
      await page.goto(`${site.server.url}${path}`)
      await page.waitForTimeout(400)
    }
    await page.fill('#username', 'user0131@example.com')
    await page.fill('#password', 'pass-0131')
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')])
    const account = await page.goto(`${site.server.url}/account`)
    await page.screenshot({ path: `${OUT}/no-javascript-account.png` })
    await ctx.close()
    expect(mitigatedLines(site.server, started)).toEqual([])
    expect(seen.filter((s) => s.mitigated !== null)).toEqual([])
    expect(account?.status()).toBe(200)
  }, 120_000)
})
