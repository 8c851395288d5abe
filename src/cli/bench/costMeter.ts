// What a request costs in calls, counted inside the bench workerd: every Durable Object method call
// (each one billed, waited for or in waitUntil) and KV read the Worker makes through the fake
// bindings. Optionally each object call waits a round trip drawn from a latency model, so the
// latency a request's client waits for can be measured. Off, the wrapper is one branch per call.
// Runs inside workerd (nodejs_compat, for AsyncLocalStorage); no I/O.
import { AsyncLocalStorage } from 'node:async_hooks'
import { prng } from '../../model/prng'

/** Round-trip milliseconds for one call to `binding`'s object `name`, or 0. */
export type LatencyModel = (binding: string, name: string) => number

export interface CostMeter {
  on: boolean
  /** "binding kind" (`COUNTERS user`, `PASSWORD_TRIES password`) → calls. */
  calls: Map<string, number>
  /**
   * Of those, calls made while their request was still open — its reads, and its own waitUntil work
   * that started before the answer ended; the rest came later (a held-writes flush). What a client
   * actually waits for is the latency columns.
   */
  inRequest: number
  kvReads: number
  latency: LatencyModel | null
  /** performance.now() when the last request's body was read: its answer's end, as the client sees it. */
  answeredAt: number
}

export const meter: CostMeter = { on: false, calls: new Map(), inRequest: 0, kvReads: 0, latency: null, answeredAt: 0 }

export function resetMeter(latency: LatencyModel | null = null): void {
  meter.on = true
  meter.calls = new Map()
  meter.inRequest = 0
  meter.kvReads = 0
  meter.latency = latency
}

/**
 * The request a call was made for, while its answer is still open. A call's async context is the
 * request that started its chain: a held-writes flush armed by one request and firing during a
 * later one carries the first's scope, already closed — billed, not part of that request.
 */
const requestScope = new AsyncLocalStorage<{ open: boolean }>()

/** Runs one request's handling in its own scope; calls made after `body` settles are not counted as in it. */
export async function asRequest<T>(body: () => Promise<T>): Promise<T> {
  const scope = { open: true }
  try {
    return await requestScope.run(scope, body)
  } finally {
    scope.open = false
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** `stub` with every method counted (and delayed by the latency model) while the meter is on. */
export function metered<S extends object>(binding: string, name: string, stub: S): S {
  return new Proxy(stub, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        if (meter.on) {
          const key = `${binding} ${kindOf(name)}`
          meter.calls.set(key, (meter.calls.get(key) ?? 0) + 1)
          if (requestScope.getStore()?.open === true) meter.inRequest++
          const ms = meter.latency?.(binding, name) ?? 0
          if (ms > 0) await sleep(ms)
        }
        // Reflect.apply, not value.apply: on a real object's RPC stub, `.apply` is a call of a method named apply.
        return Reflect.apply(value as (...a: unknown[]) => unknown, target, args)
      }
    },
  })
}

/** An object name's kind: `["user","…"]` → user. */
function kindOf(name: string): string {
  try {
    const parsed = JSON.parse(name) as unknown
    return Array.isArray(parsed) && typeof parsed[0] === 'string' ? parsed[0] : '?'
  } catch {
    return '?'
  }
}

export interface RoundTrips {
  /** An object near the client's colo (its device, address, prefix, shards): ms range. */
  readonly near: readonly [number, number]
  /** An object that lives where its key was first used — a username's, anywhere in the world. */
  readonly far: readonly [number, number]
}

export const DEFAULT_ROUND_TRIPS: RoundTrips = { near: [2, 5], far: [50, 150] }

/** Near for every object but a username's counters, which are far. */
export function roundTripModel(trips: RoundTrips, seed = 1): LatencyModel {
  const draw = prng(seed)
  const between = ([lo, hi]: readonly [number, number]) => lo + (hi - lo) * draw()
  return (binding, name) => (binding === 'COUNTERS' && name.startsWith('["user"') ? between(trips.far) : between(trips.near))
}
