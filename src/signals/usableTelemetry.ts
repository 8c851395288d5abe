// Usable telemetry: takes a device-cookie state and `now`, returns the SDK telemetry the
// pipeline may trust for this request, or null. Pure; the freshness rule lives only here.
import type { DeviceCookieState } from './deviceClaims'
import type { TelemetrySummary } from './telemetrySummary'

/** Telemetry older than this describes another visit, not this request. */
export const TELEMETRY_MAX_AGE_MS = 60 * 60 * 1000

/**
 * Only a valid, unreplayed cookie's telemetry, issued within the last hour, counts:
 * a replayed cookie's telemetry was measured in another client.
 */
export function usableTelemetry(state: DeviceCookieState, now: number): TelemetrySummary | null {
  if (state.kind !== 'valid' || state.replayed || state.telemetry === null) return null
  return now - state.issuedAt <= TELEMETRY_MAX_AGE_MS ? state.telemetry : null
}
