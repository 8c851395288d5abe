// Property tests of the header and network signal parsers in plain Node: readNetworkSignals on any
// request.cf a client can shape through the dev-only x-edgeward-test-cf header (any JSON object,
// merged over the real cf), parseUserAgent, the Sec-CH-UA client hints and readHeaderSignals on
// arbitrary header sets (Accept-Language included). Never a throw; every output in its declared range;
// the ASN, its hosting flag and the JA3/JA4 read exactly as the field says.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clientHintsMismatch, HINT_MISMATCHES, parseClientHints } from '../../src/signals/clientHints'
import { readHeaderSignals } from '../../src/signals/headers'
import { HOSTING_ASNS, readNetworkSignals, type NetworkSignals } from '../../src/signals/network'
import { parseUserAgent, UA_ENGINES, UA_FAMILIES, UA_PLATFORMS, type UserAgentInfo } from '../../src/signals/userAgent'

const isNullOr = <T>(v: unknown, check: (x: T) => boolean): boolean => v === null || check(v as T)
const shortText = (max: number) => (s: string) => typeof s === 'string' && s.length >= 1 && s.length <= max
const boolOrNull = (v: unknown): boolean => v === null || typeof v === 'boolean'

/** Every NetworkSignals field in the range its type and comment promise (numbers finite). */
function expectNetworkInRange(n: NetworkSignals): void {
  expect([null, 1, 1.1, 2, 3]).toContain(n.httpVersion)
  expect([null, 0, 0.3, 1, 1.1, 1.2, 1.3]).toContain(n.tlsVersion)
  expect(boolOrNull(n.tlsCipherWeak)).toBe(true)
  expect(isNullOr<number>(n.asn, (a) => Number.isInteger(a) && a > 0 && a <= 2 ** 32 - 1)).toBe(true)
  expect(n.asnHosting === null).toBe(n.asn === null) // unknown ASN, unknown hosting
  expect(boolOrNull(n.asnHosting)).toBe(true)
  expect(isNullOr(n.country, shortText(2))).toBe(true)
  expect(isNullOr(n.cfTimezone, shortText(64))).toBe(true)
  expect(isNullOr<number>(n.clientTcpRttMs, (r) => Number.isFinite(r) && r > 0)).toBe(true)
  expect(isNullOr<number>(n.botScore, (s) => Number.isFinite(s) && s >= 1 && s <= 99)).toBe(true)
  expect(boolOrNull(n.verifiedBot)).toBe(true)
  expect(isNullOr<string>(n.ja3Hash, (h) => /^[0-9a-f]{32}$/.test(h))).toBe(true)
  expect(isNullOr<string>(n.ja4, (h) => /^[A-Za-z0-9_]{1,64}$/.test(h))).toBe(true)
}

/**
 * What the parser must read from this cf exactly: the ASN when it is a 32-bit AS number (hosting when
 * the bundled list or the extra set names it), the JA3 lower-cased when it is 32 hex digits, the first
 * JA4-shaped of botManagement.ja4 and ja4.
 */
function expectNetworkReads(n: NetworkSignals, cf: Record<string, unknown> | undefined, extra: ReadonlySet<number> | undefined): void {
  const asn = cf?.asn
  const validAsn = typeof asn === 'number' && Number.isInteger(asn) && asn >= 1 && asn <= 2 ** 32 - 1
  expect(n.asn).toBe(validAsn ? asn : null)
  if (validAsn) expect(n.asnHosting).toBe(HOSTING_ASNS.has(asn) || (extra?.has(asn) ?? false))
  const bm = typeof cf?.botManagement === 'object' && cf.botManagement !== null ? (cf.botManagement as Record<string, unknown>) : {}
  const ja3 = bm.ja3Hash
  expect(n.ja3Hash).toBe(typeof ja3 === 'string' && /^[0-9a-f]{32}$/i.test(ja3) ? ja3.toLowerCase() : null)
  const ja4 = [bm.ja4, cf?.ja4].find((x) => typeof x === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(x))
  expect(n.ja4).toBe(ja4 ?? null)
}

