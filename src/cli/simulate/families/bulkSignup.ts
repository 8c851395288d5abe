// Bulk sign-ups spread over ~100 sources: one or two accounts per address (each its own session),
// with Gmail aliases of a few real mailboxes the spammer holds and throwaway inboxes, in a share
// drawn per run; tools, networks, pace and form reads drawn per run (params.ts). Attempt: a POST /signup.
import { random } from '../random'
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, over, pause, type SessionContext } from '../world'
import { bulkSignupEmail, spammerMailboxes } from './accountAbuse'
import { randomPassword } from './combos'
import { attackParams } from './params'
import { perRun, scaled, type FamilySpec } from './spec'

/** Sign-ups reserved per address: session i opens accounts 2i and 2i + 1. */
const PER_ADDRESS = 2

interface Plan {
  readonly boxes: readonly string[]
  readonly disposableShare: number
  readonly copied: number
}
// Some runs only aliases, some only throwaway inboxes, most a mix; 1–8 real mailboxes behind the aliases.
const planFor = perRun((world): Plan => {
  const r = random(world.seed, `${world.variant}/bulk_signup/plan`)
  const disposableShare = r.chance(0.2) ? 0 : r.chance(0.25) ? 1 : r.between(0.1, 0.9)
  return { boxes: spammerMailboxes(r, r.int(1, 8)), disposableShare, copied: r.between(0.3, 1) }
})

export const bulkSignup: FamilySpec = {
  family: 'bulk_signup',
  sessions: (w) => scaled(w, 100, 6),
  start: (i, n, s) => (i / n) * s.world.windowMs + s.rng.between(0, s.world.windowMs / n),
  async run(s: SessionContext) {
    const { rng, world } = s
    const plan = planFor(world)
    const p = attackParams(world, 'bulk_signup')
    const tool: Tool = rng.chance(plan.copied) ? 'spoof_full' : rng.weighted(p.tools)
    const cf = cfFor(s, rng.weighted(p.networks), transportOf(tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    const count = rng.int(1, Math.min(PER_ADDRESS, p.tries))
    try {
      for (let k = 0; k < count; k++) {
        if (over(s)) break
        if (tool === 'spoof_full' || rng.chance(p.formFirst)) await a.get('/signup', { referer: '/' })
        const email = bulkSignupEmail(rng, s.index * PER_ADDRESS + k, plan.boxes, plan.disposableShare)
        await a.post('/signup', { email, password: randomPassword(rng) }, { referer: '/signup' })
        if (k + 1 < count) await pause(s, rng.lognormal(p.paceMs, p.sigma))
      }
    } finally {
      a.close()
    }
  },
}
