// A real Chromium with JavaScript turned off, through `npm start`, with a config where the model
// challenges every `other` request at a low or medium tier: challenged on /products/7, it follows the
// interstitial's and then the challenge page's <noscript> meta refresh by itself, waits, is sent back
// with a `wait` clearance and lands on the product page; its next request goes straight through.
// Screenshots of the challenge page's wait, the early wait page and the landed page: out/e2e/.
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeDevKeySet } from '../../src/cli/dev-keys'
import { bindingHashes } from '../../src/signals/binding'
import { clearanceNetHash, verifyClearance } from '../../src/signals/clearanceToken'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { startDevServer, type DevServer } from './support/devServer'
import { journal } from './support/journal'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-blink-features=AutomationControlled',
]
const SHOTS = join(import.meta.dirname, '../../out/e2e')
const WAIT_S = 3
/** Every `other` request challenged by the model below the block threshold; a 3 s wait, room for this file's journeys. */
const CONFIG = {
  version: 'e2e-challenge-nojs',
  thresholds: { other: { challenge: 0, block: 1 } },
  challenge: { nojs_wait_s: WAIT_S, nojs_per_net_10m: 10 },
}
const JOURNEY_MS = 30_000

const haveChromium = existsSync(CHROMIUM)

describe.skipIf(!haveChromium && process.env.CI === undefined)('a real browser without JavaScript passes a medium-tier challenge by waiting', () => {
  let server: DevServer
  let browser: Browser
  let context: BrowserContext
  let userAgent: string
  const keySet = makeDevKeySet()

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is required under CI (apt-get install chromium)`)
    server = await startDevServer({ env: { EDGEWARD_COOKIE_KEYS: await keySet }, config: CONFIG })
    mkdirSync(SHOTS, { recursive: true })
    const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    // The headful UA of the same Chromium, read with scripts on before they are turned off.
    const probe = await browser.newPage()
    userAgent = (await probe.evaluate(() => navigator.userAgent)).replace('HeadlessChrome/', 'Chrome/')
    await probe.close()
    context = await browser.newContext({ userAgent, javaScriptEnabled: false })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('follows the refresh by itself after the wait and lands on the product page', async () => {
    const page = await context.newPage()
    const steps = journal(page)
    const started = Date.now()
    const first = await page.goto(`${server.url}/products/7`, { waitUntil: 'commit' })
    expect(first?.status()).toBe(403)
    expect(first?.headers()['edgeward-mitigated']).toBe('challenge')

    // The challenge page, as a person without JavaScript reads it while waiting.
    await page.waitForURL(/\/__edgeward\/challenge\?/, { timeout: JOURNEY_MS, waitUntil: 'domcontentloaded' })
    await expect.poll(() => page.textContent('body'), { timeout: 5_000 }).toContain('Without JavaScript: a short wait')
    expect(await page.textContent('body')).not.toContain('JavaScript is needed')
    await page.screenshot({ path: join(SHOTS, 'challenge-nojs-wait.png'), fullPage: true })

    // Nothing clicked: the meta refresh takes it to the wait path, which sends it back cleared.
    await page.waitForURL(/\/products\/7$/, { timeout: JOURNEY_MS, waitUntil: 'domcontentloaded' })
    const landedMs = Date.now() - started
    await expect.poll(() => page.textContent('body'), { timeout: 10_000 }).toContain('Price:')
    await page.screenshot({ path: join(SHOTS, 'challenge-nojs-landed.png'), fullPage: true })
    expect(landedMs).toBeGreaterThanOrEqual(WAIT_S * 1000)
    expect(steps).toEqual(['403 /products/7', '200 /__edgeward/challenge', '303 /__edgeward/challenge/wait', '200 /products/7'])

    const cookie = (await context.cookies()).find((c) => c.name === '__edgeward_clearance')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    const keys = await loadCookieKeys(await keySet)
    const binding = await bindingHashes(userAgent, '127.0.0.1')
    const state = await verifyClearance(cookie?.value, keys, { now: Date.now(), deviceId: null, netHash: await clearanceNetHash('127.0.0.1'), ...binding })
    expect(state).toMatchObject({ kind: 'valid', method: 'wait', deviceBound: false })
    const details = server.logLines().map((l) => String(l.detail ?? ''))
    expect(details.some((d) => /^challenge:issued:pow:\d+:wait$/.test(d))).toBe(true)
    expect(details).toContain('challenge:cleared:wait')
    console.info(JSON.stringify({ event: 'e2e_nojs_landed_ms', ms: landedMs, wait_s: WAIT_S }))
    await page.close()
  }, JOURNEY_MS * 2)

  it('shows the wait page to a browser that arrives early (screenshot), without scripts', async () => {
    const early = await browser.newContext({ userAgent, javaScriptEnabled: false })
    const page = await early.newPage()
    await page.goto(`${server.url}/products/9`, { waitUntil: 'commit' })
    await page.waitForURL(/\/__edgeward\/challenge\?/, { timeout: JOURNEY_MS, waitUntil: 'domcontentloaded' })
    const href = await page.locator('a', { hasText: 'Continue to the site' }).getAttribute('href')
    expect(href).toMatch(/^\/__edgeward\/challenge\/wait\?w=/)
    // A person who follows the link at once: the wait page, not a failure.
    const res = await page.goto(`${server.url}${href}`, { waitUntil: 'domcontentloaded' })
    expect(res?.status()).toBe(200)
    expect(await page.textContent('h1')).toBe('One moment, please')
    expect(await page.locator('script').count()).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'challenge-nojs-early.png'), fullPage: true })
    await page.waitForURL(/\/products\/9$/, { timeout: JOURNEY_MS, waitUntil: 'domcontentloaded' })
    await early.close()
  }, JOURNEY_MS * 2)

  it('lets the next request through on the clearance, without a new challenge', async () => {
    const page = await context.newPage()
    const res = await page.goto(`${server.url}/products/8`)
    expect(res?.status()).toBe(200)
    expect(res?.headers()['edgeward-mitigated']).toBeUndefined()
    await page.close()
  })
})
