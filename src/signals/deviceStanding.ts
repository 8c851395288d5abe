// Device standing: takes the device-cookie state, the device's successful logins in 24 h (from its
// counters, null when unread) and `now`; says whether the device is established, unproven, and
// how old it is. Pure; the one place the "established" rule lives (docs/identity.md).
//
// A device cookie costs one POST to mint. What costs more is a device that (a) was minted by the
// SDK from a real page view (a valid, unused, client-bound SDK nonce) and then (a) lived for a
// while or (b) signed in successfully. Anything else is "a new device", and on credential routes a
// new device is treated close to no device at all.
import type { JourneyRead } from '../counters/read'
import type { DeviceCookieState } from './deviceClaims'
import { usableTelemetry } from './usableTelemetry'

/** How long a proven device must live before it counts as established. */
export const ESTABLISHED_AFTER_MS = 10 * 60_000

export interface DeviceStanding {
  /** A usable device: a valid cookie bound to this client (not replayed). */
  readonly present: boolean
  /** Proven, and older than ESTABLISHED_AFTER_MS or with a successful login in 24 h. */
  readonly established: boolean
  /** A present device minted without a valid SDK nonce; null when there is no device. */
  readonly unproven: boolean | null
  /** Seconds since the device id was first issued; null when there is no device. */
  readonly ageS: number | null
}

const NO_DEVICE: DeviceStanding = { present: false, established: false, unproven: null, ageS: null }

export function deviceStanding(cookie: DeviceCookieState, loginSuccesses24h: number | null, now: number): DeviceStanding {
  if (cookie.kind !== 'valid' || cookie.replayed) return NO_DEVICE
  const unproven = cookie.provenAt === null
  const aged = !unproven && now - (cookie.provenAt ?? now) >= ESTABLISHED_AFTER_MS
  // A sign-in establishes only a proven device: one account of the attacker's own signs in from any
  // number of devices, and an unproven one costs a single POST to mint.
  const signedIn = !unproven && loginSuccesses24h !== null && loginSuccesses24h > 0
  return { present: true, established: aged || signedIn, unproven, ageS: Math.max(0, Math.floor((now - cookie.firstSeen) / 1000)) }
}

/** The device key's successful logins in 24 h, or null when the device's read is missing. */
export function deviceLoginSuccesses24h(read: JourneyRead): number | null {
  if (read.status !== 'ok') return null
  return read.counters.device?.counts.login_successes?.['24h'] ?? null
}

/** Devices that sent this cookie's telemetry fingerprint (at issue), when its telemetry is usable. */
export function telemetrySeenDevices(cookie: DeviceCookieState, now: number): number | null {
  if (cookie.kind !== 'valid' || usableTelemetry(cookie, now) === null) return null
  return cookie.telemetrySeenDevices
}
