// A person's browser for the real-app tests: Debian's Chromium through playwright-core, without
// the automation switches a person's browser does not have (navigator.webdriver, the
// HeadlessChrome User-Agent), recording every answer it gets so a test can list what edgeward
// mitigated; and a credential-stuffing client that is plain HTTP from one loopback address.
import { existsSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createRequire } from 'node:module'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const haveChromium = existsSync(CHROMIUM)
const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // A person's Chrome: no navigator.webdriver (Playwright's --enable-automation is dropped too).
  '--disable-blink-features=AutomationControlled',
  // No network here: names other than loopback (an app's web-font link) fail at once, not after a DNS timeout.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
]

export interface Answer {
  readonly method: string
  readonly url: string
  readonly status: number
  /** `edgeward-mitigated` when edgeward answered itself. */
  readonly mitigated: string | null
  readonly ref: string | null
  readonly resourceType: string
}

export interface PersonBrowser {
  readonly browser: Browser
  readonly context: BrowserContext
  readonly page: Page
  /** Every HTTP answer the browser got, in order (WebSocket frames excluded; see `socketErrors`). */
  readonly answers: Answer[]
  readonly socketErrors: string[]
  close(): Promise<void>
}

export async function launchPerson(): Promise<PersonBrowser> {
  const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core')
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, ignoreDefaultArgs: ['--enable-automation'] })
  const probe = await browser.newPage()
  const headlessUa = await probe.evaluate(() => navigator.userAgent)
  await probe.close()
  const context = await browser.newContext({
    userAgent: headlessUa.replace('HeadlessChrome/', 'Chrome/'),
    locale: 'en-US',
    viewport: { width: 1280, height: 800 },
  })
  // A stage that cannot go on (a blocked editor) fails in 15 s, not Playwright's 30 s per step.
  context.setDefaultTimeout(15_000)
  const answers: Answer[] = []
  const socketErrors: string[] = []
  context.on('response', (r) => {
    const h = r.headers()
    answers.push({
      method: r.request().method(),
      url: r.url(),
      status: r.status(),
      mitigated: h['edgeward-mitigated'] ?? null,
      ref: h['edgeward-ref'] ?? null,
      resourceType: r.request().resourceType(),
    })
  })
  const page = await context.newPage()
  page.on('websocket', (ws) => ws.on('socketerror', (e) => socketErrors.push(`${ws.url()}: ${e}`)))
  return { browser, context, page, answers, socketErrors, close: () => browser.close() }
}

/** Answers edgeward made itself: its mitigation header, or a 403/429 carrying its ref. */
export const edgewardAnswers = (answers: readonly Answer[]): Answer[] =>
  answers.filter((a) => a.mitigated !== null || ((a.status === 403 || a.status === 429) && a.ref !== null))

/** Types like a person: a click into the field, uneven gaps between keys (80–200 ms, ~75 words a minute). */
export async function typeLikeAPerson(page: Page, selector: string, text: string): Promise<void> {
  await page.click(selector)
  for (const [i, ch] of [...text].entries()) {
    await page.keyboard.type(ch)
    await page.waitForTimeout(80 + ((i * 53) % 121))
  }
}

/** Looks at the page a moment, then moves the pointer across it, as a hand on a mouse does before clicking. */
export async function wanderPointer(page: Page): Promise<void> {
  await page.waitForTimeout(1200) // reading the page before reaching for the form
  for (const [x, y] of [[200, 150], [420, 260], [640, 330], [600, 400]] as const) await page.mouse.move(x, y, { steps: 6 })
}

export interface StuffResult { readonly attempt: number; readonly status: number; readonly mitigated: string | null }

/**
 * One POST per leaked pair, in order, from `localAddress` (a loopback address of its own: under
 * wrangler dev the socket's address is the client IP), with a desktop Chrome's headers and no
 * cookie — what a stuffing script that copies a browser's request sends.
 */
export async function stuffLogin(target: { url: string; path: string; localAddress: string; body: (user: string, password: string) => string; contentType: string }, pairs: readonly (readonly [string, string])[]): Promise<StuffResult[]> {
  const out: StuffResult[] = []
  for (const [i, [user, password]] of pairs.entries()) {
    const { status, headers } = await post(target, target.body(user, password))
    out.push({ attempt: i + 1, status, mitigated: headers['edgeward-mitigated']?.toString() ?? null })
  }
  return out
}

const STUFFER_HEADERS = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  accept: 'application/json, text/javascript, */*; q=0.01',
  'accept-language': 'en-US,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  'sec-ch-ua': '"Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Linux"',
  'sec-fetch-dest': 'empty',
  'sec-fetch-mode': 'cors',
  'sec-fetch-site': 'same-origin',
}

function post(target: { url: string; path: string; localAddress: string; contentType: string }, body: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(target.url)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname, port: u.port, path: target.path, method: 'POST', localAddress: target.localAddress,
        headers: { ...STUFFER_HEADERS, origin: target.url, referer: `${target.url}/`, 'content-type': target.contentType, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.setTimeout(15_000, () => req.destroy(new Error('stuffing request timed out')))
    req.end(body)
  })
}

/** A few dozen "leaked" pairs: plausible addresses and common passwords, none of them right. */
export function leakedPairs(count: number): Array<[string, string]> {
  const names = ['olivia', 'liam', 'emma', 'noah', 'ava', 'mateo', 'sofia', 'lucas', 'mia', 'leo', 'isla', 'hugo']
  const domains = ['example.com', 'example.net', 'example.org']
  const passwords = ['Summer2024!', 'qwerty123', 'P@ssw0rd', 'letmein1', 'iloveyou2', 'Dragon#77', 'monkey123', 'Welcome1']
  const users = names.flatMap((n, i) => [`${n}.${i + 3}@${domains[i % 3]}`, `${n}${1980 + i}`])
  return Array.from({ length: count }, (_, i) => [users[i % users.length]!, passwords[(i * 5) % passwords.length]!])
}
