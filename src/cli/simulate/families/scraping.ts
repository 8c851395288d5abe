// Scraping: a crawler walks the catalogue — product pages in id order and the JSON product API —
// as fast as it can (base). Shifted: ten residential-proxy addresses with a copied browser header
// set, random order, a stylesheet now and then, about one page a second.
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, over, pause, type SessionContext } from '../world'
import { attackParams } from './params'
import { scaled, type FamilySpec } from './spec'

export const scraping: FamilySpec = {
  family: 'scraping',
  sessions: (w) => scaled(w, w.variant === 'shifted' ? 10 : 3, 2),
  async run(s: SessionContext) {
    const { rng, world } = s
    const shifted = world.variant === 'shifted'
    const p = attackParams(world, 'scraping')
    const tool: Tool = shifted ? 'spoof_full' : rng.chance(0.3) ? 'scrapy' : rng.weighted(p.tools)
    const cf = cfFor(s, shifted ? 'residential_proxy' : rng.weighted(p.networks), transportOf(tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    const pages = world.smoke ? 12 : shifted ? 60 : p.tries
    let id = rng.int(1, 800)
    let apiPage = 1
    try {
      await a.get('/products')
      for (let i = 0; i < pages; i++) {
        if (over(s)) break
        if (!shifted && rng.chance(0.25)) {
          await a.get(`/api/products?page=${apiPage}&per_page=50`, { kind: 'link' })
          apiPage = (apiPage % 20) + 1
        } else {
          const path = `/products/${shifted ? rng.int(1, 1000) : (id++ % 1000) + 1}`
          await a.get(path, { referer: '/products' })
          if (shifted && rng.chance(0.2)) await a.get('/static/app.css', { kind: 'style', referer: path })
        }
        await pause(s, shifted ? rng.lognormal(1200, 0.5) : rng.lognormal(p.paceMs, p.sigma))
      }
    } finally {
      a.close()
    }
  },
}
