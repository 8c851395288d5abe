// Renders a mitigation of the given kind for a path, the way the Worker would, so the
// pages can be checked without arranging a request that earns that action.
import { respond } from '../../src/action/respond'
import type { Decision } from '../../src/policy/decision'
import { mitigationResponse } from '../../worker/pages/render'

export function renderToResponse(action: 'block' | 'challenge' | 'rate_limit', accept: string, ref: string, rawPath: string): Response {
  const common = { risk: 0.99, modelRisk: 0.99, mode: 'enforce', routeClass: 'other', wouldAction: action, source: 'model', reasons: [], rules: [] } as const
  const decision: Exclude<Decision, { action: 'allow' }> =
    action === 'block'
      ? { ...common, action }
      : action === 'challenge'
        ? { ...common, action, difficulty: 16 }
        : { ...common, action, retryAfterS: 60 }
  return mitigationResponse(respond(decision, accept, ref, rawPath), ref)
}
