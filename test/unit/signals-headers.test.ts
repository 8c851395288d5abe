// Header signals in plain Node: real header sets from Chrome, Firefox, Safari, Edge, mobile
// browsers, HeadlessChrome, curl and python-requests, plus spoofed combinations.
import { describe, expect, it, test } from 'vitest'
import { readHeaderSignals, type HeaderSignals } from '../../src/signals/headers'

type Pairs = ReadonlyArray<readonly [string, string]>
const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

const SETS: Record<string, Pairs> = {
  chrome: [
    ['Host', 'shop.example'], ['sec-ch-ua', '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"'], ['sec-ch-ua-mobile', '?0'],
    ['sec-ch-ua-platform', '"Windows"'], ['Upgrade-Insecure-Requests', '1'], ['User-Agent', CHROME_UA],
    ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8'],
    ['Sec-Fetch-Site', 'none'], ['Sec-Fetch-Mode', 'navigate'], ['Sec-Fetch-User', '?1'], ['Sec-Fetch-Dest', 'document'],
    ['Accept-Encoding', 'gzip, deflate, br, zstd'], ['Accept-Language', 'en-US,en;q=0.9'], ['Priority', 'u=0, i'],
  ],
  firefox: [
    ['Host', 'shop.example'], ['User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'],
    ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'], ['Accept-Language', 'en-US,en;q=0.5'],
    ['Accept-Encoding', 'gzip, deflate, br, zstd'], ['Upgrade-Insecure-Requests', '1'], ['Sec-Fetch-Dest', 'document'],
    ['Sec-Fetch-Mode', 'navigate'], ['Sec-Fetch-Site', 'none'], ['Sec-Fetch-User', '?1'], ['Priority', 'u=0, i'], ['TE', 'trailers'],
  ],
  safari: [
    ['Host', 'shop.example'], ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'], ['Sec-Fetch-Site', 'none'],
    ['Accept-Language', 'en-GB,en;q=0.9'], ['Sec-Fetch-Mode', 'navigate'], ['Accept-Encoding', 'gzip, deflate, br'],
    ['User-Agent', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'],
    ['Sec-Fetch-Dest', 'document'], ['Priority', 'u=0, i'],
  ],
  edge: [
    ['Host', 'shop.example'], ['sec-ch-ua', '"Microsoft Edge";v="131", "Chromium";v="131", "Not_A Brand";v="24"'], ['sec-ch-ua-mobile', '?0'],
    ['sec-ch-ua-platform', '"Windows"'], ['User-Agent', `${CHROME_UA} Edg/131.0.0.0`], ['Accept', 'text/html'],
    ['Sec-Fetch-Site', 'same-origin'], ['Sec-Fetch-Mode', 'navigate'], ['Accept-Language', 'de-DE,de;q=0.9'],
  ],
  android: [
    ['Host', 'shop.example'], ['sec-ch-ua', '"Chromium";v="131", "Google Chrome";v="131", "Not?A_Brand";v="99"'], ['sec-ch-ua-mobile', '?1'],
    ['sec-ch-ua-platform', '"Android"'], ['User-Agent', 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'],
    ['Accept', 'text/html'], ['Sec-Fetch-Site', 'none'], ['Sec-Fetch-Mode', 'navigate'], ['Accept-Language', 'fr-FR,fr;q=0.9'],
  ],
  iphoneChrome: [
    ['Host', 'shop.example'], ['User-Agent', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1'],
    ['Accept', 'text/html'], ['Sec-Fetch-Site', 'none'], ['Sec-Fetch-Mode', 'navigate'], ['Accept-Language', 'en-US'],
  ],
  // Captured from Debian Chromium 156 --headless=new over http://127.0.0.1 (test/e2e's browser).
  headless: [
    ['Host', '127.0.0.1:8787'], ['Connection', 'keep-alive'], ['sec-ch-ua', '"Not:A-Brand";v="8", "Chromium";v="156"'], ['sec-ch-ua-mobile', '?0'],
    ['sec-ch-ua-platform', '"Linux"'], ['Upgrade-Insecure-Requests', '1'],
    ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36'],
    ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8'],
    ['Sec-Fetch-Site', 'none'], ['Sec-Fetch-Mode', 'navigate'], ['Sec-Fetch-User', '?1'], ['Sec-Fetch-Dest', 'document'],
    ['Accept-Encoding', 'gzip, deflate, br, zstd'], ['Accept-Language', 'en-US,en;q=0.9'],
  ],
  curl: [['Host', 'shop.example'], ['User-Agent', 'curl/8.5.0'], ['Accept', '*/*']],
  python: [['Host', 'shop.example'], ['User-Agent', 'python-requests/2.32.3'], ['Accept-Encoding', 'gzip, deflate'], ['Accept', '*/*'], ['Connection', 'keep-alive']],
}

const read = (headers: Pairs, url = 'https://shop.example/login', cf?: Record<string, unknown>): HeaderSignals => readHeaderSignals({ headers, cf, url })
const without = (set: Pairs, ...names: string[]): Pairs => set.filter(([n]) => !names.includes(n.toLowerCase()))
const replace = (set: Pairs, name: string, value: string): Pairs => set.map(([n, v]) => [n, n.toLowerCase() === name ? value : v] as const)

describe('real browsers read as consistent browsers', () => {
  test.each(['chrome', 'firefox', 'safari', 'edge', 'android', 'iphoneChrome'])('%s', (name) => {
    const s = read(SETS[name]!)
    expect(s.userAgent.claimsBrowser).toBe(true)
    expect(s.userAgent.isBot).toBe(false)
    expect(s.userAgent.isHeadless).toBe(false)
    expect(s.clientHintsMismatch).toBeNull()
    expect(s.secFetchMissing).toBe(false)
    expect(s.acceptMissing).toBe(false)
    expect(s.acceptLanguageMissing).toBe(false)
    expect(s.uaMissing).toBe(false)
  })

  it('parses family, platform and mobile', () => {
    expect(read(SETS.edge!).userAgent).toMatchObject({ family: 'edge', engine: 'blink', major: 131, platform: 'windows', mobile: false })
    expect(read(SETS.android!).userAgent).toMatchObject({ family: 'chrome', platform: 'android', mobile: true })
    expect(read(SETS.safari!).userAgent).toMatchObject({ family: 'safari', engine: 'webkit', major: 17, platform: 'macos' })
    expect(read(SETS.iphoneChrome!).userAgent).toMatchObject({ family: 'chrome_ios', engine: 'webkit', platform: 'ios' })
  })
})

describe('tools and headless browsers', () => {
  it('HeadlessChrome over http://127.0.0.1: headless and a bot, but its hints agree', () => {
    const s = read(SETS.headless!, 'http://127.0.0.1:8787/')
    expect(s.userAgent).toMatchObject({ isHeadless: true, isBot: true, claimsBrowser: false, chromiumMajor: 156 })
    expect(s.clientHintsMismatch).toBeNull()
    expect(s.secFetchMissing).toBe(false)
  })

  test.each(['curl', 'python'])('%s is a bot without Accept-Language', (name) => {
    const s = read(SETS[name]!)
    expect(s.userAgent).toMatchObject({ isBot: true, claimsBrowser: false, family: 'other' })
    expect(s.acceptLanguageMissing).toBe(true)
    expect(s.clientHintsMismatch).toBeNull()
    expect(s.secFetchMissing).toBe(false)
  })

  it('no User-Agent at all', () => {
    const s = read([['Host', 'x'], ['Accept', '*/*']])
    expect(s).toMatchObject({ uaMissing: true, acceptLanguageMissing: true, clientHintsMismatch: null })
    expect(s.userAgent).toMatchObject({ family: 'none', isBot: false, claimsBrowser: false })
  })
})

describe('spoofed combinations', () => {
  it('a tool sending a Chrome UA over https lacks hints and Sec-Fetch', () => {
    const s = read([['User-Agent', CHROME_UA], ['Accept', '*/*'], ['Accept-Encoding', 'gzip, deflate']])
    expect(s.clientHintsMismatch).toBe('hints_missing')
    expect(s.secFetchMissing).toBe(true)
    expect(s.userAgent.claimsBrowser).toBe(true)
  })

  it('real Chrome on http://127.0.0.1 sends hints (a trustworthy origin), so their absence counts there', () => {
    expect(read(without(SETS.chrome!, 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform'), 'http://127.0.0.1:8787/').clientHintsMismatch).toBe('hints_missing')
    expect(read(SETS.chrome!, 'http://127.0.0.1:8787/').clientHintsMismatch).toBeNull()
  })

  it('never flags missing hints or Sec-Fetch over plain http to a non-loopback host', () => {
    const s = read(without(SETS.chrome!, 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-user', 'sec-fetch-dest'), 'http://shop.example/')
    expect(s.clientHintsMismatch).toBeNull()
    expect(s.secFetchMissing).toBe(false)
  })

  it('a UA version that disagrees with the Chromium brand', () => {
    expect(read(replace(SETS.chrome!, 'sec-ch-ua', '"Chromium";v="120", "Google Chrome";v="120"')).clientHintsMismatch).toBe('brand_version')
  })

  it('Firefox or Safari UAs that send Sec-CH-UA', () => {
    expect(read([...SETS.firefox!, ['sec-ch-ua', '"Chromium";v="131"']]).clientHintsMismatch).toBe('hints_on_non_chromium')
    expect(read([...SETS.safari!, ['sec-ch-ua-mobile', '?0']]).clientHintsMismatch).toBe('hints_on_non_chromium')
  })

  it('a Windows UA with a Linux platform hint, a desktop UA with ?1', () => {
    expect(read(replace(SETS.chrome!, 'sec-ch-ua-platform', '"Linux"')).clientHintsMismatch).toBe('platform')
    expect(read(replace(SETS.chrome!, 'sec-ch-ua-mobile', '?1')).clientHintsMismatch).toBe('mobile')
  })

  it('accepts Android "request desktop site" (Linux UA, Android platform hint)', () => {
    const desktop = replace(replace(SETS.android!, 'user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'), 'sec-ch-ua-mobile', '?0')
    expect(read(desktop).clientHintsMismatch).toBeNull()
  })

  it('Firefox 133 without Sec-Fetch over https', () => {
    expect(read(without(SETS.firefox!, 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-user', 'sec-fetch-dest')).secFetchMissing).toBe(true)
  })

  it('Safari 15 is not expected to send Sec-Fetch', () => {
    const old = replace(without(SETS.safari!, 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest'), 'user-agent', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Safari/605.1.15')
    expect(read(old).secFetchMissing).toBe(false)
  })
})

describe('header count and set fingerprint', () => {
  it('excludes CDN and edgeward headers and ignores case and order', () => {
    const base = read(SETS.curl!)
    expect(base.headerCount).toBe(3)
    const noisy = read([...SETS.curl!].reverse().map(([n, v]) => [n.toUpperCase(), v] as const).concat([['CF-Connecting-IP', '1.2.3.4'], ['X-Forwarded-For', '1.2.3.4'], ['x-edgeward-risk', '0'], ['CDN-Loop', 'cloudflare']]))
    expect(noisy.headerCount).toBe(3)
    expect(noisy.headerSetHash).toBe(base.headerSetHash)
    expect(read(SETS.python!).headerSetHash).not.toBe(base.headerSetHash)
  })

  it('accepts a Headers object as well as pairs', () => {
    const h = new Headers(SETS.chrome!.map(([n, v]) => [n, v] as [string, string]))
    expect(readHeaderSignals({ headers: h, cf: undefined }).headerSetHash).toBe(read(SETS.chrome!).headerSetHash)
  })

  it('header order is a constant: not observable in workerd', () => {
    expect(read(SETS.chrome!).headerOrderAnomaly).toBe(false)
    expect(read([...SETS.chrome!].reverse()).headerOrderAnomaly).toBe(false)
  })
})

describe('User-Agent memo (per isolate)', () => {
  it('answers a repeated string as parsed, tells strings that differ only at the end apart, and stays within its cap', async () => {
    const { parseUserAgent, uaMemoSize, UA_MEMO_SIZE } = await import('../../src/signals/userAgent')
    const first = parseUserAgent(CHROME_UA)
    expect(parseUserAgent(CHROME_UA)).toEqual(first)
    expect(first.family).toBe('chrome')
    expect(first.claimsBrowser).toBe(true)
    // The same prefix, a bot's tail: its own answer, not the browser's.
    const bot = parseUserAgent(`${CHROME_UA} Googlebot/2.1`)
    expect(bot.isBot).toBe(true)
    expect(bot.claimsBrowser).toBe(false)
    expect(parseUserAgent(CHROME_UA).isBot).toBe(false)
    // A shared answer cannot be changed by one caller for the next.
    expect(Object.isFrozen(first)).toBe(true)
    for (let i = 0; i < UA_MEMO_SIZE * 2; i++) parseUserAgent(`Mozilla/5.0 (X11; Linux x86_64) Firefox/${i}`)
    expect(uaMemoSize()).toBe(UA_MEMO_SIZE)
    // Evicted and parsed again: the same answer.
    expect(parseUserAgent(CHROME_UA)).toEqual(first)
    expect(parseUserAgent('Mozilla/5.0 (X11; Linux x86_64) Firefox/3').major).toBe(3)
    expect(parseUserAgent(null).family).toBe('none')
    expect(parseUserAgent('').family).toBe('none')
  })
})
