// What the live policy did: takes eval rows, returns the action × label confusion table and the
// action counts per family (rules and lists included, not just the score). Pure.
import type { EvalRow } from './rows'

export const ACTION_ORDER = ['allow', 'review', 'challenge', 'rate_limit', 'block'] as const

export interface ConfusionRow {
  readonly action: string
  readonly human: number
  readonly attack: number
}

export function confusionByAction(rows: readonly EvalRow[]): ConfusionRow[] {
  const table = new Map<string, { human: number; attack: number }>()
  for (const a of ACTION_ORDER) table.set(a, { human: 0, attack: 0 })
  for (const r of rows) {
    let c = table.get(r.action)
    if (c === undefined) table.set(r.action, (c = { human: 0, attack: 0 }))
    if (r.label === 1) c.attack++
    else c.human++
  }
  return [...table].map(([action, c]) => ({ action, ...c }))
}

export function actionsByFamily(rows: readonly EvalRow[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  for (const r of rows) {
    const f = (out[r.family] ??= {})
    f[r.action] = (f[r.action] ?? 0) + 1
  }
  return out
}

/** Which rules fired on how many rows, by label. */
export function ruleCounts(rows: readonly EvalRow[]): Array<{ rule: string; human: number; attack: number }> {
  const by = new Map<string, { human: number; attack: number }>()
  for (const r of rows) {
    for (const rule of r.rules) {
      const c = by.get(rule) ?? { human: 0, attack: 0 }
      if (r.label === 1) c.attack++
      else c.human++
      by.set(rule, c)
    }
  }
  return [...by].map(([rule, c]) => ({ rule, ...c })).sort((a, b) => b.attack + b.human - (a.attack + a.human))
}
