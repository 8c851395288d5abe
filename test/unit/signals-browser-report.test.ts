// The challenge page's browser report against the verify request's headers, in plain Node: a
// real browser's report (Chrome with client hints on Windows and Android, Firefox and Safari without, on
// desktop, iPhone, iPad, Android and FreeBSD) passes; a driver
// (webdriver, automation globals, HeadlessChrome), a made-up or inconsistent report, or none, is
// refused with its reason.
import { describe, expect, it } from 'vitest'
import { BROWSER_REPORT_MAX_CHARS, checkBrowserReport, judgeBrowserReport, parseBrowserReport, type BrowserReport, type ReportHeaders } from '../../src/signals/browserReport'

const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const CHROME_HEADERS: ReportHeaders = {
  userAgent: CHROME_UA,
  acceptLanguage: 'de-DE,de;q=0.9,en;q=0.8',
  secChUa: '"Not/A)Brand";v="8", "Chromium";v="126", "Google Chrome";v="126"',
  secChUaMobile: '?0',
  secChUaPlatform: '"Windows"',
}
const CHROME: BrowserReport = {
  v: 1, ua: CHROME_UA, webdriver: false, platform: 'Win32', languages: ['de-DE', 'de', 'en'], plugins: 5,
  uaData: { brands: [{ brand: 'Not/A)Brand', version: '8' }, { brand: 'Chromium', version: '126' }, { brand: 'Google Chrome', version: '126' }], mobile: false, platform: 'Windows' },
  screen: [1920, 1080, 1920, 1040, 24], window: [1536, 730, 1536, 824], timezone: 'Europe/Berlin',
  webgl: 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)', automation: [],
}

const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const SAFARI_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const ANDROID_UA = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36'
const ANDROID_DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
const ANDROID_HEADERS: ReportHeaders = {
  userAgent: ANDROID_UA,
  acceptLanguage: 'pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7',
  secChUa: '"Not;A=Brand";v="24", "Chromium";v="126", "Google Chrome";v="126"',
  secChUaMobile: '?1',
  secChUaPlatform: '"Android"',
}
const ANDROID_CHROME: BrowserReport = {
  ...CHROME, ua: ANDROID_UA, platform: 'Linux armv81', languages: ['pt-BR', 'pt', 'en-US', 'en'], plugins: 0, screen: [412, 915, 412, 915, 24],
  uaData: { brands: [{ brand: 'Not;A=Brand', version: '24' }, { brand: 'Chromium', version: '126' }, { brand: 'Google Chrome', version: '126' }], mobile: true, platform: 'Android' },
}
const FIREFOX_ANDROID_UA = 'Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0'
const IPAD_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'
const FREEBSD_UA = 'Mozilla/5.0 (X11; FreeBSD amd64; rv:128.0) Gecko/20100101 Firefox/128.0'
const noHints = (ua: string, lang: string): ReportHeaders => ({ userAgent: ua, acceptLanguage: lang, secChUa: null, secChUaMobile: null, secChUaPlatform: null })

const reasonOf = (report: BrowserReport, headers: ReportHeaders = CHROME_HEADERS): string => {
  const r = checkBrowserReport(report, headers)
  return r.ok ? 'ok' : r.reason
}

describe('a real browser report', () => {
  it.each<[string, BrowserReport, ReportHeaders]>([
    ['Chrome on Windows with client hints', CHROME, CHROME_HEADERS],
    ['Firefox on Linux (no hints, no userAgentData)', { ...CHROME, ua: FIREFOX_UA, platform: 'Linux x86_64', languages: ['en-US', 'en'], uaData: null }, noHints(FIREFOX_UA, 'en-US,en;q=0.5')],
    ['Safari on an iPhone', { ...CHROME, ua: SAFARI_UA, platform: 'iPhone', languages: ['en-GB'], plugins: 0, uaData: null, screen: [390, 844, 390, 844, 24] }, noHints(SAFARI_UA, 'en-GB,en;q=0.9')],
    ['a software renderer (a VM or remote desktop) and no plugins', { ...CHROME, webgl: 'Google SwiftShader', plugins: 0 }, CHROME_HEADERS],
    ['a timezone far from anything the headers say (travel, VPN)', { ...CHROME, timezone: 'Asia/Tokyo' }, CHROME_HEADERS],
    ['hints header present without a platform hint', CHROME, { ...CHROME_HEADERS, secChUaPlatform: null }],
    ['Chrome on Android (a GREASE brand with ; and =)', ANDROID_CHROME, ANDROID_HEADERS],
    [
      'Chrome on Android asking for the desktop site (a Linux UA, platform hint Android)',
      { ...ANDROID_CHROME, ua: ANDROID_DESKTOP_UA, uaData: { ...ANDROID_CHROME.uaData!, mobile: false } },
      { ...ANDROID_HEADERS, userAgent: ANDROID_DESKTOP_UA, secChUaMobile: '?0' },
    ],
    ['Firefox on Android', { ...CHROME, ua: FIREFOX_ANDROID_UA, platform: 'Linux aarch64', languages: ['fr-FR', 'fr'], uaData: null }, noHints(FIREFOX_ANDROID_UA, 'fr-FR,fr;q=0.5')],
    ['Safari on an iPad (a Mac UA by default)', { ...CHROME, ua: IPAD_UA, platform: 'MacIntel', languages: ['en-us'], uaData: null }, noHints(IPAD_UA, 'en-US,en;q=0.9')],
    ['Firefox on FreeBSD (an X11 UA)', { ...CHROME, ua: FREEBSD_UA, platform: 'FreeBSD amd64', languages: ['en-US'], uaData: null }, noHints(FREEBSD_UA, 'en-US,en;q=0.5')],
  ])('passes: %s', (_name, report, headers) => {
    expect(reasonOf(report, headers)).toBe('ok')
  })
})

