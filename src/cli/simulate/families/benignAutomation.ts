// Legitimate automation (label 0): what a real zone sees besides people and attacks. Uptime monitors
// polling one or two public URLs every 12–30 s from clouds; a person's one-off command-line check
// (curl, wget, python-requests, a pasted Chrome UA) of a few public pages; app and partner clients
// that sign in ONCE with their own correct credentials and then read the account and the product
// API with the session cookie. Sparse or tool headers, but well-behaved: at most 6 requests in any
// minute, one login per session, never a wrong password. Shifted: other tools, more residential
// monitors and VPN/cloud scripts, slower pacing.
import { SignJWT } from 'jose'
import { APP_ASSERTION_AUDIENCE, APP_TOKEN_HEADER, APP_TOKEN_PATH } from '../../../signals/appToken'
import type { Actor } from '../actor'
import type { NetworkKind } from '../network'
import type { Random } from '../random'
import { toolIdentity, transportOf, type Tool } from '../tools'
import { actorFor, cfFor, demoPassword, demoUser, over, pause, type SessionContext, type Variant } from '../world'
import { scaled, type FamilySpec } from './spec'

export const BENIGN_KINDS = ['monitor', 'script', 'app'] as const

/**
 * Sessions at full scale. At 200 only a run where none was hurt met ≤ 2 % on its bound (1 of 200 is
 * 2.8 %: held-out seed 534941723, one monitor challenged once); at 400, two hurt still meet it (1.8 %).
 */
export const BENIGN_SESSIONS = 400
export type BenignKind = (typeof BENIGN_KINDS)[number]

export interface BenignStep {
  readonly method: 'GET' | 'POST'
  readonly path: string
  /** Milliseconds to wait before this step (before the world's pace applies). */
  readonly waitMs: number
  readonly fields?: Readonly<Record<string, string>>
}

export interface BenignPlan {
  readonly kind: BenignKind
  readonly tool: Tool
  readonly network: NetworkKind
  /** POST bodies as JSON (apps, API clients) rather than a form. */
  readonly json: boolean
  /** The demo user an app signs in as (its own account), or null. */
  readonly user: number | null
  readonly steps: readonly BenignStep[]
  /** Monitors: after this many steps, stop once the run's window is over (they poll "for the whole window"). */
  readonly windowBound: number | null
}

/** Every request of the family stays under this many in any 60 s (the plans are built to it; a unit test checks). */
export const MAX_PER_MINUTE = 6

type Weighted<T> = ReadonlyArray<readonly [T, number]>
const MONITOR_TOOLS: Record<Variant, Weighted<Tool>> = {
  base: [['curl', 35], ['go_http', 30], ['python_requests', 25], ['node_fetch', 10]],
  shifted: [['curl', 20], ['go_http', 20], ['python_requests', 15], ['node_fetch', 20], ['wget', 15], ['java', 10]],
}
const SCRIPT_TOOLS: Record<Variant, Weighted<Tool>> = {
  base: [['curl', 35], ['python_requests', 25], ['spoof_ua', 25], ['wget', 15]],
  shifted: [['curl', 25], ['python_requests', 15], ['spoof_ua', 20], ['wget', 10], ['node_fetch', 15], ['go_http', 15]],
}
/** Mobile apps sign in from phones and homes; partner integrations from their servers. */
const APP_TOOLS: Record<Variant, Weighted<Tool>> = {
  base: [['okhttp', 30], ['ios_app', 25], ['dart', 20], ['axios', 10], ['python_requests', 8], ['java', 7]],
  shifted: [['okhttp', 20], ['ios_app', 30], ['dart', 30], ['axios', 5], ['node_fetch', 10], ['python_requests', 5]],
}
const MOBILE_APPS: readonly Tool[] = ['okhttp', 'ios_app', 'dart']

const monitorUrl = (rng: Random): string => rng.weighted([['/', 55], ['/api/products', 20], ['/products', 10], [`/products/${rng.int(1, 20)}`, 15]] as const)
const publicPage = (rng: Random): string =>
  rng.weighted([['/', 15], ['/products', 15], [`/products/${rng.int(1, 1000)}`, 35], [`/products?page=${rng.int(1, 20)}`, 10], ['/api/products', 15], [`/api/products?page=${rng.int(1, 20)}&per_page=20`, 10]] as const)
