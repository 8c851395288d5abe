// People in real Chromium through `npm start`: the browser a person runs (navigator.webdriver false,
// AutomationControlled off, the headful User-Agent), their typing, and a sign-in that waits out a
// challenge the way the browser does. Shared by the people e2e tests.
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, BrowserContext, BrowserContextOptions, Page, Response } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { random } from '../../../src/cli/simulate/random'
import { startDevServer, type DevServer, type DevServerOptions } from './devServer'
import { CHROMIUM, haveChromium } from './realAppsBrowser'

export { CHROMIUM, haveChromium }
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-blink-features=AutomationControlled']
export const OUT = 'out/e2e/people'

export interface Seen { readonly url: string; readonly status: number; readonly mitigated: string | null }

/** Every response the page saw, with edgeward's mitigation header if it carried one. */
export function record(page: Page): Seen[] {
  const seen: Seen[] = []
  page.on('response', (r: Response) => seen.push({ url: r.url(), status: r.status(), mitigated: r.headers()['edgeward-mitigated'] ?? null }))
  return seen
}

/**
 * Types `text` as person `person` does: their own mean gap between keys (70–126 ms, by person) and a
 * person's unevenness around it (log-normal, seeded by the person and the text). With one rhythm for
 * everyone (the gaps were one progression mod 110, shifted by a seed), colleagues sent the same coarse
 * telemetry fingerprint, and the person who signed in after them met `telemetry_replay` (which no
 * clearance lifts) and sat on "already verified": what a replayed recording looks like, not five
 * people typing. A much slower office (every gap 60–199 ms) drew 3 model challenges on ten colleagues'
 * sign-ins where the pace here draws 1: people.test.ts's bound of 2, like the model on a new office,
 * is pace-sensitive.
 */
export async function typeLikeAPerson(page: Page, selector: string, text: string, person: number): Promise<void> {
  await page.click(selector)
  const mean = 70 + ((person * 37) % 9) * 7
  const rng = random(person, `typing/${text.length}`)
  for (const ch of text) {
    await page.keyboard.type(ch)
    await page.waitForTimeout(Math.round(rng.lognormal(mean, 0.35)))
  }
}

/**
 * The decision lines the server printed since `from` that mitigated (what enforce did, and why). A
 * `review` is forwarded — the origin asks for its second factor — so it is a step-up, not a mitigation,
 * as the held-out report counts it; each test asserts the person still reached their account.
 */
export function mitigatedLines(server: DevServer, from: number): string[] {
  return server.logLines()
    .filter((l) => Date.parse(String(l.ts)) >= from && l.action !== 'allow' && l.action !== 'review')
    .map((l) => `${l.method} ${l.path} → ${l.action} (${l.source}; risk ${l.risk}, model ${l.model_risk}; ${JSON.stringify(l.reasons)} ${JSON.stringify(l.rules)})`)
}

export const pad = (n: number): string => String(n).padStart(4, '0')
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Chromium as a person runs it, and the User-Agent its headful build would send. */
export async function launchPersonBrowser(): Promise<{ browser: Browser; userAgent: string }> {
  const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core')
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  const probe = await browser.newPage()
  const userAgent = (await probe.evaluate(() => navigator.userAgent)).replace('HeadlessChrome/', 'Chrome/')
  await probe.close()
  return { browser, userAgent }
}

/**
 * A describe block's `npm start` (enforce, bundled config, unless `serverOptions` say otherwise) and
 * person's Chromium: started before its tests, stopped after. `newPerson` opens a fresh browser
 * profile (cookies and all) per person; `context` adds to its options (a viewport, a colour scheme,
 * another profile's storage). Given a name, every decision line the server printed is saved to
 * out/e2e/people/<name>-decisions.jsonl afterwards, so a failed run can be read back (which rule
 * fired on which request, and why).
 */
export function usePeople(
  name?: string,
  serverOptions: DevServerOptions = {},
): { readonly server: DevServer; newPerson(js?: boolean, context?: BrowserContextOptions): Promise<BrowserContext> } {
  let server: DevServer
  let browser: Browser
  let userAgent: string
  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is required under CI (apt-get install chromium)`)
    mkdirSync(OUT, { recursive: true })
    server = await startDevServer(serverOptions)
    ;({ browser, userAgent } = await launchPersonBrowser())
  }, 120_000)
  afterAll(async () => {
    if (name !== undefined && server !== undefined) {
      writeFileSync(`${OUT}/${name}-decisions.jsonl`, server.logLines().map((l) => JSON.stringify(l)).join('\n') + '\n')
    }
    await browser?.close()
    await server?.stop()
  })
  return {
    get server() {
      return server
    },
    newPerson: (js = true, context: BrowserContextOptions = {}) => browser.newContext({ userAgent, javaScriptEnabled: js, timezoneId: 'UTC', ...context }),
  }
}

/** Waits out a challenge interstitial (it solves itself in the browser and returns) to the page a person reads. */
export async function settled(page: Page): Promise<string> {
  try {
    await page.waitForFunction(() => document.readyState === 'complete' && document.getElementById('ew-status') === null && !location.pathname.startsWith('/__edgeward'), undefined, { timeout: 150_000 })
  } catch (error) {
    // Where it got stuck says why ("already verified", "verification failed", still working…).
    const text = ((await page.textContent('body').catch(() => null)) ?? '').replace(/\s+/g, ' ').slice(0, 200)
    throw new Error(`not settled within 150 s at ${page.url().split('?')[0]}: ${text}`, { cause: error })
  }
  return (await page.textContent('body')) ?? ''
}

/**
 * Home → sign-in page → sign in (after `mistakes` wrong passwords) → account. A challenged attempt
 * comes back to the sign-in form after the browser solved it, and the person submits it again.
 */
export async function signIn(server: DevServer, ctx: BrowserContext, n: number, mistakes: number, shot: string | null): Promise<{ seen: Seen[]; account: number }> {
  const page = await ctx.newPage()
  const seen = record(page)
  await page.goto(`${server.url}/`)
  await page.waitForTimeout(800 + (n % 4) * 300)
  await page.goto(`${server.url}/login`)
  for (let attempt = 0; attempt <= mistakes; attempt++) {
    for (let tries = 0; tries < 3; tries++) {
      await page.fill('#username', '')
      await typeLikeAPerson(page, '#username', `user${pad(n)}@example.com`, n)
      await typeLikeAPerson(page, '#password', attempt < mistakes ? `pass-${pad(n)}x` : `pass-${pad(n)}`, n)
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')])
      const text = await settled(page)
      if (text.includes('do not match') || text.includes('You are signed in')) break
    }
  }
  const account = await page.goto(`${server.url}/account`)
  await settled(page)
  if (shot !== null) await page.screenshot({ path: `${OUT}/${shot}.png` })
  await page.close()
  return { seen, account: account?.status() ?? 0 }
}

