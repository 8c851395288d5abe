// Node-RED 4 (from npm) behind `npm start`'s edgeward in enforce mode with the bundled config plus
// its login route: a person in a real Chromium loads the editor (~20 parallel assets and XHRs, a
// WebSocket at /comms), signs in, deploys a flow and sees it run, signs out, mistypes the password
// three times, then gets in. None of it may be mitigated. Then a stuffing script on /auth/token
// from one address must be stopped within five attempts.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startDevServer, type DevServer } from './support/devServer'
import { clearOut, ensureRealAppsInstalled, expectStoppedEarly, healthConfig, outPath, personWatch, readText, saveDecisions, startApp, type AppProcess } from './support/realApps'
import { CHROMIUM, launchPerson, leakedPairs, stuffLogin, typeLikeAPerson, wanderPointer, type PersonBrowser } from './support/realAppsBrowser'

const EDGEWARD_PORT = 20100
const APP_PORT = 20101
const PERSON_IP = '127.0.0.1'
const STUFFER_IP = '127.0.20.66'
const USER = 'admin'
const PASSWORD = 'red-panda-4811' // test/real-apps/node-red-settings.cjs holds its bcrypt hash
const CONFIG = {
  version: 'e2e-node-red',
  // Node-RED's editor signs in with an XHR POST (form-encoded) to /auth/token, a path the defaults do not know.
  routes_add: [{ class: 'login', pattern: '/auth/token' }],
}
const FLOW = [
  { id: 'e2e0inject', type: 'inject', name: 'say hello', props: [{ p: 'payload' }], repeat: '', once: false, payload: 'hello through edgeward', payloadType: 'str', x: 180, y: 120, wires: [['e2e0debug']] },
  { id: 'e2e0debug', type: 'debug', name: 'seen', active: true, tosidebar: true, complete: 'payload', x: 420, y: 120, wires: [] },
]

const haveChromium = existsSync(CHROMIUM)

