// Timezone agreement: takes the SDK's IANA timezone, request.cf's timezone and `now`, returns
// whether their UTC offsets differ at that instant (null when either is unknown). Pure.

export const TIMEZONE_CACHE_SIZE = 128
const MAX_CACHED = TIMEZONE_CACHE_SIZE
const formatters = new Map<string, Intl.DateTimeFormat | null>()

/** Formatters cached (tests assert it stays within TIMEZONE_CACHE_SIZE). */
export const timezoneCacheSize = (): number => formatters.size

function formatterFor(tz: string): Intl.DateTimeFormat | null {
  let f = formatters.get(tz)
  if (f !== undefined) return f
  try {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
  } catch {
    f = null
  }
  if (formatters.size >= MAX_CACHED) formatters.clear()
  formatters.set(tz, f)
  return f
}

/** UTC offset in minutes of `tz` at epoch-ms `now`, or null for an unknown zone. */
export function utcOffsetMinutes(tz: string, now: number): number | null {
  const f = formatterFor(tz)
  if (f === null) return null
  const name = f.formatToParts(now).find((p) => p.type === 'timeZoneName')?.value ?? ''
  if (name === 'GMT' || name === 'UTC') return 0
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name)
  if (m === null) return null
  const minutes = Number(m[2]) * 60 + Number(m[3])
  return m[1] === '-' ? -minutes : minutes
}

/** True when the browser's clock zone and the IP's zone have different offsets right now. */
export function timezoneMismatch(sdkTz: string | null, cfTz: string | null, now: number): boolean | null {
  if (sdkTz === null || cfTz === null) return null
  if (sdkTz === cfTz) return false
  const a = utcOffsetMinutes(sdkTz, now)
  const b = utcOffsetMinutes(cfTz, now)
  return a === null || b === null ? null : a !== b
}
