// A per-isolate memo of a pure function of one string: the least recently used answer goes first
// when full (a Map keeps insertion order). For parsers a zone's traffic repeats — User-Agents, client
// addresses — whose answers callers share and must not mutate.

export interface Memo<V> {
  (key: string): V
  /** Entries held (tests assert it stays within the capacity). */
  readonly size: () => number
}

/** `maxKeyChars`: a longer key is computed and not kept (no client text can make the memo large). */
export function memoize<V>(capacity: number, compute: (key: string) => V, maxKeyChars = 1024): Memo<V> {
  const entries = new Map<string, V>()
  const get = (key: string): V => {
    if (key.length > maxKeyChars) return compute(key)
    if (entries.has(key)) {
      const hit = entries.get(key) as V
      entries.delete(key)
      entries.set(key, hit)
      return hit
    }
    const value = compute(key)
    entries.set(key, value)
    if (entries.size > capacity) entries.delete(entries.keys().next().value as string)
    return value
  }
  return Object.assign(get, { size: () => entries.size })
}