/** Hostile values for one cf field: JSON values, odd numbers (1e400 parses to Infinity), long text. */
const cfValue = fc.oneof(
  fc.jsonValue(),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, -1, 1.5, 2 ** 53 + 2, ''),
  fc.constantFrom('HTTP/2', 'HTTP/1.1', 'HTTP/3', 'TLSv1.3', 'TLSv1.2', 'SSLv3', 'NONE', 'AEAD-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA'),
  fc.string({ unit: 'binary', maxLength: 200 }),
)
/** AS numbers in range, at and past its ends, and not integers; 16509 (Amazon) is on the bundled hosting list. */
const asnValue = fc.oneof(fc.integer({ min: -1, max: 2 ** 32 + 1 }), fc.constantFrom(16509, 2 ** 32 - 1, 2 ** 32, 0, 1.5))
/** JA3 digests in lower, upper and mixed case, and a digit short, a digit long or with a non-hex letter. */
const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/)
const ja3Value = fc.oneof(
  { arbitrary: hex32, weight: 4 },
  { arbitrary: hex32.map((h) => h.toUpperCase()), weight: 1 },
  { arbitrary: fc.tuple(hex32, fc.array(fc.boolean(), { minLength: 32, maxLength: 32 })).map(([h, up]) => [...h].map((ch, i) => (up[i] ? ch.toUpperCase() : ch)).join('')), weight: 1 },
  { arbitrary: hex32.chain((h) => fc.constantFrom(h.slice(1), `${h}0`, `g${h.slice(1)}`, ` ${h}`)), weight: 1 },
)
/** JA4 fingerprints (`t13d1516h2_8daaf6152771_02713d6af862`), and strings a character or a length off that shape. */
const ja4Like = fc.stringMatching(/^[tqd][0-9]{2}[di][0-9]{4}[a-z0-9]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/)
const ja4Value = fc.oneof(
  { arbitrary: ja4Like, weight: 4 },
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9_]{1,64}$/), weight: 1 },
  { arbitrary: ja4Like.chain((j) => fc.constantFrom(`${j}-x`, j.replace('_', ' '), j.padEnd(65, '0'), '')), weight: 1 },
)
/** A field's own kind of value most of the time, any hostile value otherwise. */
const mostly = <T>(own: fc.Arbitrary<T>) => fc.oneof({ arbitrary: own, weight: 3 }, { arbitrary: cfValue, weight: 1 })

const CF_KEYS = ['httpProtocol', 'tlsVersion', 'tlsCipher', 'country', 'timezone', 'clientTcpRtt', 'colo', 'city'] as const
const BM_KEYS = ['score', 'verifiedBot', 'staticResource'] as const
const shapedCf = fc.record(
  {
    ...Object.fromEntries(CF_KEYS.map((k) => [k, cfValue])),
    asn: mostly(asnValue),
    ja4: mostly(ja4Value),
    botManagement: fc.oneof(
      { arbitrary: cfValue, weight: 1 },
      { arbitrary: fc.record({ ...Object.fromEntries(BM_KEYS.map((k) => [k, cfValue])), ja3Hash: mostly(ja3Value), ja4: mostly(ja4Value) }, { requiredKeys: [] }), weight: 3 },
    ),
  },
  { requiredKeys: [] },
)
/** The header text parsed as the Worker does: only a JSON object overrides cf. */
const fromHeaderText = fc.oneof(fc.json(), fc.string({ maxLength: 200 })).map((text) => {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
})
/** Names every plain object inherits (fast-check favours them in strings): a plain-object lookup table answers them too. */
const INHERITED_NAMES = Object.getOwnPropertyNames(Object.prototype)
/** A request.cf as the test header can leave it: the platform's own cf with any object merged over it. */
const cf: fc.Arbitrary<Record<string, unknown> | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.option(shapedCf, { nil: undefined }), fc.oneof({ arbitrary: shapedCf, weight: 3 }, fc.object({ values: [cfValue] }), fromHeaderText))
      .map(([base, override]) => ({ ...base, ...override })),
    weight: 4,
  },
)
/** A cf and an optional extra hosting set that, half the time it is there, names the cf's ASN. */
const cfWithHostingExtra = fc
  .tuple(cf, fc.option(fc.array(fc.oneof(fc.integer(), fc.double()), { maxLength: 5 }), { nil: undefined }), fc.boolean())
  .map(([c, xs, withAsn]) => {
    const asn = c?.asn
    const extra = xs === undefined ? undefined : new Set(withAsn && typeof asn === 'number' ? [...xs, asn] : xs)
    return [c, extra] as const
  })

