// People whose browser does not run our SDK (JavaScript off, or a content blocker stops its
// telemetry): real browser header sets — desktop, mobile and privacy browsers — and a browser's
// sub-resource burst after each page (pageLoad.ts). Many sit behind shared addresses (offices,
// campuses, carrier-grade NAT; crowd.ts). Returning visitors have a warm cache and often a
// bookmarked sign-in page; password managers fill instantly, slow typists take their time; some
// mistype once, some three times and then reset the password before signing in. A person without
// JavaScript follows a low- or medium-tier challenge's wait (pageLoad.ts); one who meets a challenge
// or block they cannot pass (no SDK, so no proof of work) gives up. Whoever signs
// in does so from a place the account has used with the run's `returning` share (history.ts). A
// few new visitors open an account, some with a +tag alias or a throwaway inbox, as people do.
import { browserProfile, type BrowserKind } from '../browsers'
import { signInPlace } from '../history'
import { planCrowd, type CrowdMix } from '../crowd'
import type { NetworkKind } from '../network'
import type { Random } from '../random'
import { actorFor, cfFor, demoPassword, demoUser, networkOf, over, pause, personAccount, type SessionContext, type Variant } from '../world'
import { pageLoader } from './pageLoad'
import { expiry, scaled, validCard, type FamilySpec } from './spec'

type Weighted<T> = ReadonlyArray<readonly [T, number]>
const BROWSERS: Record<Variant, Weighted<BrowserKind>> = {
  base: [['chrome', 38], ['edge', 9], ['chrome_android', 11], ['safari', 11], ['safari_ios', 13], ['firefox', 6], ['samsung', 4], ['firefox_android', 2], ['brave', 4], ['firefox_rfp', 2]],
  shifted: [['chrome', 20], ['edge', 5], ['chrome_android', 5], ['safari', 20], ['safari_ios', 18], ['firefox', 15], ['samsung', 5], ['firefox_android', 4], ['brave', 5], ['firefox_rfp', 3]],
}
const MOBILE_BROWSERS: Weighted<BrowserKind> = [['chrome_android', 45], ['safari_ios', 40], ['samsung', 10], ['firefox_android', 5]]
const PRIVACY_BROWSERS: Weighted<BrowserKind> = [['brave', 30], ['firefox_rfp', 25], ['safari', 25], ['firefox', 20]]
const MOBILE_KINDS: readonly BrowserKind[] = ['chrome_android', 'safari_ios', 'samsung', 'firefox_android']

/** Smoke runs: one small office and a carrier NAT address among a few households. */
const SMOKE_MIX: CrowdMix = {
  shares: { household: 0.25, office: 0.5, campus: 0, cgnat: 0.25, corporate: 0, privacy: 0 },
  size: { office: [6, 6], campus: [2, 2], cgnat: [3, 3], corporate: [2, 2], privacy: [1, 1] },
  officeSpreadMs: 4000,
}

export interface Persona {
  readonly browser: BrowserKind
  readonly network: NetworkKind
  readonly returning: boolean
  readonly bookmarked: boolean
  readonly javascript: boolean
  readonly signsIn: boolean
  /** Seconds from the form to the POST: a password manager, a fast, usual or slow typist. */
  readonly entry: 'manager' | 'fast' | 'usual' | 'slow'
  /** Wrong passwords before the right one; 3 = then resets the password first. */
  readonly wrong: 0 | 1 | 3
}

/** Who this person is. Pure: the same stream gives the same persona. */
export function persona(s: Pick<SessionContext, 'site'>, rng: Random, v: Variant): Persona {
  const kind = s.site?.kind
  const browser = kind === 'cgnat' ? rng.weighted(MOBILE_BROWSERS) : kind === 'privacy' ? rng.weighted(PRIVACY_BROWSERS) : rng.weighted(BROWSERS[v])
  const mobile = MOBILE_KINDS.includes(browser)
  const alone: NetworkKind = mobile && rng.chance(0.5) ? 'mobile' : v === 'shifted' ? rng.weighted([['residential', 80], ['privacy', 12], ['cloud_desktop', 8]] as const) : 'residential'
  const returning = rng.chance(0.4)
  const bookmarked = rng.chance(returning ? 0.5 : v === 'shifted' ? 0.2 : 0.12)
  const w = rng.next()
  return {
    browser, network: alone, returning, bookmarked,
    javascript: !rng.chance(browser === 'firefox_rfp' ? 0.6 : 0.25),
    signsIn: bookmarked || rng.chance(0.55),
    entry: rng.weighted([['manager', 35], ['fast', 20], ['usual', 30], ['slow', 15]] as const),
    wrong: w < 0.03 ? 3 : w < 0.11 ? 1 : 0,
  }
}

/**
 * A new account's address: mostly a plain one at a big provider, 1 in 10 a +tag alias (to filter the
 * shop's mail), 1 in 25 a throwaway inbox (people who do not trust a new shop). Unique per session.
 */
export function signupEmail(index: number, rng: Random): string {
  const local = `${rng.pick(['sam', 'kim', 'jo', 'ana', 'li', 'max', 'eva', 'tom'])}.${rng.pick(['berg', 'ng', 'silva', 'novak', 'khan', 'ruiz'])}${index}`
  const r = rng.next()
  if (r < 0.04) return `${local}@${rng.pick(['mailinator.com', 'guerrillamail.com', '10minutemail.com', 'yopmail.com'])}`
  if (r < 0.14) return `${local}+shop@${rng.pick(['gmail.com', 'outlook.com', 'fastmail.com'])}`
  return `${local}@${rng.pick(['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'gmx.de'])}`
}

