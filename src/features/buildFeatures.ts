// buildFeatures: takes the request-level signals, returns the feature vector (one float32
// slot per feature in list.ts, NaN = missing). Each signal family fills its own slots;
// this file only owns the request family. Must not do I/O.
import { ROUTE_CLASSES, type RouteClass } from '../config/routeClasses'
import { emptyFeatureVector, FEATURE_INDEX, type FeatureVector } from './list'

export interface RequestSignals {
  readonly routeClass: RouteClass
  readonly method: string
  readonly contentLength: number | null
}

export function buildRequestFeatures(signals: RequestSignals, vec: FeatureVector = emptyFeatureVector()): FeatureVector {
  vec[FEATURE_INDEX.route_class] = ROUTE_CLASSES.indexOf(signals.routeClass)
  vec[FEATURE_INDEX.method_is_post] = signals.method === 'POST' ? 1 : 0
  vec[FEATURE_INDEX.body_bytes] = signals.contentLength ?? Number.NaN
  return vec
}
