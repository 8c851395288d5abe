// A real Chromium through `npm start`, with a config where the model challenges every `other`
// request: challenged on /products/7, it runs the proof of work at the signed difficulty by
// itself, its browser report agrees with its headers, it is sent back with a clearance cookie,
// reaches the product page, and its next request goes straight through. Screenshots: out/e2e/.
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeDevKeySet } from '../../src/cli/dev-keys'
import { bindingHashes } from '../../src/signals/binding'
import { clearanceNetHash, verifyClearance } from '../../src/signals/clearanceToken'
import { loadCookieKeys } from '../../src/signals/cookieKeys'
import { verifyDeviceToken } from '../../src/signals/deviceToken'
import { startDevServer, type DevServer } from './support/devServer'
import { journal } from './support/journal'

const CHROMIUM = '/usr/bin/chromium'
/**
 * The browser a person runs: headless Chromium sets navigator.webdriver (the challenge page refuses
 * that, as it should), and a person's Chromium does not, so the flag that marks it is turned off.
 * That is exactly what a bot driving a real browser does too: docs/challenge.md says so and what
 * it costs. No server-side exception exists for this test.
 */
const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-blink-features=AutomationControlled',
]
const SHOTS = join(import.meta.dirname, '../../out/e2e')
/** Our own port band (team rule). */
const PORT = 24100
/** Thresholds per route class: every `other` request (e.g. /products/7) is challenged. */
const CONFIG = { version: 'e2e-challenge', thresholds: { other: { challenge: 0, block: 1 } } }
const SOLVE_MS = 60_000
/**
 * 20 bits is about 2^20 hashes on average, but the count is geometric: one solve took 22.6 s alone on
 * this box, and a solve beside the rest of `npm test` (2 cores shared with workerd and the other
 * files) ran past 180 s once — its mean there is nearer 60 s. 540 s keeps a chance failure of an
 * honest solve near e^-9 at that mean; the test is about getting through, not about speed, and a
 * solve that ends early ends the wait.
 */
const SOLVE_20_BITS_MS = 540_000

const haveChromium = existsSync(CHROMIUM)

