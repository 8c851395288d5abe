// scoreMetrics: scores and 0/1 labels → ROC AUC and, per target false-positive rate, the lowest
// threshold that keeps to it and the recall there. Pure; for training reports and model cards.

export interface RecallAtFpr {
  readonly fpr: number
  /** Flag when score ≥ threshold. */
  readonly threshold: number
  readonly recall: number
  readonly falsePositives: number
}

export interface ScoreMetrics {
  readonly auc: number
  readonly rows: number
  readonly positives: number
  readonly atFpr: readonly RecallAtFpr[]
}

export function scoreMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, fprs: readonly number[]): ScoreMetrics {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!)
  // AUC = P(score of a positive > score of a negative), ties counting half (Mann–Whitney).
  let positives = 0
  let rankSum = 0
  for (let i = 0; i < n; ) {
    let j = i
    while (j < n && scores[order[j]!] === scores[order[i]!]) j++
    const midRank = (i + j + 1) / 2
    for (let q = i; q < j; q++) {
      if (labels[order[q]!] === 1) {
        positives++
        rankSum += midRank
      }
    }
    i = j
  }
  const negatives = n - positives
  const auc = positives === 0 || negatives === 0 ? Number.NaN : (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)

  const negDesc = order.filter((i) => labels[i] !== 1).map((i) => scores[i]!).reverse()
  const atFpr = fprs.map((fpr) => {
    const allowed = Math.floor(fpr * negatives)
    const bar = allowed < negDesc.length ? negDesc[allowed]! : -Infinity
    // The lowest score strictly above the first negative we may not flag.
    let threshold = Infinity
    for (let i = 0; i < n; i++) if (scores[i]! > bar && scores[i]! < threshold) threshold = scores[i]!
    let tp = 0
    let fp = 0
    for (let i = 0; i < n; i++) {
      if (!(scores[i]! >= threshold)) continue
      if (labels[i] === 1) tp++
      else fp++
    }
    return { fpr, threshold: Number.isFinite(threshold) ? threshold : 1, recall: positives ? tp / positives : 0, falsePositives: fp }
  })
  return { auc, rows: n, positives, atFpr }
}
