// Interim scorer: takes a feature vector, returns a risk in [0, 1] and its reasons.
// A stand-in with a handful of header signals until the tree model is wired in;
// must not read anything but the vector.
import { FEATURE_INDEX, type FeatureName, type FeatureVector } from '../features/list'

export interface Score {
  readonly risk: number
  readonly reasons: readonly string[]
}

const WEIGHTS: readonly (readonly [FeatureName, number])[] = [
  ['ua_missing', 0.45],
  ['ua_is_bot', 0.5],
  ['ua_is_headless', 0.5],
  ['cookie_invalid', 0.3],
  ['accept_missing', 0.15],
  ['accept_language_missing', 0.1],
]

export function heuristicScore(vec: FeatureVector): Score {
  let risk = 0
  const reasons: string[] = []
  for (const [name, weight] of WEIGHTS) {
    if (vec[FEATURE_INDEX[name]] === 1) {
      risk += weight
      reasons.push(name)
    }
  }
  return { risk: Math.min(1, risk), reasons }
}
