// Runs calls in parallel against one time budget. Takes call thunks and a budget in ms;
// returns each call's outcome (ok, failed, timeout) when all settle or the budget ends.
// Never rejects, never retries; a late rejection is swallowed, not left unhandled.

export type Settled<T> =
  | { readonly state: 'ok'; readonly value: T }
  | { readonly state: 'failed'; readonly reason: 'error' | 'overloaded' }
  | { readonly state: 'timeout' }

/** Durable Object errors carry `overloaded: true` when the object sheds load. */
export function isOverloaded(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { overloaded?: unknown }).overloaded === true
}

export function settleWithin<T>(calls: ReadonlyArray<() => Promise<T>>, budgetMs: number): Promise<Settled<T>[]> {
  return new Promise((resolve) => {
    const out: Settled<T>[] = calls.map(() => ({ state: 'timeout' }))
    let left = calls.length
    let done = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (): void => {
      if (done) return
      done = true
      if (timer !== undefined) clearTimeout(timer)
      resolve(out.slice())
    }
    if (left === 0) return finish()
    timer = setTimeout(finish, Math.max(0, budgetMs))
    calls.forEach((call, i) => {
      let p: Promise<T>
      try {
        p = Promise.resolve(call())
      } catch (error) {
        p = Promise.reject(error)
      }
      p.then(
        (value) => {
          if (!done) out[i] = { state: 'ok', value }
        },
        (error: unknown) => {
          if (!done) out[i] = { state: 'failed', reason: isOverloaded(error) ? 'overloaded' : 'error' }
        },
      ).finally(() => {
        left -= 1
        if (left === 0) finish()
      })
    })
  })
}
