// Outcome markers: how an origin that does not say "failed" with its status says it anyway — a
// response header, or text near the start of the body. Takes the configured markers and the
// answer's headers / first bytes; returns whether the failure marker is there. Pure; no I/O.
import type { RouteClass } from '../config/routeClasses'
import type { Config, OutcomeMarker } from '../config/schema'

export type OutcomeMarkers = Config['outcomes']

/** The configured marker of a route class, or null when it has none (status codes only). */
export function markerFor(markers: OutcomeMarkers, routeClass: RouteClass): OutcomeMarker | null {
  const marker = routeClass === 'login' || routeClass === 'signup' || routeClass === 'checkout' ? markers[routeClass] : undefined
  if (marker === undefined || (marker.failure_header === undefined && marker.failure_body === undefined)) return null
  return marker
}

/** The header marker: the header is present (no value configured) or contains the value, case-insensitively. */
export function headerMarkerSeen(marker: OutcomeMarker, headers: { get(name: string): string | null }): boolean {
  const want = marker.failure_header
  if (want === undefined) return false
  const got = headers.get(want.name)
  if (got === null) return false
  return want.value === undefined || got.toLowerCase().includes(want.value.toLowerCase())
}

const decoder = new TextDecoder()

/** The body marker: its text within `head` (the body's first bytes, read up to the configured cap). */
export function bodyMarkerSeen(marker: OutcomeMarker, head: Uint8Array): boolean {
  return marker.failure_body !== undefined && decoder.decode(head).includes(marker.failure_body)
}
