// The cold posture: takes a decision made under the config a cold isolate fell back to and
// the config problem; returns the decision to act on. Under the bundled shadow fallback (KV gave
// neither `config` nor `config:last-good` in time) a deny-list hit still blocks: the fallback
// must not turn a shadow deployment into enforce, and must not drop a deny list (which fails closed).
import type { Decision } from '../../src/policy/decision'
import type { ConfigProblem } from './load'

export function coldPosture(decision: Decision, problem: ConfigProblem | null): Decision {
  if (problem !== 'config_cold_bundled_shadow' || decision.source !== 'deny_list' || decision.action === 'block') return decision
  return { ...decision, action: 'block', wouldAction: 'block' }
}
