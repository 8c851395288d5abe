// The workerd side of the model benchmark: POST rows (JSON, null = missing) → batch-mean µs per call
// for the shipped and stress models, fast and naive. Bundled by bench/model.ts and run under Miniflare.

import shipped from '../../../models/default/model.json'
import { benchSubjects } from './model-subjects'
import { batchMeans, summarise } from './model-timing'

interface Job {
  readonly rows: ReadonlyArray<ReadonlyArray<number | null>>
  readonly stressRows: ReadonlyArray<ReadonlyArray<number | null>>
  readonly batches: number
  readonly targetMs: number
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0))
const now = () => performance.now()
const toRows = (rows: Job['rows']) => rows.map((r) => Float32Array.from(r, (v) => (v === null ? Number.NaN : v)))

export default {
  async fetch(request: Request): Promise<Response> {
    const job = (await request.json()) as Job
    const figures: Record<string, { p50: number; p99: number; batch: number }> = {}
    for (const s of benchSubjects(shipped)) {
      const rows = toRows(s.name === 'model' ? job.rows : job.stressRows)
      if (s.name === 'ref') continue
      for (const [kind, fn] of [['fast', s.fast], ['naive', s.naive]] as const) {
        // Size batches so each lasts about targetMs: the clock here moves in whole milliseconds.
        const probe = await batchMeans(fn, rows, 2000, 3, now, tick)
        const perCall = Math.max(0.05, Math.min(...probe))
        const batch = Math.ceil((job.targetMs * 1000) / perCall)
        const means = await batchMeans(fn, rows, batch, job.batches, now, tick)
        const sum = summarise(means)
        figures[`${s.name}_${kind}`] = { p50: sum.p50, p99: sum.p99, batch }
      }
    }
    return Response.json(figures)
  },
}