describe('readNetworkSignals with the test-cf input', () => {
  it('never throws and keeps every field in range on any cf a client can shape', () => {
    fc.assert(
      fc.property(cfWithHostingExtra, ([c, extra]) => {
        const n = readNetworkSignals(c, extra)
        expectNetworkInRange(n)
        expectNetworkReads(n, c, extra)
      }),
      { numRuns: 3000 },
    )
  })

  // Found by this file: the version tables are plain objects, so "constructor" once read back Object itself.
  it('reads a protocol or TLS version named like an inherited property as unknown', () => {
    fc.assert(
      fc.property(fc.constantFrom('httpProtocol', 'tlsVersion'), fc.constantFrom(...INHERITED_NAMES), (field, name) => {
        expectNetworkInRange(readNetworkSignals({ httpProtocol: 'HTTP/2', [field]: name }))
      }),
      { numRuns: 20 },
    )
  })
})

/** A family token with a version of any length, between platform tokens and noise. */
const VERSION_TOKENS = ['Chrome/', 'HeadlessChrome/', 'Firefox/', 'Edg/', 'EdgA/', 'EdgiOS/', 'CriOS/', 'FxiOS/', 'OPR/', 'SamsungBrowser/', 'Version/']
const PLATFORM_TOKENS = ['(Windows NT 10.0; Win64; x64)', '(Macintosh; Intel Mac OS X 10_15_7)', '(X11; Linux x86_64)', '(Linux; Android 14; Pixel 8)', '(iPhone; CPU iPhone OS 17_5 like Mac OS X)', '(X11; CrOS x86_64 14541.0.0)', '']
const uaLike = fc
  .tuple(
    fc.constantFrom('Mozilla/5.0 ', '', 'curl/8.5.0 ', 'Googlebot/2.1 '),
    fc.constantFrom(...PLATFORM_TOKENS),
    fc.array(fc.tuple(fc.constantFrom(...VERSION_TOKENS), fc.stringMatching(/^[0-9]{1,12}(\.[0-9]{1,4}){0,3}$/)), { maxLength: 3 }),
    fc.constantFrom('', ' Mobile', ' Safari/537.36', ' Mobile Safari/604.1', ' Playwright', ' (compatible; bingbot/2.0)'),
  )
  .map(([head, platform, versions, tail]) => `${head}${platform} ${versions.map(([t, v]) => `${t}${v}`).join(' ')}${tail}`)
const userAgent = fc.oneof(fc.constant(null), fc.constant(undefined), fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 2000 }), uaLike)

