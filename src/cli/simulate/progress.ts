// The progress bar on stderr: sessions done of planned, requests sent, mitigated, errors, elapsed.
// Redraws in place on a terminal; prints a plain line every 10 s otherwise (CI logs stay short).
import type { Truth } from './truth'

export interface Progress {
  tick(): void
  done(): void
}

const WIDTH = 28

export function progressBar(truth: Truth, planned: number, startedAt: number, deadline: number): Progress {
  const tty = process.stderr.isTTY === true
  let lastPlain = 0
  const line = (): string => {
    const t = truth.totals
    const share = planned === 0 ? 1 : t.sessionsDone / planned
    const filled = Math.round(share * WIDTH)
    const elapsed = Math.round((Date.now() - startedAt) / 1000)
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000))
    return `simulate [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${t.sessionsDone}/${planned} sessions · ${t.requests} requests · ${t.mitigated} mitigated · ${t.errors} errors · ${elapsed}s (≤ ${left}s left)`
  }
  return {
    tick() {
      if (tty) process.stderr.write(`\r${line()}\x1b[K`)
      else if (Date.now() - lastPlain >= 10_000) {
        lastPlain = Date.now()
        process.stderr.write(`${line()}\n`)
      }
    },
    done() {
      process.stderr.write(tty ? `\r${line()}\x1b[K\n` : `${line()}\n`)
    },
  }
}
