// Bench (signals): measures in Node the per-request cost of device-cookie verification plus
// header signals and feature extraction, with a valid cookie and with none. Prints a small
// side-by-side table and returns the numbers (µs). Keys are loaded once, as the Worker does per
// isolate. "cold" = a token and /24 this isolate never saw (signature really verified);
// otherwise memo hits.
import { fillBehavioral } from '../../features/behavioral'
import { fillEnvironmental } from '../../features/environmental'
import { emptyFeatureVector } from '../../features/list'
import { bindingHashes } from '../../signals/binding'
import { loadCookieKeys } from '../../signals/cookieKeys'
import { DEVICE_COOKIE_NAME, type DeviceCookieState } from '../../signals/deviceClaims'
import { readDeviceCookie } from '../../signals/deviceCookie'
import { verifyDeviceToken } from '../../signals/deviceToken'
import { readHeaderSignals } from '../../signals/headers'
import { issueDeviceToken } from '../../signals/issueDeviceToken'
import { parseTelemetry } from '../../signals/telemetry'
import { makeDevKeySet } from '../dev-keys'

const WARMUP = 300
const RUNS = 3000
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const IP = '203.0.113.9'
const CF = { httpProtocol: 'HTTP/2', tlsVersion: 'TLSv1.3', tlsCipher: 'AEAD-AES128-GCM-SHA256', asn: 7922, country: 'US', timezone: 'America/New_York', clientTcpRtt: 20 }
const TELEMETRY = {
  v: 1, phase: 'submit', credentialFields: true, keyCount: 24, keyIntervalMeanMs: 151.2, keyIntervalSdMs: 48.9, pasteCredential: false,
  autofill: false, focusChanges: 2, visibilityChanges: 0, pointerMoved: true, timeOnPageMs: 7000, timeToSubmitMs: 7000, webdriver: false,
  automationMarkers: [], incognito: false, timezone: 'America/New_York', languages: ['en-US', 'en'],
  screen: { width: 1920, height: 1080, colorDepth: 24, pixelRatio: 1 }, hardwareConcurrency: 8,
}

function headers(cookie: string | null): Headers {
  const h = new Headers({
    'user-agent': UA, accept: 'text/html', 'accept-language': 'en-US,en;q=0.9', 'accept-encoding': 'gzip, br',
    'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?0',
    'sec-ch-ua-platform': '"Windows"', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', 'cf-connecting-ip': IP,
  })
  if (cookie !== null) h.set('cookie', `session=abc; ${DEVICE_COOKIE_NAME}=${cookie}`)
  return h
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
const round = (x: number): number => Math.round(x * 10) / 10

interface Timing {
  readonly median: number
  readonly p99: number
  readonly cpu: number
}

/** The three cases side by side, cheapest first, so the cookie's cost reads off the table. */
function printTable(rows: ReadonlyArray<readonly [string, Timing]>): void {
  console.log(`\nsignals: cookie verification + header signals + feature extraction per request, Node, ${RUNS} runs`)
  console.log(`${'request'.padEnd(36)} ${'median µs'.padStart(10)} ${'p99 µs'.padStart(10)}`)
  for (const [name, t] of rows) console.log(`${name.padEnd(36)} ${t.median.toFixed(1).padStart(10)} ${t.p99.toFixed(1).padStart(10)}`)
}

async function measure(once: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < WARMUP; i++) await once(i)
  const times: number[] = []
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint()
    await once(WARMUP + i)
    times.push(Number(process.hrtime.bigint() - t0) / 1000)
  }
  const cpu = process.cpuUsage(cpu0)
  times.sort((a, b) => a - b)
  return { median: round(quantile(times, 0.5)), p99: round(quantile(times, 0.99)), cpu: round((cpu.user + cpu.system) / RUNS) }
}

export async function run(): Promise<Record<string, number>> {
  const keys = await loadCookieKeys(await makeDevKeySet())
  const telemetry = parseTelemetry(TELEMETRY)
  if (!keys.ok || !telemetry.ok) throw new Error('bench setup failed')
  const now = Date.now()
  const binding = await bindingHashes(UA, IP)
  const token = await issueDeviceToken({ deviceId: 'AAAAAAAAAAAAAAAAAAAAAA', firstSeen: now - 86_400_000, now, telemetry: telemetry.value, ...binding }, keys.value)
  const withCookie = headers(token)
  const noCookie = headers(null)

  const request = async (h: Headers): Promise<Float32Array> => {
    const value = readDeviceCookie(h.get('cookie'))
    let state: DeviceCookieState = { kind: 'missing' }
    if (value !== undefined) {
      const b = await bindingHashes(h.get('user-agent'), h.get('cf-connecting-ip'))
      state = await verifyDeviceToken(value, keys, { now, ...b })
    }
    if (value !== undefined && state.kind !== 'valid') throw new Error(`bench token did not verify: ${JSON.stringify(state)}`)
    const signals = readHeaderSignals({ headers: h, cf: CF, url: 'https://shop.example/login' })
    const vec = emptyFeatureVector()
    fillEnvironmental(vec, signals, state, now)
    return fillBehavioral(vec, state, now)
  }

  // Cold: every request brings a token and a /24 never seen by this isolate (no memo hits).
  const cold: Headers[] = []
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const ip = `10.${(i >> 8) & 255}.${i & 255}.1`
    const b = await bindingHashes(UA, ip)
    const deviceId = `B${i.toString(36).padStart(21, 'A')}`
    const t = await issueDeviceToken({ deviceId, firstSeen: now - 86_400_000, now, telemetry: telemetry.value, ...b }, keys.value)
    const h = headers(t)
    h.set('cf-connecting-ip', ip)
    cold.push(h)
  }
  // Let the binding memo forget the setup's entries.
  for (let i = 0; i < 300; i++) await bindingHashes(`flush-${i}`, IP)

  const coldCookie = await measure((i) => request(cold[i]!))
  const cookie = await measure(() => request(withCookie))
  const none = await measure(() => request(noCookie))
  printTable([
    ['no cookie', none],
    ['cookie verified in this isolate', cookie],
    ['cookie first seen (signature checked)', coldCookie],
  ])
  return {
    signals_cookie_cold_median_us: coldCookie.median,
    signals_cookie_cold_p99_us: coldCookie.p99,
    signals_cookie_cold_cpu_mean_us: coldCookie.cpu,
    signals_cookie_median_us: cookie.median,
    signals_cookie_p99_us: cookie.p99,
    signals_cookie_cpu_mean_us: cookie.cpu,
    signals_nocookie_median_us: none.median,
    signals_nocookie_p99_us: none.p99,
    signals_nocookie_cpu_mean_us: none.cpu,
    signals_token_bytes: token.length,
  }
}
