// Automation markers: inspects navigator, window and document for webdriver / headless /
// automation-framework traces; returns marker codes. Reads only; never alters the page.
import type { AutomationMarker } from '../../../src/signals/telemetry'
import { win } from './dom'

const SELENIUM = /^\$?cdc_|^\$wdc_|^__(selenium|webdriver|driver|fxdriver)_|^_Selenium_IDE_Recorder$|^calledSelenium$|^_WEBDRIVER_ELEM_CACHE$|^__lastWatirAlert$/
const PLAYWRIGHT = /^__playwright|^__pw[A-Z_]/
const PUPPETEER = /^__puppeteer/

function ownKeys(x: object): string[] {
  try {
    return Object.getOwnPropertyNames(x)
  } catch {
    return []
  }
}

export function automationMarkers(): AutomationMarker[] {
  const out = new Set<AutomationMarker>()
  const nav = win.navigator
  const ua = nav.userAgent || ''
  const mobile = /Mobile|Android|iPhone|iPad/.test(ua)
  const w = win as unknown as Record<string, unknown>
  if (/HeadlessChrome/.test(ua)) out.add('headless_ua')
  if (/Chrome\//.test(ua) && !/CriOS|EdgiOS/.test(ua) && w.chrome === undefined) out.add('no_chrome_object')
  if (!mobile && nav.plugins !== undefined && nav.plugins.length === 0) out.add('no_plugins')
  if (nav.languages === undefined || nav.languages.length === 0) out.add('no_languages')
  if (w.callPhantom !== undefined || w._phantom !== undefined) out.add('phantom')
  if (w.__nightmare !== undefined) out.add('nightmare')
  const keys = [...ownKeys(win), ...ownKeys(win.document)]
  for (const k of keys) {
    if (SELENIUM.test(k)) out.add('selenium')
    else if (PLAYWRIGHT.test(k)) out.add('playwright')
    else if (PUPPETEER.test(k)) out.add('puppeteer')
  }
  try {
    if (win.document.documentElement.getAttribute('webdriver') !== null) out.add('webdriver_attr')
  } catch {
    // documentElement missing: nothing to read.
  }
  if (win.screen !== undefined && (win.screen.width === 0 || (win.outerWidth === 0 && (win.innerWidth ?? 0) > 0))) out.add('zero_screen')
  return [...out]
}
