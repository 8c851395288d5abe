// Client hints: takes the Sec-CH-UA* headers and the parsed User-Agent, returns whether they
// disagree (and why). Pure. Knows which browsers send hints and when (secure contexts only).
import { versionNumber, type UaPlatform, type UserAgentInfo } from './userAgent'

export const HINT_MISMATCHES = ['hints_on_non_chromium', 'hints_missing', 'brand_version', 'mobile', 'platform'] as const
export type HintMismatch = (typeof HINT_MISMATCHES)[number]

export interface ClientHints {
  readonly brands: ReadonlyArray<{ readonly brand: string; readonly major: number | null }>
  readonly mobile: boolean | null
  readonly platform: string | null
}

const BRAND_ITEM = /"([^"]{0,64})"\s*;\s*v\s*=\s*"([^"]{0,32})"/g

export function parseClientHints(ua: string | null, mobile: string | null, platform: string | null): ClientHints | null {
  if (ua === null && mobile === null && platform === null) return null
  const brands: Array<{ brand: string; major: number | null }> = []
  for (const m of (ua ?? '').slice(0, 512).matchAll(BRAND_ITEM)) {
    if (brands.length >= 10) break
    const major = /^(\d+)/.exec(m[2] ?? '')
    brands.push({ brand: m[1] ?? '', major: major?.[1] !== undefined ? versionNumber(major[1]) : null })
  }
  const mob = mobile?.trim()
  return {
    brands,
    mobile: mob === '?1' ? true : mob === '?0' ? false : null,
    platform: platform === null ? null : platform.trim().replace(/^"|"$/g, '').slice(0, 32),
  }
}

const PLATFORM_HINTS: Readonly<Record<string, UaPlatform>> = {
  Windows: 'windows', macOS: 'macos', Linux: 'linux', Android: 'android', 'Chrome OS': 'chromeos', ChromeOS: 'chromeos', iOS: 'ios',
}

/** Chromium browsers known to send Sec-CH-UA by default (Chrome, Edge, Opera ≥ 90). */
function mustSendHints(ua: UserAgentInfo): boolean {
  const known = ua.family === 'chrome' || ua.family === 'edge' || ua.family === 'opera'
  return known && (ua.chromiumMajor ?? 0) >= 90
}

/**
 * The first disagreement between User-Agent and client hints, or null.
 * `secureTransport`: Chromium sends hints only to potentially trustworthy origins
 * (https, or http://localhost / 127.0.0.0/8 / [::1]) — never flag their absence elsewhere.
 */
export function clientHintsMismatch(ua: UserAgentInfo, hints: ClientHints | null, secureTransport: boolean): HintMismatch | null {
  if (hints === null) return secureTransport && mustSendHints(ua) ? 'hints_missing' : null
  if (ua.engine !== 'blink') return ua.family === 'none' || ua.family === 'other' ? null : 'hints_on_non_chromium'
  if (hints.brands.length > 0 && ua.chromiumMajor !== null) {
    const chromium = hints.brands.find((b) => b.brand === 'Chromium')
    if (chromium !== undefined && chromium.major !== ua.chromiumMajor) return 'brand_version'
    if (chromium === undefined && mustSendHints(ua)) return 'brand_version'
  }
  if (hints.mobile !== null && hints.mobile !== ua.mobile) return 'mobile'
  // "Request desktop site" on Android sends a Linux UA with platform "Android": not a lie.
  const claimed = hints.platform === null ? undefined : PLATFORM_HINTS[hints.platform]
  if (claimed !== undefined && claimed !== ua.platform && !(claimed === 'android' && ua.platform === 'linux')) return 'platform'
  return null
}
