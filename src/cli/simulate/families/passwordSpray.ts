// Password spraying: this run's 3 common passwords tried across the demo's accounts, one or two
// tries per address over many addresses (each its own session), low and slow over the whole run,
// interleaved so that each password's count rises as slowly as a spray's can (accountAbuse.ts).
// Tool or copied-browser headers, tools, networks, pace and form reads drawn per run (params.ts).
// Attempt: a POST /login.
import { random } from '../random'
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, over, pause, type SessionContext } from '../world'
import { sprayAttempt, sprayOrder, sprayPasswords } from './accountAbuse'
import { attackParams } from './params'
import { perRun, scaled, type FamilySpec } from './spec'

/** Attempts reserved per address: session i makes attempts 2i and 2i + 1 of the spray. */
const TRIES_PER_ADDRESS = 2

interface Plan {
  readonly passwords: readonly string[]
  readonly order: readonly number[]
  /** Share of addresses whose script sends a copied browser header set (the rest: a tool's own). */
  readonly copied: number
}
const planFor = perRun((world): Plan => {
  const r = random(world.seed, `${world.variant}/password_spray/plan`)
  return { passwords: sprayPasswords(r), order: sprayOrder(r), copied: r.between(0.3, 1) }
})

export const passwordSpray: FamilySpec = {
  family: 'password_spray',
  // Small on purpose: tens of addresses, ~100 sign-ins at scale 1 beside 5,000 people.
  sessions: (w) => scaled(w, 60, 2),
  start: (i, n, s) => (i / n) * s.world.windowMs + s.rng.between(0, s.world.windowMs / n),
  async run(s: SessionContext) {
    const { rng, world } = s
    const plan = planFor(world)
    const p = attackParams(world, 'password_spray')
    // A smoke run has 12 people: a spray of copied browsers would be most of the site's cookie-less
    // sign-ins and hold the cookie-less wave over them (docs/accounts.md). The smoke checks the
    // plumbing with a declared tool, never in that cohort; the figures come from real runs.
    const tool: Tool = world.smoke ? 'python_requests' : rng.chance(plan.copied) ? 'spoof_full' : rng.weighted(p.tools)
    const cf = cfFor(s, rng.weighted(p.networks), transportOf(tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    const tries = rng.int(1, Math.min(TRIES_PER_ADDRESS, p.tries))
    try {
      if (tool === 'spoof_full' || rng.chance(p.formFirst)) await a.get('/login')
      for (let k = 0; k < tries; k++) {
        if (over(s)) break
        await a.post('/login', sprayAttempt(s.index * TRIES_PER_ADDRESS + k, plan.passwords, plan.order), { referer: '/login' })
        if (k + 1 < tries) await pause(s, rng.lognormal(p.paceMs, p.sigma))
      }
    } finally {
      a.close()
    }
  },
}
