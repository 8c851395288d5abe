// People in a real Chromium (the SDK runs, the device cookie is issued): browse the shop, sign in
// by typing with human timing (some mistype the password and try again, some let a password
// manager fill the form), look at the account, sometimes buy with a valid card typed in. Half are
// returning visitors: a short first visit (device cookie), then back more than a minute later.
// A fifth sit in one office behind one address (all arriving within three minutes), some behind a
// carrier's NAT; typists are fast, usual or slow; a few mistype three times and reset the
// password first; a few use only the keyboard (Tab, Enter). Whoever signs in does so from a place
// the account has used with the run's `returning` share (history.ts).
import type { Page } from 'playwright-core'
import { clickTo, followOne, linger, outlastChallenge, resubmitted, visit, type Step } from '../browse'
import { planCrowd, type CrowdMix } from '../crowd'
import { signInPlace } from '../history'
import type { NetworkKind, TestCf } from '../network'
import { PERSON, humanClick, typeInto, typeText, type TypeOptions } from '../typing'
import { demoPassword, demoUser, networkOf, over, pause, personAccount, type SessionContext } from '../world'
import { earlyStart, expiry, validCard, type FamilySpec } from './spec'

/** Ten colleagues behind one office address (issue 13's case), five on one carrier NAT address. */
const BROWSER_MIX: CrowdMix = {
  shares: { household: 0.7, office: 0.2, campus: 0, cgnat: 0.1, corporate: 0, privacy: 0 },
  size: { office: [10, 10], campus: [2, 2], cgnat: [5, 5], corporate: [2, 2], privacy: [1, 1] },
  officeSpreadMs: 180_000,
}

const TYPISTS: ReadonlyArray<readonly [TypeOptions, number]> = [
  [{ ...PERSON, medianGapMs: 90, sigma: 0.4 }, 25],
  [PERSON, 50],
  [{ ...PERSON, medianGapMs: 280, sigma: 0.6, pauseRate: 0.08 }, 25],
]

/** People in Chromium sign in to accounts of their own, apart from the HTTP people's (1001 on). */
const PEOPLE_IN_BROWSERS_OFFSET = 50_000

export const humanBrowser: FamilySpec = {
  family: 'human_browser',
  start: earlyStart,
  sessions: (w) => (w.smoke || w.chromium === null ? 0 : Math.min(100, Math.max(1, Math.round(50 * w.scale)))),
  // Sites open in the first half of the window, so the office's browsers find free slots.
  seats: (w, n, rng, ips) => planCrowd(n, w.windowMs * 0.5, rng, ips, BROWSER_MIX),
  async run(s: SessionContext) {
    const chromium = s.world.chromium
    if (chromium === null) return
    const { rng } = s
    const alone: NetworkKind = s.world.variant === 'shifted' ? rng.weighted([['residential', 60], ['mobile', 25], ['privacy', 15]] as const) : rng.weighted([['residential', 80], ['mobile', 20]] as const)
    const network = networkOf(s, alone)
    // Half are returning visitors: an earlier visit gave them the device cookie, and they come
    // back more than a minute later (so the per-minute counters of that visit have gone quiet).
    const returning = rng.chance(0.5)
    const b = await chromium.slot(() => chromium.open(s, { flavour: 'stealth', network, ua: 'headful', viewport: { width: rng.pick([1280, 1366, 1440, 1536, 1920]), height: rng.pick([720, 800, 864, 900, 1080]) } }))
    try {
      if (returning) {
        await chromium.slot(() => earlierVisit(s, b.page))
        await pause(s, rng.between(62_000, 85_000))
        if (over(s)) return
      }
      await chromium.slot(() => session(s, b.page, returning, b.cf))
    } finally {
      await b.close()
    }
  },
}

/** A short first visit: the home page or the shop, a look around, gone. */
async function earlierVisit(s: SessionContext, page: Page): Promise<void> {
  const { rng, world } = s
  await visit(page, world.target, rng.chance(0.6) ? '/' : '/products')
  await linger(page, rng, rng.between(1500, 4000) * world.pace)
}

/** Follow through a mitigation the way a person's browser would; false means they gave up. */
const LOGIN_FORM = 'form[action="/login"]'

async function through(page: Page, step: Step | null): Promise<boolean> {
  if (step === null) return true
  return outlastChallenge(page, step)
}

