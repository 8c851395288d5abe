// Distributed, low-and-slow stuffing: one campaign's combo list spread over ≥ 200 addresses (each
// its own session), one or two tries per address, evenly over the whole run; some usernames are
// retried from several addresses with other passwords (cracking). Shifted: 400 addresses, one try.
import { random, type Random } from '../random'
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, over, pause, type SessionContext, type World } from '../world'
import { comboList, type Combo } from './combos'
import { attackParams } from './params'
import { perRun, scaled, type FamilySpec } from './spec'

const TRIES_PER_ADDRESS = 3

/** The campaign's list: each address takes the next entries; ~15 % revisit an earlier username. */
function campaign(world: World): Combo[] {
  const rng: Random = random(world.seed, 'distributed-list')
  const list = comboList(rng, 1200, 0.02)
  const retry = world.variant === 'shifted' ? 0.15 : attackParams(world, 'distributed_stuffing').retryShare
  return list.map((c, i) => (i > 20 && rng.chance(retry) ? { username: list[rng.int(0, i - 1)]!.username, password: c.password } : c))
}

const listFor = perRun(campaign)

export const distributed: FamilySpec = {
  family: 'distributed_stuffing',
  sessions: (w) => scaled(w, w.variant === 'shifted' ? 400 : attackParams(w, 'distributed_stuffing').addresses, 6),
  // Evenly over the window with a little jitter: low and slow, never a burst.
  start: (i, n, s) => (i / n) * s.world.windowMs + s.rng.between(0, s.world.windowMs / n),
  async run(s: SessionContext) {
    const { rng, world } = s
    const shifted = world.variant === 'shifted'
    const list = listFor(world)
    const p = attackParams(world, 'distributed_stuffing')
    const tool: Tool = shifted ? 'spoof_full' : rng.weighted(p.tools)
    const cf = cfFor(s, shifted ? 'residential_proxy' : rng.weighted(p.networks), transportOf(tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    const tries = shifted ? 1 : rng.int(1, p.maxPerAddress)
    const getsForm = rng.chance(p.formFirst)
    try {
      for (let k = 0; k < tries; k++) {
        if (over(s)) break
        const c = list[(s.index * TRIES_PER_ADDRESS + k) % list.length]!
        // Some configs load the form first (a cookie, a token), most post straight away.
        if (tool === 'spoof_full' || (k === 0 && getsForm)) await a.get('/login')
        await a.post('/login', { username: c.username, password: c.password }, { referer: '/login' })
        if (k + 1 < tries) await pause(s, rng.lognormal(p.paceMs, p.sigma))
      }
    } finally {
      a.close()
    }
  },
}
