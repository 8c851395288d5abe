// One Workers Analytics Engine data point per decision, when the EDGEWARD_ANALYTICS dataset is
// bound: the console's per-minute counts for fleets past what one root object can take. Takes the
// decision log line; writes without waiting (writeDataPoint queues it in the runtime). Never throws:
// analytics must not fail a request.
import type { DecisionLogLine } from '../../src/log/logLine'

/** Blob order, for SQL: blob1 … blob6. */
export const DECISION_BLOBS = ['action', 'would_action', 'route', 'host', 'reason', 'country'] as const
/** Double order: double1 risk, double2 model_risk (-1 when no model scored). */
export const DECISION_DOUBLES = ['risk', 'model_risk'] as const

/** A host or a reason is short; a longer one (a client picks the host on a wildcard route) is cut. */
const MAX_BLOB_CHARS = 100
/** Analytics Engine's index limit is 96 bytes; hosts are ASCII after URL parsing. */
const MAX_INDEX_CHARS = 96

export function writeDecisionPoint(dataset: AnalyticsEngineDataset | undefined, line: DecisionLogLine): void {
  if (dataset === undefined) return
  try {
    const blob = (v: string | null | undefined): string => (v ?? '').slice(0, MAX_BLOB_CHARS)
    dataset.writeDataPoint({
      indexes: [line.host.slice(0, MAX_INDEX_CHARS)],
      // The first reason is the strongest (the decision lists them in order): one per point, so counts add up.
      blobs: [blob(line.action), blob(line.would_action), blob(line.route), blob(line.host), blob(line.reasons[0]), blob(line.country)],
      doubles: [line.risk, line.model_risk ?? -1],
    })
  } catch {
    // A missing or full dataset loses the point, never the request (the log line is the record).
  }
}
