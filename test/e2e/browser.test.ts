// A real Chromium through `npm start`: the injected SDK gives the browser a valid __edgeward
// cookie within 2 s of the load event, and the login POST's decision log line carries the
// keystroke statistics and navigator.webdriver exactly as the browser had them.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeDevKeySet } from '../../src/cli/dev-keys'
import { bindingHashes } from '../../src/signals/binding'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { startDevServer, waitForLog, type DevServer } from './support/devServer'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const USER = 'user0007@example.com'
const PASSWORD = 'pass-0007'
const MAX_GAP_MS = 5000 // the SDK's rule: gaps within one field, pauses over 5 s excluded

const haveChromium = existsSync(CHROMIUM)
if (!haveChromium && process.env.CI === undefined) {
  console.warn(`\n!!! ${CHROMIUM} is missing: SKIPPING the real-browser e2e (apt-get install chromium). CI fails instead. !!!\n`)
}

interface Key { readonly t: number; readonly field: string; readonly printable: boolean }

/** What the SDK should have measured, from the browser's own keydown timestamps. */
function expectedStats(keys: readonly Key[]): { count: number; mean: number; sd: number } {
  const printable = keys.filter((k) => k.printable)
  const gaps: number[] = []
  for (let i = 1; i < printable.length; i++) {
    const a = printable[i - 1]!
    const b = printable[i]!
    if (a.field === b.field && b.t - a.t >= 0 && b.t - a.t <= MAX_GAP_MS) gaps.push(b.t - a.t)
  }
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length
  const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / (gaps.length - 1))
  return { count: printable.length, mean, sd }
}

/** Types like a person: uneven delays between keys. */
async function typeLikeAHuman(page: Page, selector: string, text: string): Promise<void> {
  await page.click(selector)
  for (const [i, ch] of [...text].entries()) {
    await page.keyboard.type(ch)
    await page.waitForTimeout(60 + ((i * 37) % 90))
  }
}

describe.skipIf(!haveChromium && process.env.CI === undefined)('a real browser through npm start', () => {
  let server: DevServer
  let browser: Browser
  let context: BrowserContext
  const keySet = makeDevKeySet()

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is required under CI (apt-get install chromium)`)
    // Shadow mode: a Playwright-driven browser has navigator.webdriver = true, which the default
    // rules rightly challenge or block; here we check what the log line shows, so edgeward
    // logs its verdict (would_action) and forwards.
    server = await startDevServer({ env: { EDGEWARD_COOKIE_KEYS: await keySet }, config: { version: 'e2e-shadow', mode: 'shadow' } })
    const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    // CI's Chromium is headless and its UA says "HeadlessChrome", which edgeward rightly treats
    // as a bot. Present the UA the same Chromium sends when headful (its client hints already
    // agree); navigator.webdriver stays true, and that is what the log line must show.
    const probe = await browser.newPage()
    const headlessUa = await probe.evaluate(() => navigator.userAgent)
    await probe.close()
    context = await browser.newContext({ userAgent: headlessUa.replace('HeadlessChrome/', 'Chrome/') })
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function verifiedCookie(page: Page) {
    const cookie = (await context.cookies()).find((c) => c.name === '__edgeward')
    if (cookie === undefined) return null
    const ua = await page.evaluate(() => navigator.userAgent)
    const state = await verifyDeviceToken(cookie.value, await loadCookieKeys(await keySet), { now: Date.now(), ...(await bindingHashes(ua, '127.0.0.1')) })
    return { cookie, state }
  }

  it('holds a valid __edgeward cookie within 2 s of the load event on the demo home', async () => {
    const page = await context.newPage()
    await page.goto(`${server.url}/`, { waitUntil: 'load' })
    expect(await page.locator('script[src="/__edgeward/sdk.js"]').count()).toBe(1)
    const loadEventAt = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
      return performance.timeOrigin + nav.loadEventStart
    })
    let held: Awaited<ReturnType<typeof verifiedCookie>> = null
    while (Date.now() - loadEventAt <= 2000) {
      held = await verifiedCookie(page)
      if (held?.state.kind === 'valid') break
      await page.waitForTimeout(25)
    }
    expect(held?.state.kind, 'a valid device cookie within 2 s of load').toBe('valid')
    expect(Date.now() - loadEventAt).toBeLessThanOrEqual(2100)
    expect(held?.cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    expect(held?.state).toMatchObject({ replayed: false })
    // The SDK handed back its page view's signed nonce: the device is proven (docs/identity.md).
    expect(held?.state.kind === 'valid' ? held.state.provenAt : null, 'a nonce-proven device').toEqual(expect.any(Number))
    await page.close()
  })

  it('logs in like a person; the login POST carries the measured keystrokes and webdriver', async () => {
    const page = await context.newPage()
    await page.goto(`${server.url}/login`, { waitUntil: 'load' })
    // Record what the browser really did, alongside the SDK (page-side listener, no init script).
    await page.evaluate(() => {
      const w = window as unknown as { __keys: Key[] }
      w.__keys = []
      document.addEventListener('keydown', (e) => {
        const t = e.target as HTMLInputElement
        w.__keys.push({ t: e.timeStamp, field: t.name, printable: e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && !e.repeat })
      }, true)
    })
    await page.mouse.move(120, 80, { steps: 8 })
    await typeLikeAHuman(page, 'input[name="username"]', USER)
    await typeLikeAHuman(page, 'input[name="password"]', PASSWORD)
    const keys = await page.evaluate(() => (window as unknown as { __keys: Key[] }).__keys)
    const webdriver = await page.evaluate(() => navigator.webdriver)
    await Promise.all([page.waitForLoadState('load'), page.locator('form button[type="submit"], form input[type="submit"], form button').first().click()])
    await page.waitForURL(`${server.url}/login`)
    await expect.poll(() => page.textContent('body')).toContain('Welcome')

    const line = await waitForLog(server, (l) => l.method === 'POST' && l.path === '/login', 10_000)
    const features = line.features as Record<string, number> | undefined
    expect(features, 'the decision log line has a features object').toBeDefined()
    const want = expectedStats(keys)
    expect(want.count).toBe(USER.length + PASSWORD.length)
    expect(features?.sdk_key_count).toBe(want.count)
    expect(features?.sdk_key_interval_mean_ms).toBeCloseTo(want.mean, 0)
    expect(features?.sdk_key_interval_sd_ms).toBeCloseTo(want.sd, 0)
    expect(features?.sdk_webdriver).toBe(webdriver ? 1 : 0)
    expect(features?.sdk_pointer_moved).toBe(1)
    expect(features?.sdk_paste_credential).toBe(0)
    expect(features?.cookie_missing).toBe(0)
    expect(features?.cookie_invalid).toBe(0)
    expect(features?.sdk_time_to_submit_ms).toBeGreaterThan(0)
    // The automation marker is what the default rules act on: in enforce mode this login is blocked.
    if (webdriver) {
      expect(line).toMatchObject({ action: 'allow', mode: 'shadow', would_action: 'block' })
      expect(line.rules).toContain('automation_on_sensitive_route')
    }
    await page.close()
  })
})
