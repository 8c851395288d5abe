// The operator console in a real Chromium through `npm start`: sign in with the admin token, see
// the overview after simulated traffic (the per-IP figures equal what the decision log printed),
// drill from a chart bar to a decision, label it, deny its source and lift the entry, dry run a
// candidate config and open the config editor, upload a model file, dry run it and make it active,
// and switch the mode — keyboard only where it counts.
// Screenshots (light and dark) go to out/console/.
import { mkdirSync, readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { haveChromium, sleep, usePeople } from './support/person'
const TOKEN = 'e2e-console-admin-token'
const OUT = join(import.meta.dirname, '../../out/console')
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'
/** Traffic sources: people browsing, and a stuffer with a tool's User-Agent posting logins. */
const PEOPLE = ['127.3.0.1', '127.3.0.2', '127.3.0.3']
const STUFFER = '127.3.0.66'
const NUDGE = '127.3.0.99'

function send(port: number, localAddress: string, method: string, path: string, ua: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': ua, accept: 'text/html' }
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, localAddress, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true })

describe.skipIf(!haveChromium && process.env.CI === undefined)('the operator console in a real browser', () => {
  // The server (with this test's config and admin token) and Chromium, started and stopped as the people tests' are.
  const site = usePeople(undefined, { config: { version: 'e2e-console', mode: 'enforce' }, env: { EDGEWARD_ADMIN_TOKEN: TOKEN } })
  let context: BrowserContext
  let page: Page
  let consoleUrl: string

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true })
    consoleUrl = `${site.server.url}/__edgeward/console`
    context = await site.newPerson(true, { viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
  }, 120_000)

  /** Lines the server printed for one source address. */
  const linesOf = (ip: string) => site.server.logLines().filter((l) => l.ip === ip)

  it('signs in with the admin token (a wrong one gets the form again)', async () => {
    await page.goto(consoleUrl)
    expect(await page.locator('input[name=token]').count()).toBe(1)
    expect(await page.content()).not.toContain('Config version')
    await shot(page, '01-sign-in')
    await page.fill('input[name=token]', 'not-the-token')
    await page.press('input[name=token]', 'Enter')
    await page.waitForSelector('text=not the admin token')
    await page.fill('input[name=token]', TOKEN)
    await page.press('input[name=token]', 'Enter')
    await page.waitForSelector('h1:text("Overview")')
    const cookie = (await context.cookies()).find((c) => c.name === 'edgeward_console')
    expect(cookie?.httpOnly).toBe(true)
    expect(cookie?.sameSite).toBe('Strict')
    expect(cookie?.path).toBe('/__edgeward/console')
  })

  it('shows the traffic: the per-IP figures equal the decision log', async () => {
    for (let i = 0; i < 12; i++) await send(site.server.port, PEOPLE[i % PEOPLE.length]!, 'GET', `/products/${i + 1}`, BROWSER_UA)
    for (let i = 0; i < 8; i++) await send(site.server.port, STUFFER, 'POST', '/login', 'python-requests/2.31', `username=user${String(i + 1).padStart(4, '0')}%40example.com&password=guess-${i}`)
    // The console's counts reach the root with the zone batch: an isolate flush (at most every 5 s, on a
    // later request) and the shard's alarm (5 s). Nudge with requests from another address until they are in.
    const wanted = linesOf(STUFFER).length + PEOPLE.reduce((n, ip) => n + linesOf(ip).length, 0)
    expect(wanted).toBe(20)
    const deadline = Date.now() + 60_000
    let matched = -1
    while (Date.now() < deadline) {
      await send(site.server.port, NUDGE, 'GET', '/products/500', BROWSER_UA)
      const r = await page.goto(`${consoleUrl}/decisions?ip=${STUFFER}`)
      expect(r?.status()).toBe(200)
      matched = Number(/([\d,]+) of the/.exec(await page.content())?.[1]?.replace(/,/g, '') ?? -1)
      const people: number[] = []
      for (const ip of PEOPLE) {
        await page.goto(`${consoleUrl}/decisions?ip=${ip}`)
        people.push(Number(/([\d,]+) of the/.exec(await page.content())?.[1]?.replace(/,/g, '') ?? -1))
      }
      if (matched === linesOf(STUFFER).length && people.every((n, i) => n === linesOf(PEOPLE[i]!).length)) break
      await sleep(2_000)
    }
    expect(matched).toBe(linesOf(STUFFER).length)

    await page.goto(consoleUrl)
    await page.waitForSelector('h1:text("Overview")')
    // "Top sources in the recent sample", by IP: decisions and mitigated per address, as the log printed them.
    for (const ip of [STUFFER, ...PEOPLE]) {
      const row = page.locator('section:has(h2:text("By IP")) tr', { has: page.locator(`a:text-is("${ip}")`) })
      const cells = await row.locator('td.n').allInnerTexts()
      const logged = linesOf(ip)
      expect(cells, ip).toEqual([String(logged.length), String(logged.filter((l) => ['block', 'challenge', 'rate_limit'].includes(String(l.action))).length)])
    }
    expect(linesOf(STUFFER).some((l) => l.action !== 'allow')).toBe(true)
    expect(await page.locator('dd code').first().innerText()).toBe('e2e-console')
    await shot(page, '02-overview')
    // The top of the page, for docs/console.md (docs/img/console-overview.png is a copy of a run's).
    await page.screenshot({ path: join(OUT, '02-overview-top.png'), clip: { x: 0, y: 0, width: 1280, height: 900 } })
    const dark = await site.newPerson(true, { viewport: { width: 1280, height: 900 }, colorScheme: 'dark', storageState: await context.storageState() })
    const darkPage = await dark.newPage()
    await darkPage.goto(consoleUrl)
    await shot(darkPage, '02-overview-dark')
    await dark.close()
  }, 120_000)

  let ref = ''
  it('drills from a chart bar, by keyboard, to the decisions behind it and to one decision', async () => {
    const action = String(linesOf(STUFFER).find((l) => l.action !== 'allow')?.action)
    const bar = page.locator(`svg.chart a[aria-label*=", ${action}: "]`).first()
    await bar.focus()
    await page.keyboard.press('Enter')
    await page.waitForSelector('h1:text("Decisions")')
    expect(page.url()).toContain(`action=${action}`)
    await shot(page, '03-decisions')
    const first = page.locator('tbody tr td:first-child a').first()
    ref = await first.innerText()
    expect(linesOf(STUFFER).map((l) => l.ref)).toContain(ref)
    await first.click()
    await page.waitForSelector(`h1:has-text("${ref}")`)
    const text = await page.locator('main').innerText()
    expect(text).toContain('python-requests/2.31')
    expect(text).toMatch(/rule |model: /)
    await shot(page, '04-decision')
  })

  it('labels the decision as fraud', async () => {
    await page.click('button[name=label][value=fraud]')
    await page.waitForSelector('text=Label saved.')
    const r = await fetch(`${site.server.url}/__edgeward/admin/labels`, { headers: { authorization: `Bearer ${TOKEN}` } })
    const labels = (await r.text()).trim().split('\n').map((l) => JSON.parse(l) as { ref?: string; label: string })
    expect(labels).toContainEqual(expect.objectContaining({ ref, label: 'fraud' }))
  })

  it('denies the source from the decision page and lifts the entry', async () => {
    await page.goto(`${consoleUrl}/decisions/${ref}`)
    await page.selectOption('select[name=kind]', 'ip')
    await page.click('form[action$="/denylist"] button[type=submit]')
    await page.waitForSelector('text=Deny entry added.')
    expect(await page.locator('tbody').innerText()).toContain(STUFFER)
    await shot(page, '05-denylist')
    expect(await send(site.server.port, STUFFER, 'GET', '/products/2', BROWSER_UA)).toBe(403)
    await page.click(`button[aria-label="Lift ip ${STUFFER}"]`)
    await page.waitForSelector('text=Deny entry lifted.')
    const r = await fetch(`${site.server.url}/__edgeward/admin/denylist`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(((await r.json()) as { count: number }).count).toBe(0)
  })

  it('dry runs a candidate config over the sample (nothing changes in force), then opens the config editor', async () => {
    await page.goto(`${consoleUrl}/dryrun`)
    expect(await page.inputValue('textarea[name=config]')).toContain('"e2e-console"')
    // A rule on a fact every line keeps (its path): the people's product views go from allow to block.
    const candidate = { version: 'e2e-console-dry', mode: 'enforce', rules: [{ name: 'dry_products', when: "path contains '/products/'", action: 'block' }] }
    await page.fill('textarea[name=config]', JSON.stringify(candidate, null, 2))
    await page.click('button:text-is("Dry run")')
    await page.waitForSelector('h2:has-text("Dry run of")')
    const figure = async (id: string) => Number((await page.locator(`#${id}`).innerText()).replace(/,/g, ''))
    const redecided = await figure('redecided')
    const flips = await figure('flips')
    const people = PEOPLE.reduce((n, ip) => n + linesOf(ip).filter((l) => String(l.path).startsWith('/products/') && l.would_action === 'allow').length, 0)
    expect(people).toBeGreaterThan(0)
    expect(flips).toBeGreaterThanOrEqual(people) // the nudges' product views flip too
    expect(redecided).toBeGreaterThanOrEqual(flips)
    const allowRow = page.locator('table[aria-describedby=matrix-h] tr', { has: page.locator('th[scope=row]:text-is("allow")') })
    expect(await allowRow.count()).toBe(1)
    const examples = page.locator('section:has(h2:has-text("Dry run of")) a[href*="/decisions/"]')
    expect(await examples.count()).toBe(Math.min(20, flips))
    expect(await page.locator('main').innerText()).toContain('Could not be re-decided')
    await shot(page, '07-dryrun')
    // Nothing changed in force.
    const health = (await (await fetch(`${site.server.url}/__edgeward/health`)).json()) as { config: string }
    expect(health.config).toBe('e2e-console')
    // An example opens its decision.
    await examples.first().click()
    await page.waitForSelector('h1:has-text("Decision")')
    expect(await page.locator('main').innerText()).toContain('/products/')

    // The editor: a config the schema rejects is shown with its problems at their paths, and not written.
    await page.goto(`${consoleUrl}/config`)
    expect(await page.inputValue('textarea[name=config]')).toContain('"e2e-console"')
    await page.fill('textarea[name=config]', JSON.stringify({ version: 'e2e-bad', mode: 'sideways', thresholds: { login: { block: 2 } } }, null, 2))
    await page.click('button:text-is("Save")')
    await page.waitForSelector('text=nothing was changed')
    const problems = await page.locator('ul.problems').innerText()
    expect(problems).toContain('mode')
    expect(problems).toContain('thresholds.login.block')
    await shot(page, '08-config-problems')
    expect(((await (await fetch(`${site.server.url}/__edgeward/health`)).json()) as { config: string }).config).toBe('e2e-console')
    // "Dry run this first" posts the editor's text to the dry run.
    await page.fill('textarea[name=config]', JSON.stringify({ version: 'e2e-console-dry2', mode: 'enforce' }, null, 2))
    await page.click('button:text-is("Dry run this first")')
    await page.waitForSelector('h2:has-text("Dry run of")')
    expect(await page.locator('h2:has-text("Dry run of") code').innerText()).toBe('e2e-console-dry2')
  }, 60_000)

  it('uploads a model file, dry runs it and makes it active', async () => {
    const bundled = JSON.parse(readFileSync(join(import.meta.dirname, '../../models/default/model.json'), 'utf8')) as Record<string, unknown>
    const text = JSON.stringify({ ...bundled, model_version: 'e2e-console-model-1' })
    await page.goto(`${consoleUrl}/model`)
    await page.setInputFiles('input[name=model]', { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(text) })
    await page.click('button:text-is("Upload and check")')
    await page.waitForSelector('#uploaded')
    expect(await page.locator('#uploaded code').first().innerText()).toBe('model:e2e-console-model-1')
    await shot(page, '09-model')
    await page.click('#uploaded button:text-is("Dry run with this model")')
    await page.waitForSelector('h2:has-text("Dry run of")')
    expect(await page.inputValue('textarea[name=config]')).toContain('"active": "e2e-console-model-1"')
    const health = async () => (await (await fetch(`${site.server.url}/__edgeward/health`)).json()) as { model: string }
    expect((await health()).model).not.toBe('e2e-console-model-1')
    await page.goto(`${consoleUrl}/model?stored=e2e-console-model-1`)
    await page.click('#uploaded button:text-is("Make active")')
    await page.waitForSelector('text=Config saved with the new model.active')
    // This isolate at once; wrangler dev may run another within its config cache time (10 s).
    for (let i = 0; i < 30 && (await health()).model !== 'e2e-console-model-1'; i++) await sleep(500)
    expect((await health()).model).toBe('e2e-console-model-1')
  }, 60_000)

  it('switches the mode to shadow', async () => {
    await page.goto(consoleUrl)
    await page.click('button:text("Switch to shadow")')
    await page.waitForSelector('text=Mode switched to shadow')
    const health = (await (await fetch(`${site.server.url}/__edgeward/health`)).json()) as { mode: string; config: string }
    expect(health.mode).toBe('shadow')
    expect(await page.locator('.badge').innerText()).toBe('shadow')
    await shot(page, '06-shadow')
  })

  it('signs out', async () => {
    await page.click('button:text("Sign out")')
    await page.waitForSelector('input[name=token]')
    // Signed out, a console page is the sign-in form (not a 401: a stale tab guesses nothing).
    const r = await page.goto(`${consoleUrl}/decisions`)
    expect(r?.status()).toBe(200)
    expect(await page.locator('input[name=token]').count()).toBe(1)
    expect(await page.content()).not.toMatch(/Config version|Deny list/)
  })
})
