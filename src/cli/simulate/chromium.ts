// Debian's Chromium for the browser families, through playwright-core (never downloads a browser).
// Takes a flavour (plain automation, or AutomationControlled off) and a session; returns a page whose
// traffic leaves from the session's own address via its proxy. Limits how many run at once.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startSessionProxy } from './proxy'
import type { NetworkKind, TestCf } from './network'
import { cfFor, type SessionContext } from './world'

export const CHROMIUM_PATH = '/usr/bin/chromium'
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
/** Chromium skips proxies for loopback unless told not to. */
const PROXY_ARGS = ['--proxy-bypass-list=<-loopback>']

const LOCALE: Readonly<Record<string, string>> = { US: 'en-US', CA: 'en-CA', GB: 'en-GB', DE: 'de-DE', FR: 'fr-FR', NL: 'nl-NL', ES: 'es-ES', IT: 'it-IT', AU: 'en-AU', JP: 'ja-JP', BR: 'pt-BR', IN: 'en-IN', SE: 'sv-SE', CH: 'de-CH', RO: 'ro-RO', SG: 'en-SG' }

/** `webdriver`: as automation launches it (navigator.webdriver true). `stealth`: AutomationControlled off. */
export type Flavour = 'webdriver' | 'stealth'

export interface BrowserSession {
  readonly page: Page
  readonly context: BrowserContext
  readonly ip: string
  readonly cf: TestCf
  close(): Promise<void>
}

export interface OpenOptions {
  readonly flavour: Flavour
  readonly network: NetworkKind
  /** `headful`: the UA the same Chromium sends with a window (HeadlessChrome → Chrome). */
  readonly ua: 'headful' | 'headless'
  /** Defaults to the network's timezone (a browser whose clock agrees with its country). */
  readonly timezoneId?: string
  /** Defaults to the country's main locale. */
  readonly locale?: string
  readonly viewport?: { readonly width: number; readonly height: number }
  readonly clipboard?: boolean
  /** An exit of `network` in this country, where it has one (default: anywhere in its pool). */
  readonly country?: string
}

export interface Chromium {
  open(s: SessionContext, o: OpenOptions): Promise<BrowserSession>
  /** Runs fn when one of the limited browser slots is free. */
  slot<T>(fn: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

export const haveChromium = (): boolean => existsSync(CHROMIUM_PATH)

export function createChromium(maxConcurrent: number): Chromium {
  const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core')
  const browsers = new Map<Flavour, Promise<Browser>>()
  let headfulUa: string | null = null
  let running = 0
  const waiting: Array<() => void> = []

  const browser = (f: Flavour): Promise<Browser> => {
    let b = browsers.get(f)
    if (b === undefined) {
      const args = [...ARGS, ...PROXY_ARGS, ...(f === 'stealth' ? ['--disable-blink-features=AutomationControlled'] : [])]
      // A per-context proxy needs a browser-wide proxy setting to exist (playwright's rule).
      b = chromium.launch({ executablePath: CHROMIUM_PATH, args, proxy: { server: 'http://per-context' } })
      browsers.set(f, b)
    }
    return b
  }

  const uaOf = async (b: Browser): Promise<string> => {
    if (headfulUa === null) {
      const p = await b.newPage()
      headfulUa = await p.evaluate(() => navigator.userAgent)
      await p.close()
    }
    return headfulUa
  }

  return {
    async open(s, o) {
      const b = await browser(o.flavour)
      const headless = await uaOf(b)
      const ip = s.ip
      s.world.truth.addSession(s.family, s.session, ip, s.site?.id ?? null)
      const cf = cfFor(s, o.network, 'browser', o.country)
      const proxy = await startSessionProxy({ target: s.world.target, family: s.family, session: s.session, ip, cf, truth: s.world.truth })
      const context = await b.newContext({
        proxy: { server: proxy.url, bypass: '<-loopback>' },
        userAgent: o.ua === 'headful' ? headless.replace('HeadlessChrome/', 'Chrome/') : headless,
        timezoneId: o.timezoneId ?? cf.timezone,
        locale: o.locale ?? LOCALE[cf.country] ?? 'en-US',
        viewport: o.viewport ?? { width: 1280, height: 800 },
        ...(o.clipboard ? { permissions: ['clipboard-read', 'clipboard-write'] } : {}),
      })
      context.setDefaultTimeout(20_000)
      const page = await context.newPage()
      return {
        page, context, ip, cf,
        close: async () => {
          await context.close().catch(() => undefined)
          await proxy.close()
        },
      }
    },
    async slot(fn) {
      if (running >= maxConcurrent) await new Promise<void>((r) => waiting.push(r))
      running++
      try {
        return await fn()
      } finally {
        running--
        waiting.shift()?.()
      }
    },
    async close() {
      // Bounded: a browser left with a session that never ended (schedule.ts STRAGGLER_GRACE_MS) must not hold the report.
      const closing = Promise.all([...browsers.values()].map(async (b) => (await b).close().catch(() => undefined)))
      await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 15_000).unref())])
    },
  }
}