describe.skipIf(!haveChromium && process.env.CI === undefined)('a real browser solves the challenge through npm start', () => {
  let server: DevServer
  let browser: Browser
  let context: BrowserContext
  let userAgent: string
  const keySet = makeDevKeySet()

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is required under CI (apt-get install chromium)`)
    server = await startDevServer({ env: { EDGEWARD_COOKIE_KEYS: await keySet }, config: CONFIG, port: PORT })
    mkdirSync(SHOTS, { recursive: true })
    const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
    // As in browser.test.ts: the headful UA of the same Chromium (HeadlessChrome is rightly a bot).
    const probe = await browser.newPage()
    const headlessUa = await probe.evaluate(() => navigator.userAgent)
    await probe.close()
    userAgent = headlessUa.replace('HeadlessChrome/', 'Chrome/')
    context = await browser.newContext({ userAgent })
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('is challenged on /products/7, solves the proof of work itself and lands on the product page', async () => {
    const page = await context.newPage()
    const steps = journal(page)
    // `commit`: the interstitial replaces itself at once, so its own load event may never come.
    const first = await page.goto(`${server.url}/products/7`, { waitUntil: 'commit' })
    expect(first?.status()).toBe(403)
    expect(first?.headers()['edgeward-mitigated']).toBe('challenge')

    // The clearance cookie arrives with the verify 303, whatever happens next.
    await expect
      .poll(async () => (await context.cookies()).some((c) => c.name === '__edgeward_clearance'), { timeout: SOLVE_MS, interval: 200 })
      .toBe(true)
    const cookies = await context.cookies()
    const cookie = cookies.find((c) => c.name === '__edgeward_clearance')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false })
    const keys = await loadCookieKeys(await keySet)
    const binding = await bindingHashes(userAgent, '127.0.0.1')
    // Bound to the device when the SDK on the challenge page had its cookie before the answer was posted.
    const device = await verifyDeviceToken(cookies.find((c) => c.name === '__edgeward')?.value, keys, { now: Date.now(), ...binding })
    const deviceId = device.kind === 'valid' ? device.deviceId : null
    const state = await verifyClearance(cookie?.value, keys, { now: Date.now(), deviceId, netHash: await clearanceNetHash('127.0.0.1'), ...binding })
    expect(state).toMatchObject({ kind: 'valid', method: 'pow' })
    // The verify line says it cleared: the browser report of a real Chromium passed every check.
    await expect.poll(() => server.logLines().map((l) => l.detail), { timeout: 5_000 }).toContain('challenge:cleared:pow')
    expect(server.logLines().map((l) => String(l.detail ?? '')).filter((d) => d.startsWith('challenge:refused'))).toEqual([])

    // Interstitial → challenge page → verify (303) → the product page, allowed thanks to the clearance.
    // (A clearance the site does not honour ends on "403 /__edgeward/challenge": already verified.)
    await expect
      .poll(() => steps.find((s) => s === '200 /products/7' || s === '403 /__edgeward/challenge'), { timeout: SOLVE_MS, interval: 200 })
      .toBeDefined()
    // Once, or twice when the risk rose by more than the clearance's slack on the way back (the
    // browsing itself moves the request counters): the second round asks more work, never less.
    const round = ['403 /products/7', '200 /__edgeward/challenge', '303 /__edgeward/challenge/verify']
    const journey = steps.slice(0, steps.indexOf('200 /products/7') + 1)
    expect([[...round, '200 /products/7'], [...round, ...round, '200 /products/7']]).toContainEqual(journey)
    const issued = server.logLines().map((l) => String(l.detail ?? '')).filter((d) => d.startsWith('challenge:issued:pow:')).map((d) => Number(d.split(':')[3]))
    expect(issued).toEqual([...issued].sort((a, b) => a - b))
    await expect.poll(() => page.textContent('body'), { timeout: 10_000 }).toContain('Price:')
    await page.screenshot({ path: join(SHOTS, 'challenge-cleared-product.png'), fullPage: true })
    await page.close()
  })

  it('shows the challenge page while it works (screenshot), at the most work when no ticket came with it, and still gets through', async () => {
    // A browser of its own: no clearance yet.
    const fresh = await browser.newContext({ userAgent })
    const page = await fresh.newPage()
    const before = server.logLines().length
    const started = Date.now()
    // `commit`: the page may post its answer before its own DOMContentLoaded (the deferred SDK).
    await page.goto(`${server.url}/__edgeward/challenge?return=%2Fproducts%2F9&d=12`, { waitUntil: 'commit' })
    // While it works (20 bits take seconds here): the page a person sees.
    await page.locator('#ew-status').waitFor({ state: 'visible', timeout: 10_000 })
    await page.screenshot({ path: join(SHOTS, 'challenge-page.png') })
    await page.waitForURL(/\/products\/9$/, { timeout: SOLVE_20_BITS_MS, waitUntil: 'commit' })
    const solvedMs = Date.now() - started
    const details = server.logLines().slice(before).map((l) => l.detail)
    expect(details).toContain('challenge:issued:pow:20')
    expect(details).toContain('challenge:cleared:pow')
    // 20 bits in the page's own Web Crypto loop (one run, this machine, shared CPU): docs/challenge.md.
    console.info(JSON.stringify({ event: 'e2e_pow_20_bits_ms', ms: solvedMs }))
    // Cleanup, bounded: beside the rest of npm test, Chromium once never answered this context's close after
    // the page had got through (solved in 9.3 s, then 540 s of close); the browser is closed after the file.
    await Promise.race([fresh.close(), new Promise((resolve) => setTimeout(resolve, 15_000))])
  }, SOLVE_20_BITS_MS + 10_000)

  it('lets the next request through on the clearance, without a new challenge', async () => {
    const page = await context.newPage()
    const res = await page.goto(`${server.url}/products/8`)
    expect(res?.status()).toBe(200)
    expect(res?.headers()['edgeward-mitigated']).toBeUndefined()
    expect(await page.textContent('body')).toContain('Price:')
    await page.close()
  })
})
