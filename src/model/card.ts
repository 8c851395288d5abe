// renderModelCard: what training knows about a model (file, data, metrics, parity, command) → the
// MODEL_CARD.md text that sits beside model.json. Pure; says plainly when the data is synthetic.

import type { ModelFile } from './format'
import type { ScoreMetrics } from './metrics'
import { wilson } from '../util/wilson'

export interface CardData {
  readonly description: string
  readonly synthetic: boolean
  readonly trainRows: number
  readonly testRows: number
  /** How the test rows were held out: whole sessions or whole runs (seeds), never single rows. */
  readonly split?: { readonly by: 'session' | 'run'; readonly testGroups: number; readonly groups: number }
  readonly families: Readonly<Record<string, { readonly rows: number; readonly label: number }>>
}

export interface CardInput {
  readonly file: ModelFile
  readonly metrics: ScoreMetrics
  readonly data: CardData
  readonly params: Readonly<Record<string, string | number>>
  readonly gain: Readonly<Record<string, number>>
  readonly parityMaxDiff: number
  readonly command: string
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`

export function renderModelCard(c: CardInput): string {
  const f = c.file
  const trees = f.trees
  const gainTotal = Object.values(c.gain).reduce((a, b) => a + b, 0) || 1
  const top = Object.entries(c.gain).sort((a, b) => b[1] - a[1]).slice(0, 15)
  const famRows = Object.entries(c.data.families).sort((a, b) => b[1].rows - a[1].rows)
  const lines = [
    `# Model card — \`${f.model_version}\``,
    '',
    c.data.synthetic
      ? '> **Trained on synthetic data.** The rows come from `src/cli/synth-data.ts`, a hand-written stand-in for traffic, not from real attacks or real users. The metrics below say how well the model separates that generator\'s families, nothing about production. It will be retrained on attack-simulator data (and then on labelled production data) before its scores are trusted for blocking.'
      : `> Trained on: ${c.data.description}`,
    '',
    '## What it is',
    `- Gradient-boosted trees (XGBoost ${f.metadata.source?.replace(/^xgboost /, '') ?? '?'}), objective \`${f.objective}\`: the score is P(bot or fraud) for one request.`,
    `- ${trees.count} trees, deepest path ${f.max_depth}, ${trees.left.length} nodes; base_score ${f.base_score}.`,
    `- Features: version \`${f.features.version}\`, ${f.features.names.length} inputs in \`src/features/list.ts\` order (see docs/features.md). NaN = missing; each split has a learned default direction for missing values.`,
    `- Evaluated at the edge by \`src/model/predict.ts\` (padded, branch-free trees); reasons are Saabas contributions (\`src/model/explain.ts\`).`,
    '',
    '## Intended use',
    '- Score each request in the Worker; policy thresholds per route class turn the score into allow / challenge / rate_limit / block.',
    '- The top contributions name the reasons in the decision log. Not for use on its own: rules and allow/deny lists combine with it.',
    '',
    '## Training data',
    `- ${c.data.description}`,
    `- ${c.data.trainRows} training rows, ${c.data.testRows} held-out test rows (${c.data.split === undefined ? 'random split' : `whole ${c.data.split.by}s held out: ${c.data.split.testGroups} of ${c.data.split.groups}, none on both sides`}, seed in the command below); ${c.metrics.positives} positives in the test set.`,
    '',
    '| family | rows | label |',
    '| --- | ---: | ---: |',
    ...famRows.map(([name, v]) => `| ${name} | ${v.rows} | ${v.label} |`),
    '',
    '## Metrics (held-out test set, scored by the edge evaluator)',
    `- ROC AUC: **${c.metrics.auc.toFixed(5)}** on ${c.metrics.rows} rows.`,
    '',
    '| target FPR | threshold (score ≥) | recall [95 %] | false positives [95 %] |',
    '| ---: | ---: | ---: | ---: |',
    ...c.metrics.atFpr.map((m) => {
      const negatives = c.metrics.rows - c.metrics.positives
      const caught = Math.round(m.recall * c.metrics.positives)
      return `| ${+(m.fpr * 100).toPrecision(6)}% | ${m.threshold.toFixed(6)} | ${caught} of ${c.metrics.positives} = ${pct(m.recall)} ${interval(caught, c.metrics.positives)} | ${m.falsePositives} of ${negatives} ${interval(m.falsePositives, negatives)} |`
    }),
    '',
    'Intervals are Wilson 95 % over rows; rows of one session are not independent, so the real ones are wider. The thresholds are chosen on these same rows, so the recall is optimistic: a figure to compare models by, not a held-out result (that is `npm run heldout`).',
    '',
    'Suggested policy thresholds: **challenge** at the FPR 0.1% threshold, **block** at the FPR 0.02% threshold. With few negatives in the test set these thresholds rest on a handful of rows; re-derive them on real data.',
    '',
    `Parity: the edge evaluator and XGBoost's own \`predict()\` differ by at most ${c.parityMaxDiff.toExponential(2)} on the test set (required ≤ 1e-6).`,
    '',
    '## Most important features (total gain)',
    '| feature | share of gain |',
    '| --- | ---: |',
    ...top.map(([name, g]) => `| ${name} | ${pct(g / gainTotal)} |`),
    '',
    '## Training parameters',
    ...Object.entries(c.params).map(([k, v]) => `- ${k}: ${v}`),
    '',
    '## Limitations',
    '- Synthetic or simulated families overlap only as much as their generator says; real attackers adapt to whatever the model keys on.',
    '- Journey counters and SDK telemetry can be missing (deadline, no JavaScript); the model has seen such rows, but fewer than production will send.',
    '- A model whose feature list or version differs from the code\'s is refused at load; changing `src/features/list.ts` means retraining.',
    '',
    '## Reproduce',
    '```sh',
    c.command,
    '```',
    `Trained ${f.metadata.trained_at ?? '?'}.`,
    '',
  ]
  return lines.join('\n')
}

/** `[low–high %]`, the Wilson 95 % interval of a count, or empty when there were no trials. */
function interval(successes: number, trials: number): string {
  const w = wilson(successes, trials)
  return w === null ? '' : `[${(w[0] * 100).toFixed(2)}–${(w[1] * 100).toFixed(2)} %]`
}
