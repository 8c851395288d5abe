// Manual account takeover: a person with one victim's stolen (correct) credentials, on a VPN or
// hosting exit, in a fresh browser (a new device), pastes the credentials, then walks password
// reset → profile change → transfer at human pace. Shifted: a residential proxy in the victim's
// country, a consistent clock, half of them type the credentials. Without Chromium: over HTTP.
// The victim's account knows only its owner's past (history.ts); the fraudster imports nothing.
import type { Page } from 'playwright-core'
import { browserProfile } from '../browsers'
import { clickTo, linger, outlastChallenge, resubmitted, visit, type Step } from '../browse'
import { PERSON, pasteInto, typeInto } from '../typing'
import { homeOf } from '../history'
import { actorFor, cfFor, demoPassword, demoUser, over, pause, type SessionContext } from '../world'
import { personEmail } from './combos'
import { earlyStart, scaled, type FamilySpec } from './spec'

const FAR_CLOCKS = ['Europe/Moscow', 'Africa/Lagos', 'Asia/Ho_Chi_Minh', 'Asia/Manila', 'Europe/Kyiv', 'Asia/Dhaka']

export const manualAto: FamilySpec = {
  family: 'manual_ato',
  start: earlyStart,
  // 30 at full scale: with 10, one sign-in let through failed the 70 % target on its bound (9 of 10:
  // 59.6 % low) however well the rest went; with 30, 26 mitigated meet it (70.3 % low; 25: 66.4 %).
  sessions: (w) => scaled(w, 30, 2),
  async run(s: SessionContext) {
    if (s.world.chromium === null) return overHttp(s)
    const chromium = s.world.chromium
    await chromium.slot(async () => {
      const { rng } = s
      const shifted = s.world.variant === 'shifted'
      // Shifted: the victim first, so the proxy exit is in the victim's own country (their owner's
      // home, history.ts). An exit on the owner's own ISP passes as a known network: that is real.
      const victim = shifted ? rng.int(1, 1000) : null
      const network = shifted ? 'residential_proxy' : rng.chance(0.65) ? 'vpn' : 'hosting'
      const far = !shifted && rng.chance(0.5)
      const country = victim === null ? undefined : homeOf(s.world.seed, victim).country
      const b = await chromium.open(s, { flavour: 'stealth', network, ua: 'headful', clipboard: true, ...(far ? { timezoneId: rng.pick(FAR_CLOCKS) } : {}), ...(country === undefined ? {} : { country }) })
      try {
        await inBrowser(s, b.page, !shifted || rng.chance(0.5), victim)
      } finally {
        await b.close()
      }
    })
  },
}

async function inBrowser(s: SessionContext, page: Page, paste: boolean, chosen: number | null): Promise<void> {
  const { rng, world } = s
  const victim = chosen ?? rng.int(1, 1000)
  const think = (median: number): Promise<void> => linger(page, rng, Math.min(9000, rng.lognormal(median, 0.5)) * world.pace)
  const put = (sel: string, text: string): Promise<void> => (paste ? pasteInto(page, sel, text, rng) : typeInto(page, sel, text, rng, PERSON))
  // A challenge solves itself in the browser and the fraudster carries on; a block ends it.
  const stopped = async (st: Step | Promise<Step>): Promise<boolean> => !(await outlastChallenge(page, await st)) || over(s)
  // A challenged form comes back empty after the challenge (a POST is not replayed): filled in and sent again.
  const sent = async (form: string, fill: () => Promise<void>): Promise<boolean> => {
    const send = async (): Promise<Step> => {
      await fill()
      return clickTo(page, `${form} button`, rng)
    }
    const step = await resubmitted(page, await send(), form, send)
    return step !== null && !(await stopped(step))
  }

  if (await stopped(visit(page, world.target, '/'))) return
  await think(1500)
  if (await stopped(clickTo(page, 'a[href="/login"]', rng))) return
  await think(1200)
  const credentials = async (): Promise<void> => {
    await page.fill('#username', '')
    await put('#username', demoUser(victim))
    await page.fill('#password', '')
    await put('#password', demoPassword(victim))
    await page.waitForTimeout(rng.int(300, 1000))
  }
  if (!(await sent('form[action="/login"]', credentials))) return
  await think(2500)
  if (await stopped(clickTo(page, 'a[href="/account"]', rng))) return
  await think(3000)
  // Password reset first (locks the owner out of the reset mail later), then the contact details.
  if (await stopped(visit(page, world.target, '/password-reset'))) return
  await think(1000)
  if (!(await sent('form[action="/password-reset"]', async () => { await page.fill('#email', ''); await put('#email', demoUser(victim)) }))) return
  await think(2000)
  if (await stopped(clickTo(page, 'a[href="/profile"]', rng))) return
  await think(1500)
  const email = personEmail(rng)
  const phone = `+1 ${rng.int(200, 999)} ${rng.int(200, 999)} ${rng.int(1000, 9999)}`
  const profile = async (): Promise<void> => {
    await page.fill('#email', '')
    await put('#email', email)
    await page.fill('#phone', '')
    await put('#phone', phone)
  }
  if (!(await sent('form[action="/profile"]', profile))) return
  await think(2000)
  if (await stopped(clickTo(page, 'a[href="/account"]', rng))) return
  await think(2500)
  await put('#to', `GB${rng.int(10, 99)}MULE${rng.int(10_000_000, 99_999_999)}`)
  await typeInto(page, '#amount', String(rng.int(300, 2400)), rng)
  await clickTo(page, 'form[action="/transfer"] button', rng)
  await think(1500)
}

/** The same journey from a browser without JavaScript (smoke runs, no Chromium). */
async function overHttp(s: SessionContext): Promise<void> {
  const { rng } = s
  const cf = cfFor(s, rng.chance(0.65) ? 'vpn' : 'hosting', 'browser')
  const a = actorFor(s, { cf, identity: { type: 'browser', profile: browserProfile('chrome', cf.country, rng) } })
  const victim = rng.int(1, 1000)
  const think = (): Promise<void> => pause(s, rng.lognormal(3000, 0.5))
  try {
    const steps: Array<() => Promise<{ mitigated: string | null }>> = [
      () => a.get('/'),
      () => a.get('/login', { referer: '/' }),
      () => a.post('/login', { username: demoUser(victim), password: demoPassword(victim) }, { referer: '/login' }),
      () => a.get('/account', { referer: '/login' }),
      () => a.get('/password-reset', { referer: '/account' }),
      () => a.post('/password-reset', { email: demoUser(victim) }, { referer: '/password-reset' }),
      () => a.get('/profile', { referer: '/account' }),
      () => a.post('/profile', { email: personEmail(rng), phone: `+1 ${rng.int(200, 999)} ${rng.int(200, 999)} ${rng.int(1000, 9999)}` }, { referer: '/profile' }),
      () => a.get('/account', { referer: '/profile' }),
      () => a.post('/transfer', { to: `GB${rng.int(10, 99)}MULE${rng.int(10_000_000, 99_999_999)}`, amount: String(rng.int(300, 2400)) }, { referer: '/account' }),
    ]
    for (const step of steps) {
      if (over(s) || (await step()).mitigated !== null) return
      await think()
    }
  } finally {
    a.close()
  }
}
