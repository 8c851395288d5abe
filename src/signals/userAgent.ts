// User-Agent parsing: takes the User-Agent string, returns the claimed browser family, engine,
// major version, platform, mobile flag and bot / headless verdicts. Pure; never throws.
import { isbot } from 'isbot'
import { memoize } from '../util/memo'

export const UA_FAMILIES = [
  'chrome', 'edge', 'opera', 'samsung', 'firefox', 'safari', 'chrome_ios', 'firefox_ios', 'edge_ios', 'other', 'none',
] as const
export type UaFamily = (typeof UA_FAMILIES)[number]

export const UA_ENGINES = ['blink', 'gecko', 'webkit', 'unknown'] as const
export type UaEngine = (typeof UA_ENGINES)[number]

export const UA_PLATFORMS = ['windows', 'macos', 'linux', 'android', 'ios', 'chromeos', 'other'] as const
export type UaPlatform = (typeof UA_PLATFORMS)[number]

export interface UserAgentInfo {
  readonly family: UaFamily
  readonly engine: UaEngine
  /** Major version of the family (for blink: the Chromium major from `Chrome/NN`). */
  readonly major: number | null
  readonly chromiumMajor: number | null
  readonly platform: UaPlatform
  readonly mobile: boolean
  readonly isBot: boolean
  readonly isHeadless: boolean
  /** A mainstream browser UA that is neither a bot nor headless. */
  readonly claimsBrowser: boolean
}

/** Headless browsers and automation frameworks that say so in the UA. */
const HEADLESS = /HeadlessChrome|PhantomJS|SlimerJS|Puppeteer|Playwright|Selenium|WebDriver|Nightmare|jsdom|HtmlUnit|Zombie\.js|Splash/i

const FAMILY_RULES: ReadonlyArray<readonly [RegExp, UaFamily, UaEngine]> = [
  [/EdgiOS\/(\d+)/, 'edge_ios', 'webkit'],
  [/CriOS\/(\d+)/, 'chrome_ios', 'webkit'],
  [/FxiOS\/(\d+)/, 'firefox_ios', 'webkit'],
  [/Edg(?:e|A)?\/(\d+)/, 'edge', 'blink'],
  [/OPR\/(\d+)/, 'opera', 'blink'],
  [/SamsungBrowser\/(\d+)/, 'samsung', 'blink'],
  [/Firefox\/(\d+)/, 'firefox', 'gecko'],
  [/(?:Headless)?Chrome\/(\d+)/, 'chrome', 'blink'],
  [/Version\/(\d+)[.\d]* (?:Mobile\/\w+ )?Safari\//, 'safari', 'webkit'],
]

function platformOf(ua: string): UaPlatform {
  if (/Android/.test(ua)) return 'android'
  if (/iPhone|iPad|iPod/.test(ua)) return 'ios'
  if (/Windows NT|Win64|Windows;/.test(ua)) return 'windows'
  if (/CrOS/.test(ua)) return 'chromeos'
  if (/Macintosh|Mac OS X/.test(ua)) return 'macos'
  if (/Linux|X11/.test(ua)) return 'linux'
  return 'other'
}

/** A version's digits as a number, or null when too long to be one (a 309-digit "version" is Infinity). */
export function versionNumber(digits: string): number | null {
  const n = Number(digits)
  return Number.isSafeInteger(n) ? n : null
}

/** Parsed User-Agents kept per isolate: a zone's traffic repeats a few hundred strings, and isbot's pattern is the cost. */
export const UA_MEMO_SIZE = 256
const memo = memoize(UA_MEMO_SIZE, (ua) => Object.freeze(parseUncached(ua)))

/** Entries in the User-Agent memo (tests assert it stays within UA_MEMO_SIZE). */
export const uaMemoSize = (): number => memo.size()

/** What a User-Agent claims (below); memoised per isolate (LRU), the answer frozen as it is shared. */
export function parseUserAgent(raw: string | null | undefined): UserAgentInfo {
  return memo((raw ?? '').slice(0, 1024))
}

function parseUncached(ua: string): UserAgentInfo {
  if (ua.trim() === '') {
    return { family: 'none', engine: 'unknown', major: null, chromiumMajor: null, platform: 'other', mobile: false, isBot: false, isHeadless: false, claimsBrowser: false }
  }
  let family: UaFamily = 'other'
  let engine: UaEngine = 'unknown'
  let major: number | null = null
  for (const [re, fam, eng] of FAMILY_RULES) {
    const m = re.exec(ua)
    if (m?.[1] !== undefined) {
      family = fam
      engine = eng
      major = versionNumber(m[1])
      break
    }
  }
  const chromium = engine === 'blink' ? /Chrome\/(\d+)/.exec(ua) : null
  const isBot = isbot(ua)
  const isHeadless = HEADLESS.test(ua)
  const mainstream = family !== 'other' && ua.startsWith('Mozilla/5.0 (')
  return {
    family,
    engine,
    major,
    chromiumMajor: chromium?.[1] !== undefined ? versionNumber(chromium[1]) : null,
    platform: platformOf(ua),
    mobile: /\bMobile\b/.test(ua),
    isBot,
    isHeadless,
    claimsBrowser: mainstream && !isBot && !isHeadless,
  }
}
