// Credential stuffing from one source: each session is one machine running a combo list against
// POST /login as fast as its tool goes (base), or slower through a residential proxy with a copied
// browser header set and a GET of the form before each try (shifted, held out of training).
import { random } from '../random'
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, over, pause, type SessionContext } from '../world'
import { comboList } from './combos'
import { scaled, type FamilySpec } from './spec'

const BASE_TOOLS: readonly Tool[] = ['python_requests', 'go_http', 'spoof_ua', 'openbullet', 'curl', 'axios', 'java']

export const stuffing: FamilySpec = {
  family: 'credential_stuffing',
  sessions: (w) => scaled(w, 4, 2),
  async run(s: SessionContext) {
    const { rng, world } = s
    const shifted = world.variant === 'shifted'
    const attempts = world.smoke ? 8 : shifted ? 40 : 60
    const tool: Tool = shifted ? 'spoof_full' : rng.pick(BASE_TOOLS)
    const cf = cfFor(s, shifted ? 'residential_proxy' : rng.chance(0.8) ? 'hosting' : 'vpn', transportOf(tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    const list = comboList(random(world.seed, `stuffing-list-${s.index}`), attempts, 0.02)
    const json = tool === 'axios' || (tool === 'go_http' && rng.chance(0.5))
    try {
      if (tool === 'openbullet' || shifted) await a.get('/login')
      for (const c of list) {
        if (over(s)) break
        if (shifted) {
          await a.get('/login', { referer: '/login' })
          await pause(s, rng.lognormal(1500, 0.5))
        }
        await a.post('/login', { username: c.username, password: c.password }, { json, referer: '/login' })
        await pause(s, shifted ? rng.lognormal(2500, 0.5) : rng.lognormal(220, 0.35))
      }
    } finally {
      a.close()
    }
  },
}