/** The parsed User-Agent in its declared ranges; a version is a non-negative integer or null. */
function expectUserAgentInRange(u: UserAgentInfo, raw: string | null | undefined): void {
  expect(UA_FAMILIES).toContain(u.family)
  expect(UA_ENGINES).toContain(u.engine)
  expect(UA_PLATFORMS).toContain(u.platform)
  for (const v of [u.major, u.chromiumMajor]) expect(isNullOr<number>(v, (x) => Number.isSafeInteger(x) && x >= 0)).toBe(true)
  if (u.chromiumMajor !== null) expect(u.engine).toBe('blink')
  for (const b of [u.mobile, u.isBot, u.isHeadless, u.claimsBrowser]) expect(typeof b).toBe('boolean')
  if (u.claimsBrowser) expect(!u.isBot && !u.isHeadless && u.family !== 'other' && u.family !== 'none').toBe(true)
  expect(u.family === 'none').toBe((raw ?? '').slice(0, 1024).trim() === '')
}

describe('parseUserAgent', () => {
  it('never throws and keeps every field in range', () => {
    fc.assert(
      fc.property(userAgent, (raw) => expectUserAgentInRange(parseUserAgent(raw), raw)),
      { numRuns: 3000 },
    )
  })

  // Found by this file: `Number('9'.repeat(309))` is Infinity; versions are kept only as safe integers.
  it('reads a version as a finite integer however many digits it has', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VERSION_TOKENS), fc.integer({ min: 300, max: 1000 }), (t, n) => {
        const raw = `Mozilla/5.0 (X11; Linux x86_64) ${t}${'9'.repeat(n)} Safari/537.36`
        expectUserAgentInRange(parseUserAgent(raw), raw)
      }),
      { numRuns: 50 },
    )
  })
})

const brandList = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('Chromium', 'Google Chrome', 'Not_A Brand', 'Microsoft Edge', ''), fc.string({ maxLength: 80 })), fc.oneof(fc.stringMatching(/^[0-9]{1,40}$/), fc.string({ maxLength: 40 }))), { maxLength: 14 })
  .map((bs) => bs.map(([b, v]) => `"${b}";v="${v}"`).join(', '))
const hintHeader = fc.option(fc.oneof(brandList, fc.string({ unit: 'binary', maxLength: 600 })), { nil: null })
const mobileHint = fc.option(fc.oneof(fc.constantFrom('?0', '?1', ' ?1 ', '?2', '1', 'true'), fc.string({ maxLength: 10 })), { nil: null })
const platformHint = fc.option(fc.oneof(fc.constantFrom('"Windows"', '"macOS"', '"Linux"', '"Android"', '"Chrome OS"', '"iOS"', 'Windows', '""', '"'), fc.string({ maxLength: 80 })), { nil: null })

describe('client hints', () => {
  it('parse any Sec-CH-UA headers within bounds, and compare with any User-Agent to a known answer', () => {
    fc.assert(
      fc.property(hintHeader, mobileHint, platformHint, userAgent, fc.boolean(), (ua, mobile, platform, raw, secure) => {
        const hints = parseClientHints(ua, mobile, platform)
        if (ua === null && mobile === null && platform === null) expect(hints).toBeNull()
        else {
          expect(hints).not.toBeNull()
          if (hints === null) return
          expect(hints.brands.length).toBeLessThanOrEqual(10)
          for (const b of hints.brands) {
            expect(b.brand.length).toBeLessThanOrEqual(64)
            expect(isNullOr<number>(b.major, (m) => Number.isFinite(m) && m >= 0)).toBe(true)
          }
          expect(boolOrNull(hints.mobile)).toBe(true)
          expect(isNullOr<string>(hints.platform, (p) => p.length <= 32)).toBe(true)
        }
        expect([null, ...HINT_MISMATCHES]).toContain(clientHintsMismatch(parseUserAgent(raw), hints, secure))
      }),
      { numRuns: 3000 },
    )
  })
})

