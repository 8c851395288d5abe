// Automated browsers stuffing the real login form: Chromium as automation launches it
// (navigator.webdriver true; half keep the HeadlessChrome UA), and a stealthier build with
// AutomationControlled off and a headful UA that types with scripted delays. Shifted: residential
// proxies and jittered, person-like typing for the stealth kind.
import type { Page } from 'playwright-core'
import type { Family } from '../catalog'
import { clickTo, outlastChallenge, visit } from '../browse'
import type { Flavour } from '../chromium'
import { random } from '../random'
import { typeText } from '../typing'
import { over, type SessionContext } from '../world'
import { comboList } from './combos'
import { earlyStart, type FamilySpec } from './spec'

function automatedBrowser(family: Family, flavour: Flavour): FamilySpec {
  return {
    family,
    start: earlyStart,
    sessions: (w) => (w.smoke || w.chromium === null ? 0 : Math.max(1, Math.round(4 * w.scale))),
    async run(s: SessionContext) {
      const chromium = s.world.chromium
      if (chromium === null) return
      await chromium.slot(async () => {
        const { rng } = s
        const shifted = s.world.variant === 'shifted'
        const network = shifted ? 'residential_proxy' : rng.chance(0.75) ? 'hosting' : 'residential_proxy'
        const ua = flavour === 'webdriver' && rng.chance(0.5) ? 'headless' : 'headful'
        const b = await chromium.open(s, { flavour, network, ua })
        try {
          await stuffForm(s, b.page, flavour, shifted)
        } finally {
          await b.close()
        }
      })
    },
  }
}

async function stuffForm(s: SessionContext, page: Page, flavour: Flavour, shifted: boolean): Promise<void> {
  const { rng, world } = s
  const list = comboList(random(world.seed, `${s.family}-list-${s.index}`), shifted ? 6 : 8, 0.02)
  for (const c of list) {
    if (over(s)) return
    // Back to the form each time; a challenge solves itself in the browser and the bot carries on.
    const load = await visit(page, world.target, '/login')
    if (!(await outlastChallenge(page, load)) && load.mitigated === 'block') continue
    if (flavour === 'webdriver') {
      await page.fill('#username', c.username)
      await page.fill('#password', c.password)
    } else {
      const o = shifted ? { medianGapMs: 110, sigma: 0.25, typoRate: 0, pauseRate: 0.01 } : { medianGapMs: 40, sigma: 0.05, typoRate: 0, pauseRate: 0 }
      await page.click('#username')
      await typeText(page, c.username, rng, o)
      await page.click('#password')
      await typeText(page, c.password, rng, o)
    }
    const sent = await clickTo(page, 'form[action="/login"] button', rng, false)
    await outlastChallenge(page, sent)
    await page.waitForTimeout(Math.round((shifted ? rng.lognormal(1500, 0.4) : rng.lognormal(300, 0.3)) * world.pace))
  }
}

export const automatedBrowserWebdriver = automatedBrowser('automated_browser_webdriver', 'webdriver')
export const automatedBrowserStealth = automatedBrowser('automated_browser_stealth', 'stealth')
