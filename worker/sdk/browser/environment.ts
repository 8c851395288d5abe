// Environment: timezone, languages, screen, hardware concurrency and a private-browsing hint
// (storage-quota heuristic). Returns plain values; every probe is wrapped, none can throw out.
import type { Telemetry } from '../../../src/signals/telemetry'
import { win } from './dom'

type Env = Pick<Telemetry, 'timezone' | 'languages' | 'screen' | 'hardwareConcurrency'>

const CODE = /^[A-Za-z0-9_+\-/:.]+$/
const code = (s: unknown, max: number): string | null =>
  typeof s === 'string' && s.length > 0 && s.length <= max && CODE.test(s) ? s : null
const int = (x: unknown, max: number): number =>
  typeof x === 'number' && Number.isFinite(x) ? Math.min(max, Math.max(0, Math.round(x))) : 0

export function environment(): Env {
  let timezone: string | null = null
  try {
    timezone = code(Intl.DateTimeFormat().resolvedOptions().timeZone, 64)
  } catch {
    // no Intl: unknown.
  }
  const langs = win.navigator.languages ?? []
  const languages = langs.map((l) => code(l, 35)).filter((l): l is string => l !== null).slice(0, 16)
  const s = win.screen
  const dpr = win.devicePixelRatio
  const screen = s === undefined ? null : {
    width: int(s.width, 100_000),
    height: int(s.height, 100_000),
    colorDepth: int(s.colorDepth, 64),
    pixelRatio: typeof dpr === 'number' && Number.isFinite(dpr) ? Math.min(16, Math.max(0, dpr)) : 0,
  }
  const hc = win.navigator.hardwareConcurrency
  return { timezone, languages, screen, hardwareConcurrency: typeof hc === 'number' ? int(hc, 1024) : null }
}

/**
 * Private-browsing hint. Chromium: the quota of an incognito profile is capped far below a
 * normal profile's (below twice the JS heap limit). Firefox: OPFS is refused in private
 * windows. Anything else, or any failure: null (unknown).
 */
export async function incognitoHint(): Promise<boolean | null> {
  const nav = win.navigator
  const ua = nav.userAgent || ''
  try {
    if (/Firefox\//.test(ua) && nav.storage?.getDirectory !== undefined) {
      return await nav.storage.getDirectory().then(() => false, () => true)
    }
    if (/Chrome\//.test(ua) && nav.storage?.estimate !== undefined) {
      const { quota } = await nav.storage.estimate()
      const heap = win.performance.memory?.jsHeapSizeLimit ?? 1_073_741_824
      return typeof quota === 'number' ? quota < 2 * heap : null
    }
  } catch {
    // fall through
  }
  return null
}
