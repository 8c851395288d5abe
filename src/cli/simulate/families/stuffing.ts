// Credential stuffing from one source: each session is one machine running a combo list against
// POST /login as fast as its tool goes (base), or slower through a residential proxy with a copied
// browser header set and a GET of the form before each try (shifted, held out of training). The
// base run's tries, pace, tools, networks and usernames per source are drawn per run (params.ts).
import { random } from '../random'
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, over, pause, type SessionContext } from '../world'
import { comboList } from './combos'
import { attackParams } from './params'
import { scaled, type FamilySpec } from './spec'

export const stuffing: FamilySpec = {
  family: 'credential_stuffing',
  sessions: (w) => scaled(w, 4, 2),
  async run(s: SessionContext) {
    const { rng, world } = s
    const shifted = world.variant === 'shifted'
    const p = attackParams(world, 'credential_stuffing')
    const attempts = world.smoke ? 8 : shifted ? 40 : p.tries
    const tool: Tool = shifted ? 'spoof_full' : rng.weighted(p.tools)
    const cf = cfFor(s, shifted ? 'residential_proxy' : rng.weighted(p.networks), transportOf(tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    // A list narrower than the tries: each username comes round again with another password.
    const names = comboList(random(world.seed, `stuffing-list-${s.index}`), Math.min(attempts, shifted ? attempts : p.usernames), 0.02)
    const list = comboList(random(world.seed, `stuffing-pw-${s.index}`), attempts, 0.02).map((c, i) => (i < names.length ? names[i]! : { username: names[i % names.length]!.username, password: c.password }))
    const json = tool === 'axios' || (tool === 'go_http' && rng.chance(0.5))
    try {
      if (tool === 'openbullet' || shifted || rng.chance(p.formFirst)) await a.get('/login')
      for (const c of list) {
        if (over(s)) break
        if (shifted) {
          await a.get('/login', { referer: '/login' })
          await pause(s, rng.lognormal(1500, 0.5))
        }
        await a.post('/login', { username: c.username, password: c.password }, { json, referer: '/login' })
        await pause(s, shifted ? rng.lognormal(2500, 0.5) : rng.lognormal(p.paceMs, p.sigma))
      }
    } finally {
      a.close()
    }
  },
}
