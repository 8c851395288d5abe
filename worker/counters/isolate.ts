// Per-isolate state of the counters client: a cache of deny hits (so a denied source
// costs no call), the zone aggregate waiting to be flushed, short-lived ASN snapshots and
// recent deadline misses of username keys. Takes hits, events and
// the caller's time; returns cached hits and due batches. Must not do I/O.
import { isLive, type DenyHit } from '../../src/counters/deny'
import { ZONE_SHARDS } from '../../src/counters/keys'
import type { KeySnapshot } from '../../src/counters/metrics'
import { PendingConsole } from '../../src/console/batch'
import { JourneyLedger } from './ledger'
import { deltaEvents, emptyDelta, flushDue, type ZoneDelta, type ZoneFigures, type ZoneMetric } from '../../src/counters/zone'

/**
 * A Map with a cap, least recently set first out: `set` moves a key to the back (a Map keeps
 * insertion order) and, when full, drops the front. The one eviction rule of this file's caches.
 */
class BoundedMap<V> {
  readonly #map = new Map<string, V>()
  readonly #capacity: number
  constructor(capacity: number) {
    this.#capacity = capacity
  }

  get(key: string): V | undefined {
    return this.#map.get(key)
  }

  set(key: string, value: V): void {
    if (!this.#map.delete(key) && this.#map.size >= this.#capacity) {
      const oldest = this.#map.keys().next()
      if (!oldest.done) this.#map.delete(oldest.value)
    }
    this.#map.set(key, value)
  }

  delete(key: string): void {
    this.#map.delete(key)
  }

  get size(): number {
    return this.#map.size
  }
}

/** A cached hit answers alone for this long, then the object is asked again (an admin may have lifted it). */
export const DENY_VERIFY_MS = 30_000
export const DENY_CACHE_CAPACITY = 10_000

/**
 * Deny hits by key, least recently used first out: a source that keeps coming back stays cached
 * while a stream of one-off denied sources cycles through the rest (a Map keeps insertion order,
 * so a hit is moved to the end).
 */
export class DenyCache {
  readonly #entries = new BoundedMap<{ hit: DenyHit; verifyAfter: number }>(DENY_CACHE_CAPACITY)

  put(key: string, hit: DenyHit, now: number): void {
    this.#entries.set(key, { hit, verifyAfter: Math.min(now + DENY_VERIFY_MS, hit.expiresAt) })
  }

  clear(key: string): void {
    this.#entries.delete(key)
  }

  /** The live cached hit for `key`; `due` once it should be re-checked with its object. */
  get(key: string, now: number): { readonly hit: DenyHit; readonly due: boolean } | null {
    const e = this.#entries.get(key)
    if (e === undefined) return null
    if (!isLive(e.hit.expiresAt, now)) {
      this.#entries.delete(key)
      return null
    }
    this.#entries.set(key, e) // a hit is a use: it moves to the back
    return { hit: e.hit, due: now >= e.verifyAfter }
  }

  get size(): number {
    return this.#entries.size
  }
}

export class ZoneAggregate {
  #pending: ZoneDelta = emptyDelta()
  #lastFlushAt = Number.NEGATIVE_INFINITY
  #inflight = false
  #figures: ZoneFigures | null = null
  #shard: number | null = null

  note(metric: ZoneMetric, n = 1): void {
    this.#pending[metric] += n
  }

  /** True when a flush should be sent now (see ZONE_POLICY). */
  due(now: number): boolean {
    return flushDue({ pendingEvents: deltaEvents(this.#pending), lastFlushAt: this.#lastFlushAt, inflight: this.#inflight }, now)
  }

  /** The batch to send now, or null when a flush is not due. */
  take(now: number): ZoneDelta | null {
    if (!this.due(now)) return null
    const batch = this.#pending
    this.#pending = emptyDelta()
    this.#inflight = true
    this.#lastFlushAt = now
    return batch
  }

  /** Ends a flush: keeps the figures it brought back (a failed flush's batch is dropped). */
  settle(figures: ZoneFigures | null): void {
    this.#inflight = false
    if (figures !== null) this.#figures = figures
  }

  get figures(): ZoneFigures | null {
    return this.#figures
  }

  get pendingEvents(): number {
    return deltaEvents(this.#pending)
  }

  /** This isolate's shard, chosen at random on first use (random values are not allowed at global scope). */
  get shard(): number {
    this.#shard ??= Math.floor(Math.random() * ZONE_SHARDS)
    return this.#shard
  }
}

/**
 * ASN keys are shared by every client of a network, so each isolate reads one at most once per
 * ASN_REUSE_MS and reuses the snapshot: the object sees isolates × 1/ASN_REUSE_MS reads, not the
 * network's request rate. Mint counts move slowly; a few seconds of staleness does not matter.
 */
export const ASN_REUSE_MS = 5_000
export const ASN_CACHE_CAPACITY = 1_000

export class SnapshotCache {
  readonly #entries = new BoundedMap<{ snap: KeySnapshot; at: number }>(ASN_CACHE_CAPACITY)

  put(key: string, snap: KeySnapshot, now: number): void {
    this.#entries.set(key, { snap, at: now })
  }

  /** A snapshot read less than ASN_REUSE_MS before `now`, or null. */
  get(key: string, now: number): KeySnapshot | null {
    const e = this.#entries.get(key)
    if (e === undefined) return null
    if (now < e.at || now - e.at >= ASN_REUSE_MS) {
      this.#entries.delete(key)
      return null
    }
    return e.snap
  }
}

/** A username key is "slow" after this many missed deadlines within SLOW_KEY_WINDOW_MS (this isolate). */
export const SLOW_KEY_MISSES = 2
export const SLOW_KEY_WINDOW_MS = 10 * 60_000
export const SLOW_KEY_CAPACITY = 10_000

/**
 * Recent deadline misses of username keys. The attacker chooses the username, so a key that is
 * late again and again (a hot or flooded object) must read as a signal (`user_key_slow`), not
 * quietly blank the per-user counters every time.
 */
export class SlowKeys {
  readonly #misses = new BoundedMap<number[]>(SLOW_KEY_CAPACITY)

  /** Notes this read (`missed` or not) and returns whether the key is slow now. */
  note(key: string, missed: boolean, now: number): boolean {
    const kept = (this.#misses.get(key) ?? []).filter((t) => t <= now && now - t < SLOW_KEY_WINDOW_MS)
    if (missed) kept.push(now)
    if (kept.length === 0) {
      this.#misses.delete(key)
      return false
    }
    this.#misses.set(key, kept.slice(-SLOW_KEY_MISSES * 4))
    return kept.length >= SLOW_KEY_MISSES
  }
}

export class IsolateCaches {
  readonly deny = new DenyCache()
  readonly zone = new ZoneAggregate()
  readonly asn = new SnapshotCache()
  readonly slowUsers = new SlowKeys()
  /** The console's per-minute counts and sample lines, riding on the zone flush (src/console/batch.ts). */
  readonly console = new PendingConsole()
  /** Journey keys' last snapshots and the writes held for them (worker/counters/ledger.ts). */
  readonly ledger = new JourneyLedger()
}

/** The isolate's own caches; tests pass fresh ones through the client's options. */
export const isolateCaches = new IsolateCaches()
