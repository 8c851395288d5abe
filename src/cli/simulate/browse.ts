// Moving around the demo site in Chromium: typed navigations, link clicks and form submits that
// report whether edgeward stepped in, and waiting out a challenge the page solves by itself.
import type { Page, Response } from 'playwright-core'
import type { Random } from './random'
import { humanClick } from './typing'

export interface Step {
  readonly status: number | null
  /** The edgeward-mitigated header of the document response, if any. */
  readonly mitigated: string | null
  /** Its edgeward-ref header (the decision line's ref; every mitigation carries one), if any. */
  readonly ref?: string | null
}

const stepOf = (r: Response | null): Step => {
  const h = r?.headers()
  return { status: r?.status() ?? null, mitigated: h?.['edgeward-mitigated'] ?? null, ref: h?.['edgeward-ref'] ?? null }
}

export async function visit(page: Page, base: URL, path: string): Promise<Step> {
  const r = await page.goto(new URL(path, base).href, { waitUntil: 'load' }).catch(() => null)
  return stepOf(r)
}

/** Clicks something that navigates (a link or a submit button) and waits for the new page. */
export async function clickTo(page: Page, selector: string, rng: Random, human = true): Promise<Step> {
  const nav = page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 }).catch(() => null)
  if (human) await humanClick(page, selector, rng)
  else await page.click(selector, { timeout: 10_000 })
  return stepOf(await nav)
}

/** Picks one of the links matching `selector` (visible ones first) and follows it like a person. */
export async function followOne(page: Page, selector: string, rng: Random): Promise<Step | null> {
  const links = page.locator(selector)
  const n = await links.count()
  if (n === 0) return null
  const i = rng.int(0, Math.min(n, 12) - 1)
  await links.nth(i).scrollIntoViewIfNeeded().catch(() => undefined)
  const href = await links.nth(i).getAttribute('href')
  if (href === null) return null
  return clickTo(page, `${selector.split(',')[0]}[href="${href}"]`, rng)
}

/**
 * A challenge interstitial solves itself in a real browser (proof of work, then a 303 back to the
 * page): wait for that navigation. True when the page came back unmitigated within `ms`.
 */
export async function outlastChallenge(page: Page, step: Step, ms = 12_000): Promise<boolean> {
  if (step.mitigated === null) return true
  if (step.mitigated !== 'challenge') return false
  const r = await page.waitForNavigation({ waitUntil: 'load', timeout: ms }).catch(() => null)
  return r !== null && stepOf(r).mitigated === null && (r.status() < 400)
}

/** Idles on a page like a reader: a few pointer movements and a scroll. */
export async function linger(page: Page, rng: Random, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    await page.mouse.move(rng.between(50, 1100), rng.between(60, 700), { steps: rng.int(4, 12) }).catch(() => undefined)
    if (rng.chance(0.3)) await page.mouse.wheel(0, rng.between(100, 500)).catch(() => undefined)
    await page.waitForTimeout(Math.min(Math.max(0, end - Date.now()), rng.int(300, 1200)))
  }
}

/**
 * After a challenged form POST the solved challenge returns to the form's page (a POST cannot be
 * replayed): a person fills the form in and sends it again, once. Returns the step to go on with —
 * the resubmission's, or a plain one when the challenge led elsewhere — or null when the challenge
 * was not outlasted.
 */
export async function resubmitted(page: Page, step: Step, form: string, redo: () => Promise<Step>): Promise<Step | null> {
  if (step.mitigated !== 'challenge') return step
  if (!(await outlastChallenge(page, step))) return null
  if ((await page.locator(form).count()) === 0) return { status: 200, mitigated: null }
  return redo()
}
