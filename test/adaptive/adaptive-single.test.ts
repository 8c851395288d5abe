// Issue 12's Done-when through the real Worker (workerd, real KV and Durable Objects, the demo origin):
// the adaptive attacker from one source, 40 attempts — each tactic alone and all combined — is first
// mitigated no later than the same attack without the tactic + 2 attempts and lets through no more
// than that attack + 2 of 40. Several still fail: docs/adaptive.md. `npm run test:adaptive`.
import { describeAdaptive } from './adaptive-harness'

describeAdaptive('single', 'the adaptive attacker from one source, 40 attempts')
