// benchSubjects: the shipped model (compiled from its JSON), a synthetic 500-tree depth-8 stress model
// and the 300×6 reference shape, each with its fast and naive evaluator. Platform-free, so Node and the workerd bench share it.

import { FEATURE_NAMES, FEATURE_VERSION } from '../../features/list'
import type { ModelFile } from '../../model/format'
import { buildNaive, naivePredict } from '../../model/naive'
import { parseModel } from '../../model/parse'
import { predict } from '../../model/predict'
import { randomModelFile } from '../../model/synthetic'
import type { Evaluate } from './model-timing'

export interface Subject {
  readonly name: 'model' | 'stress' | 'ref'
  readonly label: string
  readonly fast: Evaluate
  readonly naive: Evaluate
}

export const STRESS = { trees: 500, depth: 8 } as const
/** The reference point: 300 random trees of depth 6 (rows: uniform, 10% missing). */
export const REFERENCE = { trees: 300, depth: 6 } as const

export function benchSubjects(shipped: unknown): Subject[] {
  const expect = { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION }
  const stressFile = randomModelFile({ ...STRESS, features: FEATURE_NAMES, featureVersion: FEATURE_VERSION, seed: 500, splitProbability: 0.9 })
  const refFile = randomModelFile({ ...REFERENCE, features: FEATURE_NAMES, featureVersion: FEATURE_VERSION, seed: 300, splitProbability: 0.9 })
  return [subject('model', shipped, expect), subject('stress', stressFile, expect), subject('ref', refFile, expect)]
}

function subject(name: Subject['name'], json: unknown, expect: { features: readonly string[]; featureVersion: string }): Subject {
  const parsed = parseModel(json, expect)
  if (!parsed.ok) throw new Error(`bench: ${name} model refused: ${parsed.reason}: ${parsed.detail ?? ''}`)
  const m = parsed.value
  const naive = buildNaive(m.file as ModelFile)
  return {
    name,
    label: `${m.version} (${m.treeCount} trees, depth ${m.depth})`,
    fast: (row) => predict(m, row),
    naive: (row) => naivePredict(naive, row),
  }
}