const apiRead = (rng: Random): string => (rng.chance(0.45) ? '/account' : rng.chance(0.5) ? '/api/products' : `/api/products?page=${rng.int(1, 20)}&per_page=20`)

/** The kind of session `index`: monitors, one-off scripts and apps in turn (one of each in a smoke run). */
export const benignKind = (index: number): BenignKind => BENIGN_KINDS[index % BENIGN_KINDS.length]!

/** The credentials an app or integration signs in with: its own account, always the right password. */
export function ownCredentials(rng: Random): { readonly user: number; readonly username: string; readonly password: string } {
  const user = rng.int(1, 1000)
  return { user, username: demoUser(user), password: demoPassword(user) }
}

/** What one session will do. Pure: the same stream gives the same plan. */
export function planBenign(kind: BenignKind, rng: Random, variant: Variant, smoke: boolean): BenignPlan {
  const shifted = variant === 'shifted'
  switch (kind) {
    case 'monitor': {
      const tool = rng.weighted(MONITOR_TOOLS[variant])
      const network: NetworkKind = rng.chance(shifted ? 0.55 : 0.75) ? 'hosting' : 'residential'
      const first = monitorUrl(rng)
      const urls = rng.chance(0.3) ? [first, rng.pick(['/', '/api/products', '/products/1'].filter((u) => u !== first))] : [first]
      // One URL: every 12–30 s (shifted 15–45 s); two URLs: every 25–45 s (shifted 30–60 s). A little jitter.
      const every = urls.length === 1 ? (shifted ? rng.between(15_000, 45_000) : rng.between(12_000, 30_000)) : shifted ? rng.between(30_000, 60_000) : rng.between(25_000, 45_000)
      const polls = smoke ? 4 : 15
      const steps: BenignStep[] = []
      let offset = 0 // the second URL goes out a moment after the first
      for (let p = 0; p < polls; p++) {
        steps.push({ method: 'GET', path: first, waitMs: p === 0 ? 0 : every + rng.between(-300, 300) - offset })
        if (urls[1] !== undefined) {
          offset = rng.between(200, 1000)
          steps.push({ method: 'GET', path: urls[1], waitMs: offset })
        }
      }
      return { kind, tool, network, json: false, user: null, steps, windowBound: 3 * urls.length }
    }
    case 'script': {
      const tool = rng.weighted(SCRIPT_TOOLS[variant])
      const network: NetworkKind = shifted ? rng.weighted([['residential', 70], ['vpn', 15], ['hosting', 15]] as const) : 'residential'
      const n = smoke ? rng.int(1, 3) : rng.int(1, 5)
      const first = rng.pick(['/', '/products', '/api/products'])
      const steps: BenignStep[] = [{ method: 'GET', path: first, waitMs: 0 }]
      // A person at a terminal: reads the output, edits the command, runs it again.
      for (let i = 1; i < n; i++) steps.push({ method: 'GET', path: publicPage(rng), waitMs: Math.max(10_000, rng.lognormal(shifted ? 30_000 : 20_000, 0.6)) })
      return { kind, tool, network, json: false, user: null, steps, windowBound: null }
    }
    case 'app': {
      const tool = rng.weighted(APP_TOOLS[variant])
      const mobileApp = MOBILE_APPS.includes(tool)
      const network: NetworkKind = mobileApp ? (rng.chance(0.5) ? 'mobile' : 'residential') : rng.chance(shifted ? 0.7 : 0.85) ? 'hosting' : 'residential'
      const json = rng.chance(mobileApp ? 0.85 : 0.7)
      const creds = ownCredentials(rng)
      const steps: BenignStep[] = []
      // An app fetches the catalogue on launch; a partner client signs in first.
      if (mobileApp && rng.chance(0.5)) steps.push({ method: 'GET', path: '/api/products', waitMs: 0 })
      steps.push({ method: 'POST', path: '/login', waitMs: steps.length === 0 ? 0 : rng.between(1500, 6000), fields: { username: creds.username, password: creds.password } })
      steps.push({ method: 'GET', path: '/account', waitMs: rng.between(500, 3000) })
      const more = smoke ? 1 : rng.int(1, 4)
      for (let i = 0; i < more; i++) steps.push({ method: 'GET', path: apiRead(rng), waitMs: Math.max(15_000, rng.lognormal(shifted ? 35_000 : 25_000, 0.5)) })
      return { kind, tool, network, json, user: creds.user, steps, windowBound: null }
    }
  }
}

