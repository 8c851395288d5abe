// Fake account creation: bursts of POST /signup with generated addresses. Base: a few hosting
// sources, throwaway-domain addresses, fast. Shifted: 20 residential-proxy addresses, person-like
// addresses at big mail providers, the form page first, a few slow signups each.
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, over, pause, type SessionContext } from '../world'
import { personEmail, randomPassword, throwawayEmail } from './combos'
import { attackParams } from './params'
import { scaled, sourcesFor, type FamilySpec } from './spec'

export const signupSpam: FamilySpec = {
  family: 'signup_spam',
  sessions: (w) => (w.variant === 'shifted' ? scaled(w, 20, 2) : sourcesFor(w, 3, attackParams(w, 'signup_spam').tries, 2)),
  async run(s: SessionContext) {
    const { rng, world } = s
    const shifted = world.variant === 'shifted'
    const p = attackParams(world, 'signup_spam')
    const tool: Tool = shifted ? 'spoof_full' : rng.weighted(p.tools)
    const cf = cfFor(s, shifted ? 'residential_proxy' : rng.weighted(p.networks), transportOf(tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    const count = world.smoke ? 6 : shifted ? 4 : p.tries
    try {
      for (let i = 0; i < count; i++) {
        if (over(s)) break
        if (shifted || rng.chance(p.formFirst)) {
          await a.get('/signup', { referer: '/' })
          await pause(s, rng.between(3000, 8000))
        }
        const email = shifted ? personEmail(rng) : throwawayEmail(rng)
        await a.post('/signup', { email, password: randomPassword(rng) }, { referer: '/signup' })
        await pause(s, shifted ? rng.between(5000, 15_000) : rng.lognormal(p.paceMs, p.sigma))
      }
    } finally {
      a.close()
    }
  },
}