describe('a report that gives a driver or a script away', () => {
  it.each<[string, BrowserReport, ReportHeaders, string]>([
    ['navigator.webdriver', { ...CHROME, webdriver: true }, CHROME_HEADERS, 'browser_webdriver'],
    ['a chromedriver global', { ...CHROME, automation: ['document.$cdc_asdjflasutopfhvcZLmcfl_'] }, CHROME_HEADERS, 'browser_automation'],
    ['a HeadlessChrome User-Agent', { ...CHROME, ua: CHROME_UA.replace('Chrome/', 'HeadlessChrome/') }, { ...CHROME_HEADERS, userAgent: CHROME_UA.replace('Chrome/', 'HeadlessChrome/') }, 'browser_headless'],
    ['a HeadlessChrome brand', { ...CHROME, uaData: { ...CHROME.uaData!, brands: [{ brand: 'HeadlessChrome', version: '126' }] } }, { ...CHROME_HEADERS, secChUa: '"HeadlessChrome";v="126"' }, 'browser_headless'],
    ['a User-Agent other than the one sent', { ...CHROME, ua: FIREFOX_UA }, CHROME_HEADERS, 'browser_ua'],
    ['navigator.platform of another OS', { ...CHROME, platform: 'Linux x86_64' }, CHROME_HEADERS, 'browser_platform'],
    ['no languages (old headless)', { ...CHROME, languages: [] }, CHROME_HEADERS, 'browser_languages'],
    ['languages other than Accept-Language', { ...CHROME, languages: ['en-US', 'en'] }, CHROME_HEADERS, 'browser_languages'],
    ['no Accept-Language header', CHROME, { ...CHROME_HEADERS, acceptLanguage: null }, 'browser_languages'],
    ['client hints sent but no userAgentData', { ...CHROME, uaData: null }, CHROME_HEADERS, 'browser_hints'],
    ['brands other than the header', { ...CHROME, uaData: { ...CHROME.uaData!, brands: [{ brand: 'Chromium', version: '125' }] } }, CHROME_HEADERS, 'browser_hints'],
    ['mobile other than the header', { ...CHROME, uaData: { ...CHROME.uaData!, mobile: true } }, CHROME_HEADERS, 'browser_hints'],
    ['platform other than the header', { ...CHROME, uaData: { ...CHROME.uaData!, platform: 'macOS' } }, CHROME_HEADERS, 'browser_hints'],
    ['a zero screen', { ...CHROME, screen: [0, 0, 0, 0, 24] }, CHROME_HEADERS, 'browser_screen'],
    ['no colour depth', { ...CHROME, screen: [1920, 1080, 1920, 1040, 0] }, CHROME_HEADERS, 'browser_screen'],
  ])('refuses %s', (_name, report, headers, reason) => {
    expect(reasonOf(report, headers)).toBe(reason)
  })
})

describe('reading the report', () => {
  it.each<[string, string | null, string]>([
    ['no field', null, 'browser_missing'],
    ['an empty field', '', 'browser_missing'],
    ['not JSON', '{v:1', 'browser_malformed'],
    ['JSON of another shape', '{"v":1}', 'browser_malformed'],
    ['another version', JSON.stringify({ ...CHROME, v: 2 }), 'browser_malformed'],
    ['an extra member', JSON.stringify({ ...CHROME, extra: 1 }), 'browser_malformed'],
    ['a string where a count goes', JSON.stringify({ ...CHROME, plugins: '5' }), 'browser_malformed'],
    // Valid JSON of the right shape, padded past the cap: only the cap refuses it.
    ['an oversized report', JSON.stringify(CHROME) + ' '.repeat(BROWSER_REPORT_MAX_CHARS), 'browser_malformed'],
    ['an array', '[]', 'browser_malformed'],
  ])('refuses %s', (_name, raw, reason) => {
    const r = judgeBrowserReport(raw, CHROME_HEADERS)
    expect(r.ok ? 'ok' : r.reason).toBe(reason)
  })

  it('reads what the page sends, round trip', () => {
    expect(parseBrowserReport(JSON.stringify(CHROME))).toEqual({ ok: true, value: CHROME })
    expect(judgeBrowserReport(JSON.stringify(CHROME), CHROME_HEADERS)).toEqual({ ok: true, value: true })
  })
})
