// The isolate's ledger of journey keys: each key's last snapshot from its object and the writes
// this isolate holds for it (pending, then sealed into numbered batches until the object confirms
// them). Takes events, snapshots and the caller's time; returns views and the batches to send.
// Must not do I/O: worker/counters/client.ts sends, and confirms what came back.
import type { CounterBatch, CounterOp } from '../../src/counters/batch'
import { appendOps, BATCHES_PER_CALL_MAX, BATCH_MAX_OPS, HELD_OPS_MAX, heldView } from '../../src/counters/batch'
import type { KeyKind } from '../../src/counters/keys'
import type { KeySnapshot, Metric } from '../../src/counters/metrics'
import type { DenyKind } from '../../src/counters/deny'
import { bucketStart, SHORT_SERIES } from '../../src/counters/windows'

/** The deny lookup a key's calls carry (Counters.ts DenyQuery; kept here so this file needs no platform types). */
export interface DenyQuery {
  readonly key: string
  readonly kind: DenyKind
}

/** Held writes are sent at most this often per isolate (one call per key with writes), unless config says otherwise. */
export const FLUSH_EVERY_MS = 2_000
/** A page view is decided on a snapshot at most this old; older, it reads its keys again (one round trip). */
export const SNAPSHOT_MAX_AGE_MS = 60_000
/** A batch the object has not confirmed for this long is given up (the object keeps applied ids longer: a late confirm is still exact). */
export const BATCH_GIVE_UP_MS = 30 * 60_000
/** Keys per isolate: a review's one-off probe read 41.8 MB at 20,000 keys of an isolate's 128 MB (no bench measures it). */
export const LEDGER_CAPACITY = 5_000
/**
 * Riders (an asset's count, a listed source's) older than this are dropped when no call of their key
 * carried them: what reads them is `requests_1m` and the address's devices in 10 minutes or the hour,
 * and a device's page views add it there on their own.
 */
export const RIDER_MAX_AGE_MS = 10 * 60_000

export interface LedgerKey {
  readonly kind: KeyKind
  readonly name: string
  readonly deny: DenyQuery | null
  snap: KeySnapshot | null
  snapAt: number
  /** The ledger sequence of the call whose answer `snap` is: an older answer landing later does not replace it. */
  snapSeq: number
  pending: CounterOp[]
  /**
   * Writes that never make a call of their own (an asset's, a listed source's): sent with the key's next
   * call — a page view's flush, a sign-in's read — and counted in this isolate's view meanwhile.
   */
  riders: CounterOp[]
  /** When the KV deny mirror was last asked for this key (an asset of a key with no fresh snapshot). */
  mirrorAt: number
  sealed: { readonly batch: CounterBatch; readonly at: number }[]
}

export class JourneyLedger {
  readonly #keys = new Map<string, LedgerKey>()
  /** Keys holding writes (pending or unconfirmed): a flush looks at these, not at every key. */
  readonly #holding = new Set<LedgerKey>()
  #isolate: string | null = null
  #batchSeq = 0
  #callSeq = 0
  #lastFlushAt = Number.NEGATIVE_INFINITY
  #flushArmed = false
  /** Batches given up after BATCH_GIVE_UP_MS (their object never confirmed them): admin stats, and a test's proof that none were. */
  dropped = 0

  /** The key's entry, made on first use; null when the ledger is full of keys still holding writes (the caller reads inline). */
  key(kind: KeyKind, name: string, deny: DenyQuery | null): LedgerKey | null {
    const found = this.#keys.get(name)
    if (found !== undefined) {
      this.#keys.delete(name) // most recently used last
      this.#keys.set(name, found)
      return found
    }
    if (this.#keys.size >= LEDGER_CAPACITY && !this.#evictIdle()) return null
    const entry: LedgerKey = { kind, name, deny, snap: null, snapAt: Number.NEGATIVE_INFINITY, snapSeq: 0, pending: [], riders: [], mirrorAt: Number.NEGATIVE_INFINITY, sealed: [] }
    this.#keys.set(name, entry)
    return entry
  }

  /** Drops the least recently used key that holds no writes but riders (looking at the oldest 64): riders are not worth a call. */
  #evictIdle(): boolean {
    let looked = 0
    for (const [name, k] of this.#keys) {
      if (k.pending.length === 0 && k.sealed.length === 0) {
        this.#keys.delete(name)
        return true
      }
      if (++looked >= 64) break
    }
    return false
  }

  /** Forgets a key: its snapshot and the writes held for it (an unblock: the source is judged afresh). */
  drop(name: string): void {
    const k = this.#keys.get(name)
    if (k !== undefined) this.#holding.delete(k)
    this.#keys.delete(name)
  }

