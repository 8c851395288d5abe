// parseLabelledRows: NDJSON text (one {features: {name: number|null}, label: 0|1, family?} per line)
// + the feature list → a dense float32 matrix (NaN = missing), labels and families; or the first bad line.

import { err, ok, type Result } from '../util/result'

export interface Dataset {
  readonly rows: number
  readonly features: readonly string[]
  /** Row-major, rows × features, NaN where a feature is null or absent. */
  readonly x: Float32Array
  readonly y: Uint8Array
  readonly family: readonly string[]
  /** Each row's session (with its run), so a split never puts one session's rows on both sides. */
  readonly session: readonly string[]
  /** Each row's run (the simulator output it came from: one seed), for a split by seed. */
  readonly run: readonly string[]
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function parseLabelledRows(text: string, features: readonly string[]): Result<Dataset, 'bad_row'> {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  const index = new Map(features.map((f, i) => [f, i]))
  const width = features.length
  const x = new Float32Array(lines.length * width).fill(Number.NaN)
  const y = new Uint8Array(lines.length)
  const family: string[] = []
  const session: string[] = []
  const run: string[] = []
  for (let r = 0; r < lines.length; r++) {
    const where = `line ${r + 1}`
    let row: unknown
    try {
      row = JSON.parse(lines[r]!)
    } catch {
      return err('bad_row', `${where}: not JSON`)
    }
    if (!isRecord(row) || !isRecord(row.features)) return err('bad_row', `${where}: expected {"features": {...}, "label": 0|1}`)
    if (row.label !== 0 && row.label !== 1) return err('bad_row', `${where}: label must be 0 or 1`)
    y[r] = row.label
    family.push(typeof row.family === 'string' ? row.family : row.label === 1 ? 'unlabelled_bad' : 'unlabelled_good')
    // Rows without a session (hand-made, synthetic) are each their own session.
    const rowRun = typeof row.run === 'string' ? row.run : ''
    run.push(rowRun)
    session.push(typeof row.session === 'string' ? JSON.stringify([rowRun, row.session]) : JSON.stringify(['row', r]))
    for (const [name, value] of Object.entries(row.features)) {
      const i = index.get(name)
      if (i === undefined) return err('bad_row', `${where}: unknown feature ${name}`)
      if (value === null) continue
      if (typeof value !== 'number' || !Number.isFinite(value)) return err('bad_row', `${where}: ${name} must be a finite number or null`)
      x[r * width + i] = value
    }
  }
  if (lines.length === 0) return err('bad_row', 'no rows')
  return ok({ rows: lines.length, features, x, y, family, session, run })
}
