// Jingo 1.9 (a git-backed wiki from npm: Express + Pug, every page server-rendered, a classic
// HTML login form) behind `npm start`'s edgeward in enforce mode with the bundled config. Its
// login is /login, a default login route; it answers a failed login with a redirect back to
// /login, not a 401, so the config names that as the failure marker. A person in a real Chromium
// lands on the sign-in, signs in, writes a page, reads the wiki behind the login, signs out,
// mistypes the password three times, then gets in — none of it mitigated. Then a stuffing script
// from one address must be stopped within five attempts.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectStoppedEarly, gitInit, healthConfig, outPath, startApp, useRealApp } from './support/realApps'
import { haveChromium, leakedPairs, stuffLogin, typeLikeAPerson, wanderPointer } from './support/realAppsBrowser'

const EDGEWARD_PORT = 20200
const APP_PORT = 20201
const PERSON_IP = '127.0.0.1'
const STUFFER_IP = '127.0.20.77'
const USER = 'ada'
const PASSWORD = 'correct-horse-42'
const CONFIG = {
  version: 'e2e-jingo',
  // Jingo (passport-local) redirects a failed sign-in to /login and a good one to /auth/done.
  outcomes: { login: { failure_header: { name: 'location', value: '/login' } } },
}
const PAGE_TEXT = 'Deploys happen on Tuesdays; the on-call rota lives here.'

function jingoConfig(repo: string): string {
  const hash = createHash('sha1').update(PASSWORD).digest('hex') // jingo's own tools.hashify
  return `application:
  title: Team Wiki
  repository: ${repo}
  secret: e2e-${createHash('sha1').update(repo).digest('hex')}
  git: git
  skipGitCheck: true
  loggingMode: 0
authentication:
  google: { enabled: false }
  github: { enabled: false }
  local:
    enabled: true
    accounts:
      - { username: ${USER}, passwordHash: ${hash}, email: ada@example.com }
features: { codemirror: true, gravatar: false }
server: { hostname: 127.0.0.1, port: ${APP_PORT}, localOnly: true, baseUrl: '' }
authorization: { anonRead: false, validMatches: .+, emptyEmailMatches: false }
`
}

describe.skipIf(!haveChromium && process.env.CI === undefined)('Jingo behind edgeward, used by a person, attacked by a script', () => {
  const run = useRealApp('jingo', {
    edgewardPort: EDGEWARD_PORT,
    personIp: PERSON_IP,
    config: CONFIG,
    startApp: (dir) => {
      gitInit(join(dir, 'wiki'))
      writeFileSync(join(dir, 'config.yaml'), jingoConfig(join(dir, 'wiki')))
      return startApp('node', ['node_modules/jingo/jingo', '-c', join(dir, 'config.yaml')], { port: APP_PORT, readyPath: '/login' })
    },
  })

  async function signIn(password: string): Promise<void> {
    const { page } = run.person
    await page.waitForSelector('input[name=username]', { timeout: 15_000 })
    await wanderPointer(page)
    await page.fill('input[name=username]', '')
    await typeLikeAPerson(page, 'input[name=username]', USER)
    await typeLikeAPerson(page, 'input[name=password]', password)
    await Promise.all([page.waitForNavigation({ timeout: 15_000 }), page.click('button[type=submit]')])
  }

  it('takes the config with the app’s failure marker', async () => {
    expect(await healthConfig(run.edge.url)).toBe(CONFIG.version)
  })

  it('sends a first visit to the sign-in page without mitigating any request', async () => {
    const { page } = run.person
    await page.goto(`${run.edge.url}/`, { waitUntil: 'load' })
    expect(new URL(page.url()).pathname).toBe('/login')
    await page.screenshot({ path: outPath('jingo-1-first-load.png') })
    run.watch.expectNoMitigation('first load')
  })

  it('signs in and writes the wiki’s first page', async () => {
    const { page } = run.person
    await signIn(PASSWORD)
    // An empty wiki sends its first user to create the home page.
    await page.waitForSelector('form.edit .CodeMirror', { timeout: 15_000 })
    await typeLikeAPerson(page, 'form.edit .CodeMirror', PAGE_TEXT)
    await Promise.all([page.waitForNavigation({ timeout: 15_000 }), page.click('form.edit [type=submit]')])
    expect(await page.textContent('#js--content')).toContain(PAGE_TEXT)
    expect(execFileSync('git', ['log', '--oneline'], { cwd: join(run.dir, 'wiki') }).toString()).not.toBe('')
    await page.screenshot({ path: outPath('jingo-2-page-written.png') })
    run.watch.expectNoMitigation('sign-in and first page')
  })

  it('reads the page list behind the login, then signs out and is sent back to sign in', async () => {
    const { page } = run.person
    await page.goto(`${run.edge.url}/wiki`, { waitUntil: 'load' })
    expect(await page.textContent('body')).toContain('home')
    await wanderPointer(page)
    await Promise.all([page.waitForNavigation({ timeout: 15_000 }), page.click('a[href="/logout"]')])
    await page.goto(`${run.edge.url}/wiki/home`, { waitUntil: 'load' })
    expect(new URL(page.url()).pathname).toBe('/login')
    await page.screenshot({ path: outPath('jingo-3-signed-out.png') })
    run.watch.expectNoMitigation('reading behind the login and signing out')
  })

  it('mistypes the password three times, then gets in', async () => {
    const { page } = run.person
    for (const wrong of ['correct-horse-43', 'correcthorse-42', 'Correct-horse-42']) {
      await signIn(wrong)
      expect(new URL(page.url()).pathname).toBe('/login')
      await page.waitForTimeout(900)
    }
    await page.screenshot({ path: outPath('jingo-4-wrong-password.png') })
    await signIn(PASSWORD)
    expect(await page.textContent('#js--content')).toContain(PAGE_TEXT)
    await page.screenshot({ path: outPath('jingo-5-back-in.png') })
    run.watch.expectNoMitigation('three wrong passwords then the right one')
  })

  it('stops a stuffing script on /login within five attempts', async () => {
    const results = await stuffLogin(
      {
        url: run.edge.url,
        path: '/login',
        localAddress: STUFFER_IP,
        contentType: 'application/x-www-form-urlencoded',
        body: (u, p) => new URLSearchParams({ username: u, password: p }).toString(),
      },
      leakedPairs(36),
    )
    expectStoppedEarly(results, run.edge.logLines().filter((l) => l.ip === STUFFER_IP), 'jingo-stuffing.txt', 5)
  })
})
