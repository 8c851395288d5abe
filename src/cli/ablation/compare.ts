// Ablation arithmetic: takes the baseline's gain per feature and each arm's held-out figures;
// returns which arms to train (each feature family, then the top single features by gain), the
// comparison table and the arms flagged as a collapse. Pure.

export interface TrainFigures {
  readonly auc: number
  /** Recall of attack rows at a 0.1 % false-positive rate on the held-out sessions. */
  readonly recallAt0001: number
  /** XGBoost total gain per feature name (features never split on are absent). */
  readonly gain: Readonly<Record<string, number>>
}

export interface Arm {
  readonly name: string
  readonly kind: 'family' | 'feature'
  readonly blank: readonly string[]
}

export interface ArmResult extends Arm {
  readonly figures: TrainFigures
}

/**
 * A collapse: without the arm's inputs the model loses more than this much recall at FPR 0.1 %
 * (absolute) or AUC. One family carrying a model is expected (journey counters do); one single
 * feature doing it is the warning sign.
 */
export const COLLAPSE_RECALL_DROP = 0.2
export const COLLAPSE_AUC_DROP = 0.05

export function gainShares(gain: Readonly<Record<string, number>>): Record<string, number> {
  const total = Object.values(gain).reduce((s, g) => s + g, 0)
  const out: Record<string, number> = {}
  if (total <= 0) return out
  for (const [name, g] of Object.entries(gain).sort((x, y) => y[1] - x[1])) out[name] = g / total
  return out
}

export function ablationArms(gain: Readonly<Record<string, number>>, families: Readonly<Record<string, readonly string[]>>, topFeatures: number): Arm[] {
  const arms: Arm[] = Object.entries(families).map(([name, blank]) => ({ name: `family:${name}`, kind: 'family', blank }))
  for (const name of Object.keys(gainShares(gain)).slice(0, Math.max(0, topFeatures))) arms.push({ name, kind: 'feature', blank: [name] })
  return arms
}

export interface AblationRow {
  readonly arm: string
  readonly kind: 'family' | 'feature'
  readonly auc: number
  readonly recall_at_fpr_0001: number
  readonly auc_drop: number
  readonly recall_drop: number
  readonly collapse: boolean
}

export function ablationTable(baseline: TrainFigures, results: readonly ArmResult[]): { rows: AblationRow[]; flagged: string[]; gainShare: Record<string, number>; markdown: string } {
  const rows = results.map((r): AblationRow => {
    const aucDrop = baseline.auc - r.figures.auc
    const recallDrop = baseline.recallAt0001 - r.figures.recallAt0001
    return {
      arm: r.name, kind: r.kind, auc: r.figures.auc, recall_at_fpr_0001: r.figures.recallAt0001,
      auc_drop: aucDrop, recall_drop: recallDrop, collapse: recallDrop > COLLAPSE_RECALL_DROP || aucDrop > COLLAPSE_AUC_DROP,
    }
  })
  const gainShare = gainShares(baseline.gain)
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`
  const markdown = [
    `Baseline: AUC ${baseline.auc.toFixed(4)}, recall at FPR 0.1 % ${pct(baseline.recallAt0001)} (whole sessions held out).`,
    '',
    'Gain share of the top features:',
    '',
    '| feature | share of total gain |',
    '| --- | ---: |',
    ...Object.entries(gainShare).slice(0, 10).map(([n, s]) => `| \`${n}\` | ${pct(s)} |`),
    '',
    `Retrained without each arm (collapse: recall drop > ${pct(COLLAPSE_RECALL_DROP)} or AUC drop > ${COLLAPSE_AUC_DROP}):`,
    '',
    '| without | AUC | recall at FPR 0.1 % | recall lost | collapse |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.kind === 'family' ? r.arm : `\`${r.arm}\``} | ${r.auc.toFixed(4)} | ${pct(r.recall_at_fpr_0001)} | ${pct(r.recall_drop)} | ${r.collapse ? '**yes**' : 'no'} |`),
  ].join('\n')
  return { rows, flagged: rows.filter((r) => r.collapse).map((r) => r.arm), gainShare, markdown }
}
