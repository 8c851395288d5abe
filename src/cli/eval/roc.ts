// ROC and recall: takes scores and 0/1 labels, returns the ROC curve (one point per distinct
// threshold), AUC and recall at target false-positive rates (src/model/metrics.ts does the
// counting), and per-family recall at a threshold, by request and by session. Pure.
import { scoreMetrics, type RecallAtFpr } from '../../model/metrics'
import type { EvalRow } from './rows'

export interface RocPoint {
  /** Flag when score ≥ threshold. */
  readonly threshold: number
  readonly fpr: number
  readonly tpr: number
}

/** Points from (0,0) to (1,1), one per distinct score taken as the threshold, highest first. */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocPoint[] {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!)
  let positives = 0
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++
  const negatives = n - positives
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }]
  let tp = 0
  let fp = 0
  for (let i = 0; i < n; ) {
    const t = scores[order[i]!]!
    while (i < n && scores[order[i]!] === t) {
      if (labels[order[i]!] === 1) tp++
      else fp++
      i++
    }
    points.push({ threshold: t, fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0 })
  }
  return points
}

export interface RocSummary {
  readonly rows: number
  readonly positives: number
  readonly negatives: number
  readonly auc: number
  readonly atFpr: readonly RecallAtFpr[]
  readonly curve: readonly RocPoint[]
}

export function rocSummary(rows: readonly EvalRow[], fprs: readonly number[]): RocSummary {
  const scores = Float64Array.from(rows, (r) => r.risk)
  const labels = Uint8Array.from(rows, (r) => r.label)
  const m = scoreMetrics(scores, labels, fprs)
  return { rows: m.rows, positives: m.positives, negatives: m.rows - m.positives, auc: m.auc, atFpr: m.atFpr, curve: rocCurve(scores, labels) }
}

export interface FamilyRecall {
  readonly family: string
  readonly label: 0 | 1
  readonly requests: number
  /** Requests with risk ≥ threshold ÷ requests (for people: their false-positive rate). */
  readonly request_rate: number
  readonly sessions: number
  /** Sessions with any request at or above the threshold ÷ sessions. */
  readonly session_rate: number
}

export function familyRecall(rows: readonly EvalRow[], threshold: number): FamilyRecall[] {
  const by = new Map<string, { label: 0 | 1; n: number; hit: number; sessions: Map<string, boolean> }>()
  for (const r of rows) {
    let f = by.get(r.family)
    if (f === undefined) by.set(r.family, (f = { label: r.label, n: 0, hit: 0, sessions: new Map() }))
    const flagged = r.risk >= threshold
    f.n++
    if (flagged) f.hit++
    f.sessions.set(r.session, (f.sessions.get(r.session) ?? false) || flagged)
  }
  return [...by].map(([family, f]) => ({
    family,
    label: f.label,
    requests: f.n,
    request_rate: f.hit / f.n,
    sessions: f.sessions.size,
    session_rate: [...f.sessions.values()].filter(Boolean).length / f.sessions.size,
  })).sort((a, b) => a.label - b.label || a.family.localeCompare(b.family))
}