const ENTRY_MS: Readonly<Record<Persona['entry'], number>> = { manager: 1200, fast: 3500, usual: 7000, slow: 15_000 }

/** People keep close to a person's pace even in a smoke run (the attacks there run at a tenth of
 * theirs): ten times as many page views a minute from one office address is not an office. */
const SMOKE_PEOPLE_PACE = 0.4

export const humanHttp: FamilySpec = {
  family: 'human_http',
  sessions: (w) => scaled(w, 5000, 12),
  seats: (w, n, rng, ips) => planCrowd(n, w.windowMs, rng, ips, ...(w.smoke ? [SMOKE_MIX] : [])),
  async run(s: SessionContext) {
    const { rng } = s
    const v = s.world.variant
    const p = persona(s, rng.fork('persona'), v)
    const cf = cfFor(s, networkOf(s, p.network), 'browser')
    const a = actorFor(s, { cf, identity: { type: 'browser', profile: browserProfile(p.browser, cf.country, rng) } })
    const n = personAccount(s)
    // A known place goes into the account's past now; the first sign-in POST waits for it.
    const known = p.signsIn ? signInPlace(s, n, cf) : Promise.resolve()
    const loader = pageLoader(a, rng, { warmCache: p.returning, javascript: p.javascript })
    const pace = s.world.smoke ? SMOKE_PEOPLE_PACE / s.world.pace : 1
    const think = (median = 4000): Promise<void> => pause(s, pace * Math.min(20_000, rng.lognormal(median, 0.7)))
    let here: string | undefined
    /** The correct password reached the account (the origin's 200): what a sign-in is for. */
    let reached = false
    const go = async (path: string): Promise<boolean> => {
      if (over(s)) return false
      const r = await loader.load(path, here)
      here = path
      return r.mitigated === null && r.status !== 0
    }
    const post = async (path: string, fields: Record<string, string>): Promise<number | null> => {
      if (over(s)) return null
      const r = await a.post(path, fields, { referer: here ?? path })
      return r.mitigated !== null || r.status === 0 ? null : r.status
    }
    try {
      if (p.bookmarked) {
        if (!(await go('/login'))) return
      } else {
        const entry = rng.weighted([['/', 50], ['/products', 30], [`/products/${rng.int(1, 1000)}`, 20]] as const)
        if (!(await go(entry))) return
        for (let i = s.world.smoke ? 1 : rng.int(1, v === 'shifted' ? 6 : 4); i > 0; i--) {
          await think()
          if (!(await go(rng.chance(0.3) ? `/products?page=${rng.int(1, 20)}` : `/products/${rng.int(1, 1000)}`))) return
        }
      }
      if (p.signsIn) {
        if (!p.bookmarked) {
          await think(2500)
          if (!(await go('/login'))) return
        }
        const typing = (): Promise<void> => pause(s, pace * rng.lognormal(ENTRY_MS[p.entry], 0.4))
        await typing()
        await known
        for (let i = 0; i < p.wrong; i++) {
          if ((await post('/login', { username: demoUser(n), password: `${demoPassword(n)}${rng.pick(['x', '1', '!', ''])}${i}` })) === null) return
          await think(5000)
        }
        if (p.wrong === 3) {
          // Three wrong: "Forgot your password?", the mail, a new password, back to sign in.
          if (!(await go('/password-reset'))) return
          await think(5000)
          if ((await post('/password-reset', { email: demoUser(n) })) === null) return
          await think(20_000)
          if (!(await go('/login'))) return
          await typing()
        }
        if ((await post('/login', { username: demoUser(n), password: demoPassword(n) })) !== 200) return
        reached = true
        here = '/login'
        await think()
        if (rng.chance(0.7) && !(await go('/account'))) return
        if (rng.chance(0.12)) {
          await think()
          if (!(await go('/profile'))) return
        }
      }
      // A new visitor opening an account: its own stream, so nobody else's draws move.
      const joins = rng.fork('signup')
      if (!p.signsIn && !p.returning && joins.chance(0.08)) {
        await think()
        if (!(await go('/signup'))) return
        await pause(s, pace * joins.lognormal(ENTRY_MS[p.entry] * 2, 0.4))
        if ((await post('/signup', { email: signupEmail(s.index, joins), password: `pw-${s.index}-${joins.int(1000, 9999)}-long` })) === null) return
        here = '/signup'
      }
      if (rng.chance(0.35)) {
        await think()
        const id = rng.int(1, 1000)
        if (!(await go(`/products/${id}`))) return
        await think(5000)
        if ((await post('/cart', { product_id: String(id), qty: String(rng.weighted([[1, 8], [2, 2]] as const)) })) === null) return
        here = '/cart'
        if (rng.chance(0.75)) {
          await think(15_000) // typing the card in
          await post('/checkout', { card_number: validCard(rng.next), exp: expiry(rng.next), cvv: String(rng.int(100, 999)), amount: `${rng.int(5, 400)}.${rng.int(10, 99)}` })
        }
      }
    } finally {
      a.close()
      // Whether people reach their account, with and without JavaScript; a journey the window cut is none.
      if (p.signsIn && (reached || !over(s))) s.world.truth.signInJourney({ session: s.session, javascript: p.javascript, reached })
    }
  },
}
