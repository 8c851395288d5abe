// The challenge page's browser report: takes the JSON the page's script posts with its answer
// (navigator, userAgentData, screen, WebGL renderer, timezone, automation globals) and the
// verify request's own headers; returns the first inconsistency or automation marker, or ok.
// Pure; never throws on input. Refuses only what a real browser never shows (see docs/challenge.md).
import * as v from 'valibot'
import { err, ok, type Result } from '../util/result'
import { parseClientHints } from './clientHints'
import { parseUserAgent, type UaPlatform } from './userAgent'

/** The form field the page posts its report in, and its cap (a report is ~1 KB). */
export const BROWSER_FIELD = 'browser'
export const BROWSER_REPORT_MAX_CHARS = 4096

export const BROWSER_PROBLEMS = [
  'browser_missing', 'browser_malformed', 'browser_webdriver', 'browser_automation', 'browser_headless', 'browser_ua',
  'browser_platform', 'browser_languages', 'browser_hints', 'browser_screen',
] as const
export type BrowserProblem = (typeof BROWSER_PROBLEMS)[number]

const text = (max: number) => v.pipe(v.string(), v.maxLength(max))
const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max))

export const BrowserReportSchema = v.strictObject({
  v: v.literal(1),
  ua: text(1024),
  webdriver: v.nullable(v.boolean()),
  platform: text(64),
  languages: v.pipe(v.array(text(35)), v.maxLength(20)),
  plugins: int(0, 1000),
  uaData: v.nullable(
    v.strictObject({
      brands: v.pipe(v.array(v.strictObject({ brand: text(64), version: text(32) })), v.maxLength(10)),
      mobile: v.boolean(),
      platform: text(32),
    }),
  ),
  /** width, height, availWidth, availHeight, colorDepth */
  screen: v.tuple([int(0, 100_000), int(0, 100_000), int(0, 100_000), int(0, 100_000), int(0, 64)]),
  /** innerWidth, innerHeight, outerWidth, outerHeight */
  window: v.tuple([int(0, 100_000), int(0, 100_000), int(0, 100_000), int(0, 100_000)]),
  timezone: text(64),
  webgl: v.nullable(text(256)),
  /** Names of automation globals the page found (window.callPhantom, document.$cdc_…, …). */
  automation: v.pipe(v.array(text(64)), v.maxLength(16)),
})
export type BrowserReport = v.InferOutput<typeof BrowserReportSchema>

/** The verify request's own headers the report must agree with. */
export interface ReportHeaders {
  readonly userAgent: string | null
  readonly acceptLanguage: string | null
  readonly secChUa: string | null
  readonly secChUaMobile: string | null
  readonly secChUaPlatform: string | null
}

/** The posted text: capped, then JSON, then the schema (valibot's parseJson, not a hand-rolled try). */
const BrowserReportText = v.pipe(v.string(), v.maxLength(BROWSER_REPORT_MAX_CHARS), v.parseJson(), BrowserReportSchema)

export function parseBrowserReport(raw: string | null | undefined): Result<BrowserReport, 'browser_missing' | 'browser_malformed'> {
  if (raw === null || raw === undefined || raw === '') return err('browser_missing')
  const parsed = v.safeParse(BrowserReportText, raw)
  return parsed.success ? ok(parsed.output) : err('browser_malformed')
}

/**
 * navigator.platform values each User-Agent OS is seen with (iPads asking for desktop sites say
 * MacIntel; every X11 User-Agent reads as linux, so the BSDs and Solaris belong there too).
 */
const PLATFORMS: Readonly<Record<UaPlatform, RegExp | null>> = {
  windows: /^Win/,
  macos: /^(Mac|iPad|iPhone)/,
  linux: /^(Linux|FreeBSD|OpenBSD|NetBSD|DragonFly|SunOS)/,
  android: /^(Linux|Android)/,
  ios: /^(iPhone|iPad|iPod|MacIntel)/,
  chromeos: /^(Linux|CrOS)/,
  other: null,
}

const HEADLESS_BRAND = /HeadlessChrome/i
const firstLanguage = (header: string): string => (header.split(',')[0] ?? '').split(';')[0]!.trim().toLowerCase()

/** The brand list as a sorted key (`Chromium/126|Not.A/Brand/24`), comparable across header and JS. */
function brandKey(brands: ReadonlyArray<{ readonly brand: string; readonly major: number | null }>): string {
  return brands.map((b) => `${b.brand}/${b.major ?? '?'}`).sort().join('|')
}

function hintsAgree(report: BrowserReport, h: ReportHeaders): boolean {
  const hints = parseClientHints(h.secChUa, h.secChUaMobile, h.secChUaPlatform)
  // A browser that sends no client hints (Firefox, Safari, plain http) has nothing to compare.
  if (hints === null) return true
  const data = report.uaData
  if (data === null) return false
  if (h.secChUa !== null) {
    const js = data.brands.map((b) => ({ brand: b.brand, major: /^\d{1,6}/.test(b.version) ? Number(/^\d{1,6}/.exec(b.version)![0]) : null }))
    if (brandKey(js) !== brandKey(hints.brands)) return false
  }
  if (hints.mobile !== null && hints.mobile !== data.mobile) return false
  return hints.platform === null || hints.platform === data.platform
}

/** The first reason to refuse this report, or ok. Automation markers first, then consistency. */
export function checkBrowserReport(report: BrowserReport, h: ReportHeaders): Result<true, BrowserProblem> {
  if (report.webdriver === true) return err('browser_webdriver')
  if (report.automation.length > 0) return err('browser_automation', report.automation.slice(0, 4).join(','))
  const ua = h.userAgent ?? ''
  if (parseUserAgent(ua).isHeadless || report.uaData?.brands.some((b) => HEADLESS_BRAND.test(b.brand)) === true) return err('browser_headless')
  // A browser's navigator.userAgent is the header it sends, byte for byte.
  if (report.ua !== ua) return err('browser_ua')
  const platform = PLATFORMS[parseUserAgent(ua).platform]
  if (platform !== null && !platform.test(report.platform)) return err('browser_platform')
  if (report.languages.length === 0 || h.acceptLanguage === null) return err('browser_languages')
  if (firstLanguage(h.acceptLanguage) !== report.languages[0]!.toLowerCase()) return err('browser_languages')
  if (!hintsAgree(report, h)) return err('browser_hints')
  const [width, height, , , depth] = report.screen
  if (width < 1 || height < 1 || width > 16_384 || height > 16_384 || depth < 1) return err('browser_screen')
  return ok(true)
}

/** Parse and check in one step: the verify endpoint's call. */
export function judgeBrowserReport(raw: string | null | undefined, h: ReportHeaders): Result<true, BrowserProblem> {
  const parsed = parseBrowserReport(raw)
  return parsed.ok ? checkBrowserReport(parsed.value, h) : parsed
}
