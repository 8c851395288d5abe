// People whose browser runs no JavaScript for us (blockers, old devices): real browser header sets,
// no device cookie. They mostly browse (some start at a bookmarked sign-in page); some sign in once (rarely after one wrong try), shop and pay
// with a valid card. A person who meets a challenge or block they cannot solve gives up.
import type { BrowserKind } from '../browsers'
import { browserProfile } from '../browsers'
import type { NetworkKind } from '../network'
import { actorFor, cfFor, demoPassword, demoUser, over, pause, type SessionContext } from '../world'
import { expiry, loadPage, scaled, validCard, type FamilySpec } from './spec'

const BROWSERS: Record<'base' | 'shifted', ReadonlyArray<readonly [BrowserKind, number]>> = {
  base: [['chrome', 48], ['edge', 10], ['chrome_android', 12], ['safari', 12], ['safari_ios', 12], ['firefox', 6]],
  shifted: [['chrome', 20], ['edge', 5], ['chrome_android', 5], ['safari', 25], ['safari_ios', 20], ['firefox', 25]],
}
const NETWORKS: Record<'base' | 'shifted', ReadonlyArray<readonly [NetworkKind, number]>> = {
  base: [['residential', 80], ['mobile', 20]],
  // Held out: privacy-VPN users and cloud desktops are people too.
  shifted: [['residential', 60], ['mobile', 25], ['vpn', 10], ['hosting', 5]],
}

export const humanHttp: FamilySpec = {
  family: 'human_http',
  sessions: (w) => scaled(w, 320, 6),
  async run(s: SessionContext) {
    const { rng } = s
    const v = s.world.variant
    const kind = rng.weighted(BROWSERS[v])
    const mobile = kind === 'chrome_android' || kind === 'safari_ios'
    const network: NetworkKind = mobile && rng.chance(0.6) ? 'mobile' : rng.weighted(NETWORKS[v])
    const cf = cfFor(s, network, 'browser')
    const a = actorFor(s, { cf, identity: { type: 'browser', profile: browserProfile(kind, cf.country, rng) } })
    const think = (median = 4000): Promise<void> => pause(s, Math.min(20_000, rng.lognormal(median, 0.7)))
    let here = '/'
    let first = true
    const go = async (path: string): Promise<boolean> => {
      if (over(s)) return false
      const r = await loadPage(a, path, first ? undefined : here, first)
      first = false
      here = path
      return r.mitigated === null && r.status !== 0
    }
    try {
      // Some come straight to a bookmarked sign-in page (typed navigation, first request of the visit).
      const bookmarked = rng.chance(v === 'shifted' ? 0.3 : 0.2)
      if (bookmarked) {
        if (!(await go('/login'))) return
      } else {
        const entry = rng.weighted([['/', 50], ['/products', 30], [`/products/${rng.int(1, 1000)}`, 20]] as const)
        if (!(await go(entry))) return
        const browse = rng.int(1, v === 'shifted' ? 8 : 5)
        for (let i = 0; i < browse; i++) {
          await think()
          const next = rng.chance(0.3) ? `/products?page=${rng.int(1, 20)}` : `/products/${rng.int(1, 1000)}`
          if (!(await go(next))) return
        }
      }
      const n = rng.int(1, 1000)
      if (bookmarked || rng.chance(0.55)) {
        await think(2500)
        if (!bookmarked && !(await go('/login'))) return
        await think(v === 'shifted' ? 9000 : 7000)
        if (rng.chance(v === 'shifted' ? 0.12 : 0.06)) {
          const wrong = await a.post('/login', { username: demoUser(n), password: `${demoPassword(n)}x` }, { referer: '/login' })
          if (wrong.mitigated !== null) return
          await think(6000)
        }
        const r = await a.post('/login', { username: demoUser(n), password: demoPassword(n) }, { referer: '/login' })
        if (r.mitigated !== null || r.status !== 200) return
        here = '/login'
        await think()
        if (rng.chance(0.7) && !(await go('/account'))) return
        if (rng.chance(0.12)) {
          await think()
          if (!(await go('/profile'))) return
        }
      }
      if (rng.chance(0.4)) {
        await think()
        const id = rng.int(1, 1000)
        if (!(await go(`/products/${id}`))) return
        await think(5000)
        const cart = await a.post('/cart', { product_id: String(id), qty: String(rng.weighted([[1, 8], [2, 2]] as const)) }, { referer: `/products/${id}` })
        if (cart.mitigated !== null) return
        here = '/cart'
        if (rng.chance(0.75)) {
          await think(15_000) // typing the card in
          const r = await a.post('/checkout', { card_number: validCard(rng.next), exp: expiry(rng.next), cvv: String(rng.int(100, 999)), amount: `${rng.int(5, 400)}.${rng.int(10, 99)}` }, { referer: '/cart' })
          if (r.mitigated !== null) return
        }
      }
    } finally {
      a.close()
    }
  },
}
