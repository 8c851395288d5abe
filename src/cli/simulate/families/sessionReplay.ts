// Stolen sessions: a person signs in (a browser at their own address that runs the SDK, so the
// session is bound to a device), and an infostealer's buyer replays the demo origin's `demo_session`
// cookie minutes later from another address and device: a script with the cookie alone, a copied
// browser header set, or a browser of its own that runs the SDK (a device cookie, not the owner's).
// One session per theft, on two addresses: the owner's sign-in first (not an attempt), then the
// thief. Attempt: each request carrying the stolen cookie — the signed-in pages (catalog.ts `session`).
import { createActor } from '../actor'
import { browserProfile } from '../browsers'
import { random } from '../random'
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, demoPassword, demoUser, DEMO_ACCOUNTS, over, pause, type SessionContext, type World } from '../world'
import type { NetworkKind } from '../network'
import type { Actor } from '../actor'
import { loadTelemetry } from './accountAbuse'
import { scrapeSdkNonce } from './adaptiveWire'
import { perRun, scaled, type FamilySpec } from './spec'

const SESSION_COOKIE = 'demo_session'
/** How the thief replays the cookie: its weight is drawn per run. */
const THIEVES = ['script', 'copied_browser', 'own_browser'] as const
type Thief = (typeof THIEVES)[number]
const THIEF_NETWORKS: readonly NetworkKind[] = ['residential_proxy', 'vpn', 'hosting']

/** The owners' addresses, one per session, drawn with the thieves' so a seed's addresses repeat. */
const owners = new WeakMap<World, readonly string[]>()
const mixFor = perRun((world): ReadonlyArray<readonly [Thief, number]> => {
  const r = random(world.seed, `${world.variant}/session_replay/mix`)
  return THIEVES.map((t) => [t, r.between(0.2, 1)] as const)
})

/** A browser's SDK collect: the page's nonce, load telemetry; the answer sets `__edgeward`. */
async function runSdk(a: Actor, s: SessionContext, timezone: string, page: string): Promise<void> {
  const html = (await a.get(page, { readBody: true })).body ?? ''
  const body = JSON.stringify(loadTelemetry(s.rng, timezone, scrapeSdkNonce(html)))
  await a.post('/__edgeward/collect', {}, { kind: 'xhr', json: true, body, referer: page })
}

export const sessionReplay: FamilySpec = {
  family: 'session_replay',
  sessions: (w) => scaled(w, 12, 2),
  seats(w, n, _rng, ips) {
    const seats = Array.from({ length: n }, () => ({ ip: ips.spread(), site: null, startMs: null }))
    owners.set(w, Array.from({ length: n }, () => ips.spread()))
    return seats
  },
  async run(s: SessionContext) {
    const { rng, world } = s
    const ownerIp = owners.get(world)?.[s.index]
    if (ownerIp === undefined) throw new TypeError('session_replay: no owner address planned')
    const victim = rng.int(1, DEMO_ACCOUNTS)
    // The owner: a person's browser at home, signing in with the right password.
    const home = cfFor(s, 'residential', 'browser')
    world.truth.addSession(s.family, s.session, ownerIp)
    const owner = createActor({ target: world.target, family: s.family, session: s.session, ip: ownerIp, identity: { type: 'browser', profile: browserProfile('chrome', home.country, rng) }, cf: home, truth: world.truth })
    let stolen: string | undefined
    try {
      await runSdk(owner, s, home.timezone, '/login')
      await owner.post('/login', { username: demoUser(victim), password: demoPassword(victim) }, { referer: '/login' })
      stolen = owner.cookie(SESSION_COOKIE)
    } finally {
      owner.close()
    }
    if (stolen === undefined || over(s)) return
    // The loot is sold and replayed minutes later, through an exit in the owner's country.
    await pause(s, rng.between(10_000, 40_000))
    if (over(s)) return
    const thief: Thief = rng.weighted(mixFor(world))
    const tool: Tool = thief === 'script' ? rng.pick(['python_requests', 'go_http', 'curl_impersonate'] as const) : 'spoof_full'
    const cf = cfFor(s, rng.pick(THIEF_NETWORKS), thief === 'own_browser' ? 'browser' : transportOf(tool), home.country)
    const a = actorFor(s, { cf, identity: thief === 'own_browser' ? { type: 'browser', profile: browserProfile('chrome', cf.country, rng) } : { type: 'tool', tool: toolIdentity(tool, rng, cf.country) } })
    try {
      if (thief === 'own_browser') await runSdk(a, s, cf.timezone, '/')
      a.setCookie(SESSION_COOKIE, stolen)
      const steps: Array<() => Promise<unknown>> = [
        () => a.get('/account'),
        () => a.get('/profile', { referer: '/account' }),
        () => a.post('/profile', { email: `${rng.pick(['support', 'mail', 'acc'])}${rng.int(100, 999)}@proton.me` }, { referer: '/profile' }),
        () => a.post('/transfer', { to: `DE${rng.int(10_000_000, 99_999_999)}`, amount: String(rng.int(200, 2000)) }, { referer: '/account' }),
      ]
      for (const step of steps) {
        if (over(s)) break
        await step()
        await pause(s, rng.lognormal(2500, 0.5))
      }
    } finally {
      a.close()
    }
  },
}
