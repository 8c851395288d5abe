// Cart hoarding (denial of inventory): adds the same hot products to carts again and again in
// big quantities and never pays. Base: three hosting sources, fast. Shifted: twelve residential-proxy
// addresses with a copied browser header set, a product page before each add, slower.
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, over, pause, type SessionContext } from '../world'
import { attackParams } from './params'
import { scaled, sourcesFor, type FamilySpec } from './spec'

export const cartHoarding: FamilySpec = {
  family: 'cart_hoarding',
  sessions: (w) => (w.variant === 'shifted' ? scaled(w, 12, 2) : sourcesFor(w, 3, attackParams(w, 'cart_hoarding').tries, 2)),
  async run(s: SessionContext) {
    const { rng, world } = s
    const shifted = world.variant === 'shifted'
    const p = attackParams(world, 'cart_hoarding')
    const tool: Tool = shifted ? 'spoof_full' : rng.weighted(p.tools)
    const cf = cfFor(s, shifted ? 'residential_proxy' : rng.weighted(p.networks), transportOf(tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    const hot = Array.from({ length: 5 }, () => rng.int(1, 1000))
    const adds = world.smoke ? 6 : shifted ? 10 : p.tries
    const json = tool === 'axios'
    try {
      for (let i = 0; i < adds; i++) {
        if (over(s)) break
        const id = rng.pick(hot)
        if (shifted || rng.chance(p.formFirst)) {
          await a.get(`/products/${id}`, { referer: '/products' })
          await pause(s, rng.between(1500, 5000))
        }
        await a.post('/cart', { product_id: String(id), qty: String(shifted ? rng.int(2, 10) : rng.int(20, 99)) }, { json, referer: `/products/${id}` })
        await pause(s, shifted ? rng.between(4000, 10_000) : rng.lognormal(p.paceMs, p.sigma))
      }
    } finally {
      a.close()
    }
  },
}
