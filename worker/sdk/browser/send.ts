// Telemetry sender: takes a telemetry object and a wait limit, POSTs it to the collect endpoint
// (same-origin, JSON) and resolves when answered or when the wait ends. Never rejects.
import type { Telemetry } from '../../../src/signals/telemetry'

export const COLLECT_URL = '/__edgeward/collect'

/**
 * The request is not aborted when the wait ends: with `keepalive` it may still land (and set
 * the cookie) after a navigation; the caller just stops waiting for it.
 */
export function send(telemetry: Telemetry, waitMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs)
    const done = (): void => {
      clearTimeout(timer)
      resolve()
    }
    try {
      fetch(COLLECT_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(telemetry),
        credentials: 'same-origin',
        cache: 'no-store',
        keepalive: true,
      } as RequestInit).then(done, done)
    } catch {
      done()
    }
  })
}