describe.skipIf(!haveChromium && process.env.CI === undefined)('Node-RED behind edgeward, used by a person, attacked by a script', () => {
  let app: AppProcess
  let edge: DevServer
  let person: PersonBrowser
  let userDir: string
  let watch: ReturnType<typeof personWatch>

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is required under CI (apt-get install chromium)`)
    ensureRealAppsInstalled()
    clearOut('node-red')
    userDir = mkdtempSync(join(tmpdir(), 'edgeward-node-red-'))
    app = await startApp('node', ['node_modules/node-red/red.js', '--settings', 'node-red-settings.cjs'], {
      port: APP_PORT,
      env: { NODE_RED_PORT: String(APP_PORT), NODE_RED_USER_DIR: userDir },
      readyPath: '/auth/login',
    })
    edge = await startDevServer({ port: EDGEWARD_PORT, env: { ORIGIN_URL: app.url }, config: CONFIG })
    person = await launchPerson()
    watch = personWatch(edge, person, PERSON_IP)
  }, 300_000)

  // What the person saw when a stage failed: out/real-apps/node-red-failed-<stage>.png.
  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      const name = task.name.split(' ').slice(0, 3).join('-').replace(/[^a-z0-9-]/gi, '')
      await person?.page.screenshot({ path: outPath(`node-red-failed-${name}.png`) }).catch(() => {})
    })
  })

  afterAll(async () => {
    if (edge !== undefined) saveDecisions('node-red', edge.logLines())
    await person?.close()
    await edge?.stop()
    await app?.stop()
    if (userDir !== undefined) rmSync(userDir, { recursive: true, force: true })
  })

  async function signIn(password: string): Promise<void> {
    const { page } = person
    await page.waitForSelector('#node-dialog-login-username', { timeout: 20_000 })
    await wanderPointer(page)
    await page.fill('#node-dialog-login-username', '')
    await typeLikeAPerson(page, '#node-dialog-login-username', USER)
    await page.fill('#node-dialog-login-password', '')
    await typeLikeAPerson(page, '#node-dialog-login-password', password)
    await page.click('#node-dialog-login-submit')
  }

  it('takes the config with the app’s login route (routes_add)', async () => {
    expect(await healthConfig(edge.url)).toBe(CONFIG.version)
  })

  it('loads the editor’s sign-in on first visit without mitigating any of its requests', async () => {
    const { page } = person
    await page.goto(`${edge.url}/`, { waitUntil: 'load' })
    await page.waitForSelector('#node-dialog-login-username', { timeout: 20_000 }).catch(() => {})
    await page.screenshot({ path: outPath('node-red-1-first-load.png') })
    expect(person.answers.length).toBeGreaterThan(10)
    watch.expectNoMitigation('first load')
  })

  it('signs in and opens the editor, its WebSocket included', async () => {
    const { page } = person
    await signIn(PASSWORD)
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="inject"]', { timeout: 20_000 })
    await page.waitForSelector('#red-ui-header-button-user', { state: 'visible', timeout: 10_000 })
    await page.screenshot({ path: outPath('node-red-2-editor.png') })
    watch.expectNoMitigation('sign-in')
  })

  it('deploys a flow and sees it run through the /comms WebSocket', async () => {
    const { page } = person
    await page.keyboard.press('Control+i')
    await page.waitForSelector('#red-ui-clipboard-dialog-import-text', { timeout: 10_000 })
    await page.fill('#red-ui-clipboard-dialog-import-text', JSON.stringify(FLOW))
    await page.press('#red-ui-clipboard-dialog-import-text', 'End') // the dialog validates on keyup
    await page.click('#red-ui-clipboard-dialog-ok')
    await page.mouse.move(500, 300, { steps: 5 })
    await page.mouse.click(500, 300)
    await page.click('#red-ui-header-button-deploy')
    await page.waitForSelector('.red-ui-notification:has-text("Successfully deployed")', { timeout: 15_000 })
    expect(readText(join(userDir, 'flows.json'))).toContain('hello through edgeward')
    // The inject node's button: the message comes back to the debug sidebar over the WebSocket.
    await page.click('#red-ui-workspace-chart g.red-ui-flow-node-group:has-text("say hello") .red-ui-flow-node-button')
    await page.keyboard.press('Control+g')
    await page.keyboard.press('d')
    await page.waitForSelector('.red-ui-debug-msg-payload:has-text("hello through edgeward")', { timeout: 15_000 })
    await page.screenshot({ path: outPath('node-red-3-deployed.png') })
    watch.expectNoMitigation('deploy and run')
  })

  it('signs out', async () => {
    const { page } = person
    await page.click('#red-ui-header-button-user')
    await page.click('#usermenu-item-logout')
    await page.waitForSelector('#node-dialog-login-username', { timeout: 20_000 })
    await page.screenshot({ path: outPath('node-red-4-signed-out.png') })
    watch.expectNoMitigation('sign-out')
  })

  it('mistypes the password three times, then gets in', async () => {
    const { page } = person
    for (const wrong of ['red-panda-4812', 'redpanda-4811', 'red-panda4811']) {
      await signIn(wrong)
      await page.waitForSelector('#node-dialog-login-failed:visible', { timeout: 10_000 })
      await page.waitForTimeout(900)
    }
    await page.screenshot({ path: outPath('node-red-5-wrong-password.png') })
    await signIn(PASSWORD)
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="inject"]', { timeout: 20_000 })
    await page.screenshot({ path: outPath('node-red-6-back-in.png') })
    watch.expectNoMitigation('three wrong passwords then the right one')
  })

  it('stops a stuffing script on /auth/token within five attempts', async () => {
    const results = await stuffLogin(
      {
        url: edge.url,
        path: '/auth/token',
        localAddress: STUFFER_IP,
        contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
        body: (u, p) => new URLSearchParams({ client_id: 'node-red-editor', grant_type: 'password', scope: '', username: u, password: p }).toString(),
      },
      leakedPairs(36),
    )
    expectStoppedEarly(results, edge.logLines().filter((l) => l.ip === STUFFER_IP), 'node-red-stuffing.txt', 5)
  })
})
