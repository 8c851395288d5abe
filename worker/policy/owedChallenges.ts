// Owed challenges: per isolate, the clients (device id, else IP) whose sub-resource was due a
// challenge it could not show (a script, an image, an XHR). Their next navigation carries it.
// Takes keys and the caller's time; no I/O. Per isolate on purpose: it is a courtesy to show the
// challenge where a person can see it, not a control — the sub-resource itself was already
// decided (allowed as a read, blocked otherwise).

/** How long a challenge stays owed: long enough for the person to navigate again. */
export const OWED_TTL_MS = 10 * 60_000
export const OWED_CAPACITY = 10_000

export class OwedChallenges {
  readonly #until = new Map<string, number>()

  owe(key: string, now: number): void {
    // Delete first so a re-owed key moves to the young end; evict the oldest past capacity.
    if (!this.#until.delete(key) && this.#until.size >= OWED_CAPACITY) {
      const oldest = this.#until.keys().next()
      if (!oldest.done) this.#until.delete(oldest.value)
    }
    this.#until.set(key, now + OWED_TTL_MS)
  }

  isOwed(key: string, now: number): boolean {
    const until = this.#until.get(key)
    if (until === undefined) return false
    if (now < until) return true
    this.#until.delete(key)
    return false
  }

  /** A solved challenge pays what was owed. */
  settle(key: string): void {
    this.#until.delete(key)
  }

  get size(): number {
    return this.#until.size
  }
}

/** The one table of this isolate. */
export const owedChallenges = new OwedChallenges()

/** The key a client owes under: its device when it has a valid cookie, else its address. */
export function owedKey(device: string | null, ip: string): string {
  return JSON.stringify(device !== null ? ['device', device] : ['ip', ip])
}