/** This session's plan, from a fork of its stream (so `start` and `run` agree). */
export const benignPlanFor = (s: SessionContext): BenignPlan => planBenign(benignKind(s.index), s.rng.fork('plan'), s.world.variant, s.world.smoke)

/**
 * Follows a plan with an actor. A monitor keeps polling whatever it gets (it alerts, it does not
 * stop); a script or an app stops at a challenge or block it cannot pass, and an app whose sign-in
 * did not succeed does not go on to its account.
 */
export async function followPlan(s: SessionContext, a: Actor, plan: BenignPlan, headers: Readonly<Record<string, string>> = {}): Promise<void> {
  const windowEnd = s.world.startedAt + s.world.windowMs
  for (const [i, step] of plan.steps.entries()) {
    if (plan.windowBound !== null && i >= plan.windowBound && Date.now() >= windowEnd) return
    if (step.waitMs > 0) await pause(s, step.waitMs)
    if (over(s)) return
    const r = step.method === 'GET' ? await a.get(step.path, { headers }) : await a.post(step.path, step.fields ?? {}, { json: plan.json, headers })
    if (plan.kind === 'monitor') continue
    if (r.mitigated !== null || r.status === 0) return
    if (step.path === '/login' && r.status !== 200) return
  }
}

/**
 * Trades an assertion signed with the app's key for a token, as docs/apps.md says an app does; null
 * when refused (the app then goes on without one, as a misconfigured app would).
 */
async function appToken(s: SessionContext, a: Actor, app: { readonly id: string; readonly privateKey: CryptoKey }): Promise<string | null> {
  const now = Math.floor(Date.now() / 1000)
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(app.id)
    .setAudience(APP_ASSERTION_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .setJti(`${s.session}-${s.rng.fork('jti').int(0, 2 ** 30)}`.replace(/[^A-Za-z0-9_-]/g, '-').padEnd(16, '0'))
    .sign(app.privateKey)
  const r = await a.post(APP_TOKEN_PATH, { assertion }, { json: true, readBody: true })
  if (r.status !== 200 || r.body == null) return null
  try {
    const token = (JSON.parse(r.body) as { token?: unknown }).token
    return typeof token === 'string' ? token : null
  } catch {
    return null
  }
}

export const benignAutomation: FamilySpec = {
  family: 'benign_automation',
  // BENIGN_SESSIONS at full scale: the ≤ 2 % target is judged on the bound.
  sessions: (w) => scaled(w, BENIGN_SESSIONS, 3),
  // Monitors are already running when the window opens; the others start anywhere in it.
  start: (_index, _n, s) => s.rng.fork('start').between(0, s.world.windowMs * (benignPlanFor(s).kind === 'monitor' ? 0.15 : 1)),
  async run(s: SessionContext) {
    const plan = benignPlanFor(s)
    const cf = cfFor(s, plan.network, transportOf(plan.tool))
    const a = actorFor(s, { cf, identity: { type: 'tool', tool: toolIdentity(plan.tool, s.rng, cf.country) } })
    try {
      // The operator registered its app and its partners (docs/apps.md): they start with a token.
      const app = plan.kind === 'app' ? s.world.app ?? null : null
      const token = app === null ? null : await appToken(s, a, app)
      await followPlan(s, a, plan, token === null ? {} : { [APP_TOKEN_HEADER]: token })
    } finally {
      a.close()
    }
  },
}
