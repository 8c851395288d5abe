// People in a real Chromium (the SDK runs, the device cookie is issued): browse the shop, sign in
// by typing with human timing (some mistype the password and try again, some let a password
// manager fill the form), look at the account, sometimes buy with a valid card typed in. Half are
// returning visitors: a short first visit (device cookie), then back more than a minute later.
import type { Page } from 'playwright-core'
import { clickTo, followOne, linger, outlastChallenge, visit, type Step } from '../browse'
import type { NetworkKind } from '../network'
import { PERSON, humanClick, typeInto, typeText } from '../typing'
import { demoPassword, demoUser, over, pause, type SessionContext } from '../world'
import { earlyStart, expiry, validCard, type FamilySpec } from './spec'

export const humanBrowser: FamilySpec = {
  family: 'human_browser',
  start: earlyStart,
  sessions: (w) => (w.smoke || w.chromium === null ? 0 : Math.min(20, Math.max(1, Math.round(12 * w.scale)))),
  async run(s: SessionContext) {
    const chromium = s.world.chromium
    if (chromium === null) return
    const { rng } = s
    const network: NetworkKind = s.world.variant === 'shifted' ? rng.weighted([['residential', 60], ['mobile', 25], ['vpn', 15]] as const) : rng.weighted([['residential', 80], ['mobile', 20]] as const)
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
      await chromium.slot(() => session(s, b.page, returning))
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
async function through(page: Page, step: Step | null): Promise<boolean> {
  if (step === null) return true
  return outlastChallenge(page, step)
}

async function session(s: SessionContext, page: Page, returning: boolean): Promise<void> {
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
  const n = rng.int(1, 1000)
  if ((entry === '/login' || rng.chance(0.75)) && !over(s)) {
    if (entry !== '/login' && !(await through(page, await clickTo(page, 'a[href="/login"]', rng)))) return
    await think(1000)
    const manager = rng.chance(0.2)
    const mistype = !manager && rng.chance(0.2)
    if (manager) {
      // A password manager fills both fields: no keystrokes (the SDK sees autofill).
      await humanClick(page, '#username', rng)
      await page.fill('#username', demoUser(n))
      await page.fill('#password', demoPassword(n))
    } else {
      await typeInto(page, '#username', demoUser(n), rng)
      await typeInto(page, '#password', mistype ? `${demoPassword(n).slice(0, -1)}${rng.int(0, 9)}x` : demoPassword(n), rng)
    }
    await page.waitForTimeout(rng.int(200, 900))
    let step = await clickTo(page, 'form[action="/login"] button', rng)
    if (!(await through(page, step))) return
    if (mistype || step.status === 401) {
      await think(2500)
      await humanClick(page, '#password', rng)
      await page.fill('#password', '')
      await typeText(page, demoPassword(n), rng, { ...PERSON, medianGapMs: 190 })
      step = await clickTo(page, 'form[action="/login"] button', rng)
      if (!(await through(page, step))) return
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
