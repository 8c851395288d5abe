// Node-RED 4 (from npm) behind `npm start`'s edgeward in enforce mode with the bundled config plus
// its login route: a person in a real Chromium loads the editor (~20 parallel assets and XHRs, a
// WebSocket at /comms), signs in, deploys a flow and sees it run, signs out, mistypes the password
// three times, then gets in. None of it may be mitigated. Then a stuffing script on /auth/token
// from one address must be stopped within five attempts.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectStoppedEarly, healthConfig, outPath, readText, startApp, useRealApp } from './support/realApps'
import { haveChromium, leakedPairs, stuffLogin, typeLikeAPerson, wanderPointer } from './support/realAppsBrowser'

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

describe.skipIf(!haveChromium && process.env.CI === undefined)('Node-RED behind edgeward, used by a person, attacked by a script', () => {
  const run = useRealApp('node-red', {
    edgewardPort: EDGEWARD_PORT,
    personIp: PERSON_IP,
    config: CONFIG,
    startApp: (dir) =>
      startApp('node', ['node_modules/node-red/red.js', '--settings', 'node-red-settings.cjs'], {
        port: APP_PORT,
        env: { NODE_RED_PORT: String(APP_PORT), NODE_RED_USER_DIR: dir },
        readyPath: '/auth/login',
      }),
  })

  async function signIn(password: string): Promise<void> {
    const { page } = run.person
    await page.waitForSelector('#node-dialog-login-username', { timeout: 20_000 })
    await wanderPointer(page)
    await page.fill('#node-dialog-login-username', '')
    await typeLikeAPerson(page, '#node-dialog-login-username', USER)
    await page.fill('#node-dialog-login-password', '')
    await typeLikeAPerson(page, '#node-dialog-login-password', password)
    await page.click('#node-dialog-login-submit')
  }

  it('takes the config with the app’s login route (routes_add)', async () => {
    expect(await healthConfig(run.edge.url)).toBe(CONFIG.version)
  })

  it('loads the editor’s sign-in on first visit without mitigating any of its requests', async () => {
    const { page } = run.person
    await page.goto(`${run.edge.url}/`, { waitUntil: 'load' })
    await page.waitForSelector('#node-dialog-login-username', { timeout: 20_000 }).catch(() => {})
    await page.screenshot({ path: outPath('node-red-1-first-load.png') })
    expect(run.person.answers.length).toBeGreaterThan(10)
    run.watch.expectNoMitigation('first load')
  })

  it('signs in and opens the editor, its WebSocket included', async () => {
    const { page } = run.person
    await signIn(PASSWORD)
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="inject"]', { timeout: 20_000 })
    await page.waitForSelector('#red-ui-header-button-user', { state: 'visible', timeout: 10_000 })
    await page.screenshot({ path: outPath('node-red-2-editor.png') })
    run.watch.expectNoMitigation('sign-in')
  })

  it('deploys a flow and sees it run through the /comms WebSocket', async () => {
    const { page } = run.person
    await page.keyboard.press('Control+i')
    await page.waitForSelector('#red-ui-clipboard-dialog-import-text', { timeout: 10_000 })
    await page.fill('#red-ui-clipboard-dialog-import-text', JSON.stringify(FLOW))
    await page.press('#red-ui-clipboard-dialog-import-text', 'End') // the dialog validates on keyup
    await page.click('#red-ui-clipboard-dialog-ok')
    await page.mouse.move(500, 300, { steps: 5 })
    await page.mouse.click(500, 300)
    await page.click('#red-ui-header-button-deploy')
    await page.waitForSelector('.red-ui-notification:has-text("Successfully deployed")', { timeout: 15_000 })
    expect(readText(join(run.dir, 'flows.json'))).toContain('hello through edgeward')
    // The inject node's button: the message comes back to the debug sidebar over the WebSocket.
    await page.click('#red-ui-workspace-chart g.red-ui-flow-node-group:has-text("say hello") .red-ui-flow-node-button')
    await page.keyboard.press('Control+g')
    await page.keyboard.press('d')
    await page.waitForSelector('.red-ui-debug-msg-payload:has-text("hello through edgeward")', { timeout: 15_000 })
    await page.screenshot({ path: outPath('node-red-3-deployed.png') })
    run.watch.expectNoMitigation('deploy and run')
  })

  it('signs out', async () => {
    const { page } = run.person
    await page.click('#red-ui-header-button-user')
    await page.click('#usermenu-item-logout')
    await page.waitForSelector('#node-dialog-login-username', { timeout: 20_000 })
    await page.screenshot({ path: outPath('node-red-4-signed-out.png') })
    run.watch.expectNoMitigation('sign-out')
  })

  it('mistypes the password three times, then gets in', async () => {
    const { page } = run.person
    for (const wrong of ['red-panda-4812', 'redpanda-4811', 'red-panda4811']) {
      await signIn(wrong)
      await page.waitForSelector('#node-dialog-login-failed:visible', { timeout: 10_000 })
      await page.waitForTimeout(900)
    }
    await page.screenshot({ path: outPath('node-red-5-wrong-password.png') })
    await signIn(PASSWORD)
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="inject"]', { timeout: 20_000 })
    await page.screenshot({ path: outPath('node-red-6-back-in.png') })
    run.watch.expectNoMitigation('three wrong passwords then the right one')
  })

  it('stops a stuffing script on /auth/token within five attempts', async () => {
    const results = await stuffLogin(
      {
        url: run.edge.url,
        path: '/auth/token',
        localAddress: STUFFER_IP,
        contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
        body: (u, p) => new URLSearchParams({ client_id: 'node-red-editor', grant_type: 'password', scope: '', username: u, password: p }).toString(),
      },
      leakedPairs(36),
    )
    expectStoppedEarly(results, run.edge.logLines().filter((l) => l.ip === STUFFER_IP), 'node-red-stuffing.txt', 5)
  })
})