  hold(k: LedgerKey, ops: readonly CounterOp[]): void {
    appendOps(k.pending, ops)
    if (this.#keys.get(k.name) === k) this.#holding.add(k)
  }

  /** Holds `ops` as riders: counted in the view now, sent only with the key's next call (no flush is armed for them). */
  ride(k: LedgerKey, ops: readonly CounterOp[], now: number): void {
    dropOldRiders(k, now)
    appendOps(k.riders, ops)
  }

  /** Whether the key holds HELD_OPS_MAX writes or more: its requests read inline, each carrying a batch, until it drains. */
  overfull(k: LedgerKey): boolean {
    let n = k.pending.length + k.riders.length
    for (const s of k.sealed) n += s.batch.ops.length
    return n >= HELD_OPS_MAX
  }

  /** The key as this isolate sees it: snapshot + held writes. */
  view(k: LedgerKey, now: number): KeySnapshot {
    return heldView(k.snap, this.#held(k), now)
  }

  *#held(k: LedgerKey): Iterable<CounterOp> {
    for (const s of k.sealed) yield* s.batch.ops
    yield* k.pending
    yield* k.riders
  }

  /**
   * Whether an asset of this key asks the KV deny mirror (and notes that it did): it has no snapshot
   * young enough to hold the object's deny answer, and the mirror was not asked within SNAPSHOT_MAX_AGE_MS.
   */
  mirrorDue(k: LedgerKey, now: number): boolean {
    if (k.deny === null || this.fresh(k, now) !== null || now - k.mirrorAt < SNAPSHOT_MAX_AGE_MS) return false
    k.mirrorAt = now
    return true
  }

  /** A snapshot young enough to decide a page view on (`maxAgeMs`), or null. */
  fresh(k: LedgerKey, now: number, maxAgeMs = SNAPSHOT_MAX_AGE_MS): KeySnapshot | null {
    return k.snap !== null && now - k.snapAt <= maxAgeMs && now >= k.snapAt ? k.snap : null
  }

  /**
   * Seals the key's pending writes into batches and returns the unconfirmed ones (oldest first, at
   * most `maxBatches`) with the call's sequence: what a call to its object carries. A request's own
   * read carries few (READ_BATCHES_MAX), so the time the object takes to apply them stays in its budget.
   */
  seal(k: LedgerKey, now: number, maxBatches = BATCHES_PER_CALL_MAX): { readonly batches: CounterBatch[]; readonly seq: number } {
    k.sealed = k.sealed.filter((s) => {
      const keep = now - s.at < BATCH_GIVE_UP_MS
      if (!keep) this.dropped++
      return keep
    })
    // Riders go with any call of their key: this is the one that carries them.
    dropOldRiders(k, now)
    if (k.riders.length > 0) {
      appendOps(k.pending, k.riders)
      k.riders = []
    }
    while (k.pending.length > 0) {
      this.#isolate ??= crypto.randomUUID() // not at global scope: random values are refused there
      const ops = k.pending.splice(0, BATCH_MAX_OPS)
      k.sealed.push({ batch: { id: `${this.#isolate}:${++this.#batchSeq}`, ops }, at: now })
    }
    if (k.sealed.length === 0) this.#holding.delete(k)
    return { batches: k.sealed.slice(0, Math.min(maxBatches, BATCHES_PER_CALL_MAX)).map((s) => s.batch), seq: ++this.#callSeq }
  }

  /** The object answered a call that carried `batches`: they are applied, and its snapshot is the key's newest unless a later call's already landed. */
  confirm(k: LedgerKey, batches: readonly CounterBatch[], seq: number, snap: KeySnapshot, now: number): void {
    const ids = new Set(batches.map((b) => b.id))
    k.sealed = k.sealed.filter((s) => !ids.has(s.batch.id))
    if (k.sealed.length === 0 && k.pending.length === 0) this.#holding.delete(k)
    if (seq > k.snapSeq) {
      k.snap = snap
      k.snapAt = now
      k.snapSeq = seq
    }
  }

  /**
   * An outcome sent straight to the key's object (not held): counted into this isolate's snapshot of
   * the key at once, so its own next page view sees it; the object's next answer replaces the snapshot.
   */
  noteSent(name: string, metric: Metric, now: number): void {
    const k = this.#keys.get(name)
    if (k?.snap == null) return
    const w = k.snap.counts[metric]
    const counts = { ...k.snap.counts, [metric]: { '1m': w['1m'] + 1, '10m': w['10m'] + 1, '1h': w['1h'] + 1, '24h': w['24h'] + 1 } }
    // …and into the buckets the view re-sums as the snapshot ages (heldView), at the object's grain.
    const recent = k.snap.recent === undefined ? {} : { recent: { ...k.snap.recent, [metric]: [...(k.snap.recent[metric] ?? []), ...outcomeBuckets(now)] } }
    k.snap = { ...k.snap, counts, ...recent }
  }

  /** Keys holding writes (pending or unconfirmed). */
  holding(): LedgerKey[] {
    return [...this.#holding]
  }

  /**
   * Arms the isolate's next flush: returns the delay to wait before sending (0: now), or null when
   * one is already armed. The caller sends in waitUntil after the delay, then calls `flushed`.
   */
  arm(now: number, everyMs = FLUSH_EVERY_MS): number | null {
    if (this.#flushArmed) return null
    this.#flushArmed = true
    // The first flush waits its interval too: an isolate's first seconds are batched like the rest.
    if (this.#lastFlushAt === Number.NEGATIVE_INFINITY) return everyMs
    // Never longer than the interval, whatever the clock did since the last flush (a clock set back).
    return Math.min(everyMs, Math.max(0, this.#lastFlushAt + everyMs - now))
  }

  /** The armed flush is being sent at `now`: a write held from here on arms the next one. */
  flushing(now: number): void {
    this.#flushArmed = false
    this.#lastFlushAt = now
  }

  get size(): number {
    return this.#keys.size
  }
}

/** Riders are bumps and set adds, each with its time: those older than RIDER_MAX_AGE_MS go. */
function dropOldRiders(k: LedgerKey, now: number): void {
  const floor = now - RIDER_MAX_AGE_MS
  const young = (op: CounterOp) => !('at' in op) || op.at >= floor
  if (!k.riders.every(young)) k.riders = k.riders.filter(young)
}

/** One event at `now` in the short series (the 1 min and 10 min windows'), as a KeySnapshot.recent triple. */
function outcomeBuckets(now: number): number[] {
  return [SHORT_SERIES, bucketStart(now, SHORT_SERIES), 1]
}
