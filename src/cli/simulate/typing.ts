// How a session operates a page: human typing (uneven gaps, pauses, the odd typo fixed with
// Backspace), pasting through the real clipboard, bot-fast filling, and pointer movement.
import type { Page } from 'playwright-core'
import type { Random } from './random'

/** Moves the pointer to an element along a wobbly path, then clicks it. */
export async function humanClick(page: Page, selector: string, rng: Random): Promise<void> {
  const box = await page.locator(selector).first().boundingBox()
  if (box === null) {
    await page.click(selector)
    return
  }
  const x = box.x + box.width * rng.between(0.2, 0.8)
  const y = box.y + box.height * rng.between(0.3, 0.7)
  await page.mouse.move(x + rng.between(-120, 120), y + rng.between(-80, 80), { steps: rng.int(3, 8) })
  await page.mouse.move(x, y, { steps: rng.int(6, 14) })
  await page.waitForTimeout(rng.int(60, 220))
  await page.mouse.click(x, y)
}

export interface TypeOptions {
  /** Median ms between keys (people: 120–250; careful bots: 30–80). */
  readonly medianGapMs: number
  /** Spread of the log of the gap (people ≈ 0.4–0.6, scripted jitter ≈ 0.1). */
  readonly sigma: number
  /** Chance per character of a wrong key that is then fixed with Backspace. */
  readonly typoRate: number
  /** Chance per character of a longer pause (looking at the keyboard, reading a card). */
  readonly pauseRate: number
}

export const PERSON: TypeOptions = { medianGapMs: 150, sigma: 0.5, typoRate: 0.03, pauseRate: 0.04 }

const NEIGHBOURS = 'qwertyuiopasdfghjklzxcvbnm'

export async function typeText(page: Page, text: string, rng: Random, o: TypeOptions): Promise<void> {
  for (const ch of text) {
    if (o.typoRate > 0 && rng.chance(o.typoRate)) {
      await page.keyboard.type(rng.pick([...NEIGHBOURS]))
      await page.waitForTimeout(Math.round(rng.lognormal(o.medianGapMs * 1.8, o.sigma)))
      await page.keyboard.press('Backspace')
      await page.waitForTimeout(Math.round(rng.lognormal(o.medianGapMs, o.sigma)))
    }
    await page.keyboard.type(ch)
    const gap = o.pauseRate > 0 && rng.chance(o.pauseRate) ? rng.between(500, 1400) : rng.lognormal(o.medianGapMs, o.sigma)
    await page.waitForTimeout(Math.round(Math.min(gap, 3000)))
  }
}

/** Clicks a field like a person and types into it. */
export async function typeInto(page: Page, selector: string, text: string, rng: Random, o: TypeOptions = PERSON): Promise<void> {
  await humanClick(page, selector, rng)
  await typeText(page, text, rng, o)
}

/**
 * The clipboard is the browser's, shared by every session's context: one paste at a time, or two
 * fraudsters pasting at once paste each other's password (the origin refused 2 of 10 takeovers so).
 */
let clipboard: Promise<unknown> = Promise.resolve()

/** Pastes through the clipboard (a trusted paste event, no printable keystrokes). */
export async function pasteInto(page: Page, selector: string, text: string, rng: Random): Promise<void> {
  await humanClick(page, selector, rng)
  const turn = clipboard.then(async () => {
    await page.evaluate((t) => navigator.clipboard.writeText(t), text)
    await page.waitForTimeout(rng.int(150, 600))
    await page.keyboard.press('Control+V')
  })
  clipboard = turn.catch(() => undefined)
  await turn
}