const HEADER_NAMES = ['user-agent', 'accept', 'accept-language', 'Accept-Language', 'ACCEPT', 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'sec-fetch-site', 'sec-fetch-mode', 'cf-connecting-ip', 'x-forwarded-for', 'x-edgeward-test-cf', 'x-real-ip', 'cookie', 'via']
const acceptLanguage = fc.oneof(
  fc.constantFrom('en-US,en;q=0.9', '*', '', 'de-DE;q=1.5, en;q=-1', 'x'.repeat(5000), ';;;,,,', 'en;q=NaN', 'zh-Hant-TW;q=0.8,*;q=0.1'),
  fc.array(fc.tuple(fc.stringMatching(/^[a-zA-Z*]{1,8}(-[a-zA-Z0-9]{1,8}){0,2}$/), fc.option(fc.double(), { nil: undefined })), { maxLength: 12 }).map((ls) => ls.map(([l, q]) => (q === undefined ? l : `${l};q=${q}`)).join(',')),
  fc.string({ unit: 'binary', maxLength: 200 }),
)
const headerPairs = fc.array(
  fc.oneof(
    fc.tuple(fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.string({ maxLength: 20 })), fc.string({ unit: 'binary', maxLength: 200 })),
    fc.tuple(fc.constant('accept-language'), acceptLanguage),
    fc.tuple(fc.constant('user-agent'), uaLike),
    fc.tuple(fc.constant('sec-ch-ua'), brandList),
  ),
  { maxLength: 20 },
)
/** Header sets the platform accepts: token names (real ones most often), printable Latin-1 values. */
const tokenName = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/)
const latin1Value = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((c) => String.fromCharCode(c)), maxLength: 200 })
const validHeaderPairs = fc.array(
  fc.oneof(
    fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(...HEADER_NAMES), weight: 3 }, { arbitrary: tokenName, weight: 1 }), latin1Value),
    fc.tuple(fc.constant('user-agent'), uaLike),
    fc.tuple(fc.constant('sec-ch-ua'), brandList), // fc.string is printable ASCII
  ),
  { maxLength: 20 },
)
const url = fc.option(fc.oneof(fc.webUrl(), fc.constantFrom('http://localhost:8787/', 'http://127.0.0.1/', 'http://[::1]/', 'https://shop.example/', 'not a url', '')), { nil: undefined })

describe('readHeaderSignals', () => {
  it('never throws on any header set, cf and URL, and keeps every field in range', () => {
    fc.assert(
      fc.property(headerPairs, cf, url, (pairs, c, u) => {
        const s = readHeaderSignals({ headers: pairs, cf: c, url: u })
        expectNetworkInRange(s)
        expectNetworkReads(s, c, undefined)
        const names = new Set(pairs.map(([n]) => n.toLowerCase()))
        expect(s.acceptLanguageMissing).toBe(!names.has('accept-language'))
        expect(s.acceptMissing).toBe(!names.has('accept'))
        expect(s.uaMissing).toBe(s.userAgent.family === 'none')
        expect([null, ...HINT_MISMATCHES]).toContain(s.clientHintsMismatch)
        expect(typeof s.secFetchMissing).toBe('boolean')
        expect(Number.isSafeInteger(s.headerCount) && s.headerCount >= 0 && s.headerCount <= names.size).toBe(true)
        expect(s.headerSetHash).toMatch(/^[0-9a-f]{8}$/)
      }),
      { numRuns: 2000 },
    )
  })

  it('reads the same from a Headers object as from its pairs', () => {
    fc.assert(
      fc.property(fc.oneof({ arbitrary: validHeaderPairs, weight: 9 }, { arbitrary: headerPairs, weight: 1 }), url, (pairs, u) => {
        let headers: Headers
        try {
          headers = new Headers(pairs.map(([n, v]) => [n, v] as [string, string]))
        } catch {
          return // not a header set the platform would hand us (invalid name or value)
        }
        const viaPairs: Array<[string, string]> = []
        headers.forEach((v, n) => viaPairs.push([n, v]))
        expect(readHeaderSignals({ headers, cf: undefined, url: u })).toEqual(readHeaderSignals({ headers: viaPairs, cf: undefined, url: u }))
      }),
      { numRuns: 1000 },
    )
  })
})
