// Timing helpers for the model benchmark: an evaluator, rows and a clock → per-call or per-batch
// microsecond samples and their median / p99. Pure apart from the clock; shared by Node and workerd runs.

export type Evaluate = (row: Float32Array) => number

export interface Summary {
  readonly p50: number
  readonly p99: number
  readonly samples: number
}

export function summarise(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!
  return { p50: at(0.5), p99: at(0.99), samples: s.length }
}

/** Sink so the engine cannot drop the calls whose results nobody reads. */
export let sink = 0

/** One timed call per sample, with performance.now() (sub-µs resolution in Node) read inline. */
export function perCall(fn: Evaluate, rows: readonly Float32Array[], warm: number, samples: number): number[] {
  const n = rows.length
  let acc = 0
  for (let i = 0; i < warm; i++) acc += fn(rows[i % n]!)
  const out = new Float64Array(samples)
  for (let i = 0; i < samples; i++) {
    const row = rows[i % n]!
    const t0 = performance.now()
    acc += fn(row)
    out[i] = (performance.now() - t0) * 1000
  }
  sink += acc
  return Array.from(out)
}

/**
 * Mean µs per call over each batch. `tick` yields to the event loop: workerd's clock only moves on
 * I/O, so each batch is bracketed by a tick and measured in whole milliseconds — batches must be long.
 */
export async function batchMeans(fn: Evaluate, rows: readonly Float32Array[], batch: number, batches: number, now: () => number, tick: () => Promise<void>): Promise<number[]> {
  const n = rows.length
  for (let i = 0; i < batch; i++) sink += fn(rows[i % n]!)
  const out: number[] = []
  for (let b = 0; b < batches; b++) {
    await tick()
    const t0 = now()
    for (let i = 0; i < batch; i++) sink += fn(rows[(b * 7 + i) % n]!)
    await tick()
    out.push(((now() - t0) * 1000) / batch)
  }
  return out
}
