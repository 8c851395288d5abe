// A bounded, time-limited memo of range answers: takes a key (the range URL, which carries only the
// 5-hex prefix), a value and `now`; keeps at most `maxEntries`, the oldest written dropped first.
// Holds resolved values only — never a pending promise, which would tie one request's I/O to
// another's in a Worker. No clock of its own.

export class RangeMemo<T> {
  readonly #entries = new Map<string, { readonly value: T; readonly expires: number }>()
  readonly #maxEntries: number
  readonly #ttlMs: number

  constructor(maxEntries: number, ttlMs: number) {
    if (!(maxEntries >= 1) || !(ttlMs >= 0)) throw new TypeError('RangeMemo needs maxEntries >= 1 and ttlMs >= 0')
    this.#maxEntries = maxEntries
    this.#ttlMs = ttlMs
  }

  get(key: string, now: number): T | undefined {
    const hit = this.#entries.get(key)
    if (hit === undefined) return undefined
    if (hit.expires <= now) {
      this.#entries.delete(key)
      return undefined
    }
    return hit.value
  }

  set(key: string, value: T, now: number): void {
    this.#entries.delete(key)
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    this.#entries.set(key, { value, expires: now + this.#ttlMs })
  }

  get size(): number {
    return this.#entries.size
  }

  clear(): void {
    this.#entries.clear()
  }
}
