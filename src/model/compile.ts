// compileModel: a validated ModelFile → CompiledModel, every tree padded to a complete tree of at least
// MIN_LEVELS levels in typed arrays (children of k at 2k+1 / 2k+2). Trusts its input: call validateModelFile first.

import type { ModelFile } from './format'

/** Trees are padded to at least this many levels: predictMargin walks the first six without a loop. */
export const MIN_LEVELS = 6
/** Trees descend in groups of this many; the tree count is padded up to a multiple with trees whose leaves are −0. */
export const GROUP = 8

/**
 * The in-memory model. Per tree: `internal` split nodes then `leaves` leaf nodes, stored at
 * tree × stride. A split reads slot 2f (missing → −Inf, so it goes left) or 2f+1 (missing → +Inf,
 * so it goes right) of the per-row scratch, then goes right when x ≥ threshold. A padding split
 * under a shallow leaf has both subtrees equal to that leaf, so its test does not matter. After the
 * real trees come padding trees (up to groups × GROUP) whose every leaf is −0: adding −0 to a float
 * leaves it unchanged, so they never change a margin.
 */
export interface CompiledModel {
  readonly version: string
  readonly featureVersion: string
  readonly features: readonly string[]
  readonly featureCount: number
  /** Real trees; the arrays hold groups × GROUP trees. */
  readonly treeCount: number
  readonly groups: number
  /** The file's max_depth. */
  readonly depth: number
  /** Levels every tree is padded to: max(depth, MIN_LEVELS). */
  readonly levels: number
  readonly internal: number
  readonly leaves: number
  readonly stride: number
  /** Per padded node: split slot (2·feature + 1 when missing goes right); leaf positions unused. */
  readonly slot: Uint16Array
  /** Per padded node: float32 threshold for a split, float32 leaf value for a leaf. */
  readonly node: Float32Array
  /** Per padded node: the cover-weighted mean of the leaves below it (Saabas reasons). */
  readonly expected: Float64Array
  /** logit(base_score) in float32, as XGBoost adds it before the first tree. */
  readonly baseMargin: number
  /** baseMargin + Σ root expected values: the margin explain attributes nothing to. */
  readonly bias: number
  /** Scratch: the row copied once into two slots per feature. Reused by every call. */
  readonly rowSlots: Float32Array
  /** Scratch: per-feature contributions for explain. Reused by every call. */
  readonly contrib: Float64Array
  readonly file: ModelFile
}

/** float32 logit as XGBoost computes ProbToMargin: −logf(1.0f / p − 1.0f). */
export function baseMarginOf(p: number): number {
  const f = Math.fround
  return f(-Math.log(f(f(1 / f(p)) - 1))) + 0 // + 0: −0 (p = 0.5) becomes 0
}

export function compileModel(file: ModelFile): CompiledModel {
  const t = file.trees
  const depth = file.max_depth
  const levels = Math.max(depth, MIN_LEVELS)
  const internal = 2 ** levels - 1
  const leaves = 2 ** levels
  const stride = internal + leaves
  const groups = Math.ceil(t.count / GROUP)
  const slot = new Uint16Array(groups * GROUP * stride)
  const node = new Float32Array(groups * GROUP * stride)
  const expected = new Float64Array(groups * GROUP * stride)
  node.fill(-0, t.count * stride)
  const orig = new Int32Array(stride)
  const mean = new Float64Array(2 ** (depth + 1))
  const baseMargin = baseMarginOf(file.base_score)
  let bias = baseMargin

  for (let tree = 0; tree < t.count; tree++) {
    const start = t.offsets[tree]!
    const size = t.offsets[tree + 1]! - start
    // Cover-weighted mean of the leaves under each node, bottom-up (children follow parents).
    for (let i = size - 1; i >= 0; i--) {
      const g = start + i
      const l = t.left[g]!
      if (l === -1) {
        mean[i] = Math.fround(t.value[g]!)
        continue
      }
      const r = t.right[g]!
      const cl = t.cover[start + l]!
      const cr = t.cover[start + r]!
      mean[i] = cl + cr > 0 ? (cl * mean[l]! + cr * mean[r]!) / (cl + cr) : (mean[l]! + mean[r]!) / 2
    }
    bias += mean[0]!
    const base = tree * stride
    orig[0] = 0
    for (let p = 0; p < stride; p++) {
      const o = orig[p]!
      const g = start + o
      expected[base + p] = mean[o]!
      const isSplit = t.left[g] !== -1
      if (p >= internal) {
        node[base + p] = Math.fround(t.value[g]!)
        continue
      }
      orig[2 * p + 1] = isSplit ? t.left[g]! : o
      orig[2 * p + 2] = isSplit ? t.right[g]! : o
      if (isSplit) {
        slot[base + p] = 2 * t.feature[g]! + (t.default_left[g] === 1 ? 0 : 1)
        node[base + p] = Math.fround(t.threshold[g]!)
      }
    }
  }
  const featureCount = file.features.names.length
  return {
    version: file.model_version,
    featureVersion: file.features.version,
    features: file.features.names,
    featureCount,
    treeCount: t.count,
    groups,
    depth,
    levels,
    internal,
    leaves,
    stride,
    slot,
    node,
    expected,
    baseMargin,
    bias,
    rowSlots: new Float32Array(2 * featureCount),
    contrib: new Float64Array(featureCount),
    file,
  }
}
