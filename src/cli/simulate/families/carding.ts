// Carding: a tool validates generated card numbers against POST /checkout (→ 402s). Base: a few
// sources, one cart then dozens of tries each, fast. Shifted: 30 residential-proxy addresses with a
// copied browser header set, a product page and a cart each, then 5 slow tries.
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, over, pause, type SessionContext } from '../world'
import { attackParams } from './params'
import { expiry, randomCard, scaled, sourcesFor, type FamilySpec } from './spec'

export const carding: FamilySpec = {
  family: 'carding',
  sessions: (w) => (w.variant === 'shifted' ? scaled(w, 30, 2) : sourcesFor(w, 4, attackParams(w, 'carding').tries, 2)),
  async run(s: SessionContext) {
    const { rng, world } = s
    const shifted = world.variant === 'shifted'
    const p = attackParams(world, 'carding')
    const tool: Tool = shifted ? 'spoof_full' : rng.weighted(p.tools)
    const cf = cfFor(s, shifted ? 'residential_proxy' : rng.weighted(p.networks), transportOf(tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    const tries = world.smoke ? 6 : shifted ? 5 : p.tries
    const json = tool === 'axios'
    const product = rng.int(1, 1000)
    const amount = `${rng.int(1, 30)}.${rng.int(10, 99)}`
    try {
      if (shifted) await a.get(`/products/${product}`)
      await a.post('/cart', { product_id: String(product), qty: '1' }, { json, referer: `/products/${product}` })
      for (let i = 0; i < tries; i++) {
        if (over(s)) break
        await pause(s, shifted ? rng.between(4000, 12_000) : rng.lognormal(p.paceMs, p.sigma))
        await a.post('/checkout', { card_number: randomCard(rng.next), exp: expiry(rng.next), cvv: String(rng.int(100, 999)), amount }, { json, referer: '/cart' })
      }
    } finally {
      a.close()
    }
  },
}
