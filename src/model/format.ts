// The on-disk tree-ensemble format (models/<name>/model.json) and the limits a file must keep.
// Types and constants only: no parsing, no evaluation, no I/O.

/** Bumped when the meaning or shape of the file changes; older files are refused. */
export const MODEL_SCHEMA_VERSION = 1

export const MODEL_OBJECTIVES = ['binary:logistic'] as const
export type ModelObjective = (typeof MODEL_OBJECTIVES)[number]

/** Hard limits: a file beyond them is refused whole (memory and CPU are budgets at the edge). */
export const MODEL_LIMITS = {
  maxTrees: 2000,
  maxDepth: 10,
  /** Padded nodes over all trees: trees × (2^(depth+1) − 1). 2^21 ≈ 16 MB of typed arrays. */
  maxPaddedNodes: 1 << 21,
  maxVersionLength: 128,
  /** Split slots are 16-bit (2 per feature). */
  maxFeatures: 4096,
} as const

/** Why a model file was refused. Stable codes: they go to the log line. */
export const MODEL_PROBLEMS = [
  'not_json',
  'bad_shape',
  'bad_schema_version',
  'bad_objective',
  'feature_mismatch',
  'bad_tree',
  'not_finite',
  'too_large',
] as const
export type ModelProblem = (typeof MODEL_PROBLEMS)[number]

/**
 * All trees flattened into parallel arrays. Tree t owns nodes offsets[t] … offsets[t+1]−1;
 * child indices are local to the tree, node 0 is its root, a leaf has left = right = −1.
 * XGBoost semantics: a split sends x < threshold left, x ≥ threshold right, a missing
 * (NaN) x to the default side. Thresholds and leaf values are float32 values.
 */
export interface TreeArrays {
  readonly count: number
  readonly offsets: readonly number[]
  readonly left: readonly number[]
  readonly right: readonly number[]
  /** Feature index into features.names for a split; −1 for a leaf. */
  readonly feature: readonly number[]
  /** Split threshold (float32); 0 for a leaf. */
  readonly threshold: readonly number[]
  /** 1 when a missing value goes left; 0 otherwise (and for a leaf). */
  readonly default_left: readonly number[]
  /** Leaf value in margin units (float32); 0 for a split. */
  readonly value: readonly number[]
  /** Sum of hessians of the training rows that reached the node (XGBoost's cover). */
  readonly cover: readonly number[]
}

export interface ModelMetrics {
  readonly auc?: number
  readonly recall_at_fpr?: Readonly<Record<string, { readonly recall: number; readonly threshold: number }>>
  readonly test_rows?: number
  readonly test_positives?: number
}

/** Free-form provenance, kept beside the trees so a loaded model can say where it came from. */
export interface ModelMetadata {
  readonly trained_at?: string
  readonly training_data?: string
  readonly source?: string
  readonly params?: Readonly<Record<string, string | number | boolean>>
  readonly metrics?: ModelMetrics
  readonly notes?: string
}

export interface ModelFile {
  readonly schema_version: typeof MODEL_SCHEMA_VERSION
  readonly model_version: string
  readonly objective: ModelObjective
  /** Probability-space base score (float32), as XGBoost's learner_model_param.base_score. */
  readonly base_score: number
  readonly features: { readonly version: string; readonly names: readonly string[] }
  /** Deepest root-to-leaf path over all trees (a root-only tree has depth 0). */
  readonly max_depth: number
  readonly trees: TreeArrays
  readonly metadata: ModelMetadata
}

/** What the code expects: a model trained on another feature list or version is refused. */
export interface ModelExpectation {
  readonly features: readonly string[]
  readonly featureVersion: string
}
