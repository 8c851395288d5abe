// Owed challenges: per isolate, the devices (never an address) whose sub-resource was due a
// challenge it could not show (a script, an image, an XHR). Their next navigation carries it.
// Takes keys and the caller's time; no I/O. Per isolate on purpose: it is a courtesy to show the
// challenge where a person can see it, not a control — the sub-resource itself was already
// decided (allowed as a read, blocked otherwise).

/** How long a challenge stays owed: long enough for the person to navigate again. */
export const OWED_TTL_MS = 10 * 60_000
export const OWED_CAPACITY = 10_000

export class OwedChallenges {
  readonly #until = new Map<string, number>()

  owe(key: string | null, now: number): void {
    if (key === null) return
    // Delete first so a re-owed key moves to the young end; evict the oldest past capacity.
    if (!this.#until.delete(key) && this.#until.size >= OWED_CAPACITY) {
      const oldest = this.#until.keys().next()
      if (!oldest.done) this.#until.delete(oldest.value)
    }
    this.#until.set(key, now + OWED_TTL_MS)
  }

  isOwed(key: string | null, now: number): boolean {
    if (key === null) return false
    const until = this.#until.get(key)
    if (until === undefined) return false
    if (now < until) return true
    this.#until.delete(key)
    return false
  }

  /** A solved challenge pays what was owed. */
  settle(key: string | null): void {
    if (key !== null) this.#until.delete(key)
  }

  get size(): number {
    return this.#until.size
  }
}

/** The one table of this isolate. */
export const owedChallenges = new OwedChallenges()

/**
 * The key a client owes under: its device (a valid cookie — a browser whose JavaScript ran, so it can
 * solve the challenge it is shown), or null: a challenge is never owed by an address, which would
 * charge everyone behind it (an office, carrier NAT) and lock out a browser without JavaScript.
 */
export function owedKey(device: string | null): string | null {
  return device === null ? null : JSON.stringify(['device', device])
}
