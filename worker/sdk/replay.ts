// Telemetry replay counting: adds a device to its telemetry fingerprint's distinct-device set (one
// journey-counter object per fingerprint) and returns how many devices sent that fingerprint in the
// last hour. Takes bindings, the fingerprint, the device id and the caller's time; never rejects,
// never retries: a late or failing object reads as null (unknown), never as zero.
import type { KeySnapshot } from '../../src/counters/metrics'
import { withDeadline } from '../deadline'

/** Collect is behind the page (the submit report waits ≤ 800 ms), so it can wait longer than a request's read. */
export const REPLAY_BUDGET_MS = 200

interface ObserveStub {
  observe(input: { now: number; bumps: readonly []; distinct: readonly { set: 'devices'; member: string }[]; deny: null }): Promise<KeySnapshot>
}
export interface ReplayEnv {
  readonly COUNTERS: { idFromName(name: string): DurableObjectId; get(id: DurableObjectId): ObserveStub }
}

/** The counters object of one fingerprint: its own namespace of names, never a journey key's. */
export function fingerprintObjectName(fingerprint: string): string {
  return JSON.stringify(['telemetry', fingerprint])
}

export async function countTelemetrySeen(
  env: ReplayEnv,
  fingerprint: string,
  deviceId: string,
  now: number,
  budgetMs = REPLAY_BUDGET_MS,
): Promise<number | null> {
  try {
    const stub = env.COUNTERS.get(env.COUNTERS.idFromName(fingerprintObjectName(fingerprint)))
    const answer = await withDeadline(Promise.resolve(stub.observe({ now, bumps: [], distinct: [{ set: 'devices', member: deviceId }], deny: null })), budgetMs)
    if (!answer.ok) return null
    const seen = answer.value.distinct?.devices?.['1h']
    return typeof seen === 'number' && Number.isFinite(seen) ? Math.round(seen) : null
  } catch {
    return null
  }
}
