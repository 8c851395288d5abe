// withDeadline: races a promise against a budget; returns a tagged result, never
// rejects. The loser keeps running but its rejection is swallowed (no unhandled
// rejections on the hot path). No retries here by design.

export type Deadlined<T> = { ok: true; value: T } | { ok: false; reason: 'timeout' | 'error'; error?: unknown }

export function withDeadline<T>(work: Promise<T>, budgetMs: number): Promise<Deadlined<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, reason: 'timeout' }), budgetMs)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve({ ok: true, value })
      },
      (error: unknown) => {
        clearTimeout(timer)
        resolve({ ok: false, reason: 'error', error })
      },
    )
  })
}
