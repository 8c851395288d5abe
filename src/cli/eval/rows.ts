// Labelled rows for evaluation: takes NDJSON text (decision log lines + label, family, session, as
// `npm run simulate -- --out` or labels-join write them), returns the fields eval scores, or the
// first bad line. Pure.
import { err, ok, type Result } from '../../util/result'

export interface EvalRow {
  readonly risk: number
  readonly label: 0 | 1
  readonly action: string
  readonly family: string
  readonly session: string
  readonly rules: readonly string[]
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function parseEvalRows(text: string): Result<EvalRow[], 'bad_row'> {
  const out: EvalRow[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    let v: unknown
    try {
      v = JSON.parse(line)
    } catch {
      return err('bad_row', `line ${i + 1}: not JSON`)
    }
    if (!isRecord(v)) return err('bad_row', `line ${i + 1}: not an object`)
    if (v.label !== 0 && v.label !== 1) return err('bad_row', `line ${i + 1}: label must be 0 or 1`)
    if (typeof v.risk !== 'number' || !Number.isFinite(v.risk)) return err('bad_row', `line ${i + 1}: risk must be a number`)
    out.push({
      risk: v.risk,
      label: v.label,
      action: typeof v.action === 'string' ? v.action : 'unknown',
      family: typeof v.family === 'string' ? v.family : v.label === 1 ? 'attack' : 'human',
      session: typeof v.session === 'string' ? v.session : typeof v.ip === 'string' ? v.ip : `row-${i + 1}`,
      rules: Array.isArray(v.rules) ? v.rules.filter((r): r is string => typeof r === 'string') : [],
    })
  }
  if (out.length === 0) return err('bad_row', 'no rows')
  return ok(out)
}