async function session(s: SessionContext, page: Page, returning: boolean, cf: TestCf): Promise<void> {
  const { rng, world } = s
  const base = world.target
  const think = (median: number): Promise<void> => linger(page, rng, Math.min(8000, rng.lognormal(median, 0.5)) * world.pace)
  // A returning visitor often goes straight to sign in (a bookmark, the account link in a mail); a
  // first-time visitor on this device sometimes does too (a bookmark from another browser).
  const entry = rng.chance(returning ? 0.5 : 0.15) ? '/login' : rng.chance(0.6) ? '/' : '/products'
  if (!(await through(page, await visit(page, base, entry)))) return
  await think(1800)
  for (let i = entry === '/login' ? 0 : rng.int(1, 3); i > 0 && !over(s); i--) {
    if (!page.url().includes('/products')) {
      if (!(await through(page, await clickTo(page, 'a[href="/products"]', rng)))) return
      await think(1200)
    }
    if (!(await through(page, await followOne(page, 'ul.products a', rng)))) return
    await think(2000)
  }
  // Offset half the accounts from the HTTP people's, whose first indices would otherwise be the same.
  const n = personAccount(s, PEOPLE_IN_BROWSERS_OFFSET)
  if ((entry === '/login' || rng.chance(0.75)) && !over(s)) {
    // A known place goes into the account's past now; the form is submitted after it is in.
    const known = signInPlace(s, n, cf)
    if (entry !== '/login' && !(await through(page, await clickTo(page, 'a[href="/login"]', rng)))) return
    await think(1000)
    await known
    const manager = rng.chance(0.2)
    const typist = rng.weighted(TYPISTS)
    const keyboardOnly = !manager && rng.chance(0.08)
    const wrong = manager ? 0 : rng.weighted([[0, 75], [1, 20], [3, 5]] as const)
    const fillAndSend = async (): Promise<Step> => {
      if (!manager) return signIn(page, n, wrong > 0, typist, keyboardOnly, rng)
      // A password manager fills both fields: no keystrokes (the SDK sees autofill).
      await humanClick(page, '#username', rng)
      await page.fill('#username', demoUser(n))
      await page.fill('#password', demoPassword(n))
      await page.waitForTimeout(rng.int(200, 900))
      return clickTo(page, 'form[action="/login"] button', rng)
    }
    const again = await resubmitted(page, await fillAndSend(), LOGIN_FORM, fillAndSend)
    if (again === null) return
    let step: Step = again
    if (!(await through(page, step))) return
    if (wrong === 3) {
      // Two more wrong tries, then "Forgot your password?", the mail, a new password, sign in.
      for (let i = 0; i < 2 && !over(s); i++) {
        await think(2500)
        if (!(await through(page, await signIn(page, n, true, typist, keyboardOnly, rng)))) return
      }
      if (!(await through(page, await visit(page, base, '/password-reset')))) return
      await typeInto(page, '#email', demoUser(n), rng, typist)
      if (!(await through(page, await clickTo(page, 'form[action="/password-reset"] button', rng)))) return
      await think(6000)
      if (!(await through(page, await visit(page, base, '/login')))) return
      const last = (): Promise<Step> => signIn(page, n, false, typist, keyboardOnly, rng)
      const sent = await resubmitted(page, await last(), LOGIN_FORM, last)
      if (sent === null || !(await through(page, (step = sent)))) return
    } else if (wrong === 1 || step.status === 401) {
      await think(2500)
      await humanClick(page, '#password', rng)
      await page.fill('#password', '')
      await typeText(page, demoPassword(n), rng, { ...PERSON, medianGapMs: 190 })
      const retyped = await resubmitted(page, await clickTo(page, 'form[action="/login"] button', rng), LOGIN_FORM, () => signIn(page, n, false, typist, keyboardOnly, rng))
      if (retyped === null || !(await through(page, (step = retyped)))) return
    }
    await think(1500)
    if (rng.chance(0.8) && !(await through(page, await clickTo(page, 'a[href="/account"]', rng)))) return
    await think(2500)
  }
  if (rng.chance(0.45) && !over(s)) {
    if (!(await through(page, await visit(page, base, `/products/${rng.int(1, 1000)}`)))) return
    await think(2000)
    if ((await page.locator('form[action="/cart"] button').count()) === 0) return
    if (!(await through(page, await clickTo(page, 'form[action="/cart"] button', rng)))) return
    await think(1500)
    await typeInto(page, '#card_number', validCard(rng.next), rng, { ...PERSON, medianGapMs: 170 })
    await typeInto(page, '#exp', expiry(rng.next), rng)
    await typeInto(page, '#cvv', String(rng.int(100, 999)), rng)
    await page.waitForTimeout(rng.int(300, 1200))
    await through(page, await clickTo(page, 'form[action="/checkout"] button', rng))
    await think(1500)
  }
}

/** Types the credentials (a wrong password when `wrong`) and submits — by mouse, or keyboard only. */
async function signIn(page: Page, n: number, wrong: boolean, typist: TypeOptions, keyboardOnly: boolean, rng: SessionContext['rng']): Promise<Step> {
  const password = wrong ? `${demoPassword(n).slice(0, -1)}${rng.int(0, 9)}x` : demoPassword(n)
  if (keyboardOnly) {
    await page.focus('#username')
    await page.fill('#username', '')
    await typeText(page, demoUser(n), rng, typist)
    await page.keyboard.press('Tab')
    await page.fill('#password', '')
    await typeText(page, password, rng, typist)
    await page.waitForTimeout(rng.int(200, 700))
    const nav = page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 }).catch(() => null)
    await page.keyboard.press('Enter')
    const r = await nav
    return { status: r?.status() ?? null, mitigated: r?.headers()['edgeward-mitigated'] ?? null }
  }
  await humanClick(page, '#username', rng)
  await page.fill('#username', '')
  await typeText(page, demoUser(n), rng, typist)
  await humanClick(page, '#password', rng)
  await page.fill('#password', '')
  await typeText(page, password, rng, typist)
  await page.waitForTimeout(rng.int(200, 900))
  return clickTo(page, 'form[action="/login"] button', rng)
}
