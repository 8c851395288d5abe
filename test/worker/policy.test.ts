import { env, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { PASSWORD_SHARDS } from '../../src/counters/keys'
import { callWorker, clearConfig, writeConfig, loadForm, ownSite, signInPeople } from '../support/worker'
import { deviceCookie } from '../support/journey'

afterEach(clearConfig)
// Each test is a site of its own: its people and stuffers are the site's only cookie-less sign-ins.
let sites = 0
beforeEach(() => ownSite(`policy${++sites}`))


const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36' }
const deny401 = () => new Response('no', { status: 401 })

describe('the default rules through the Worker', () => {
  it('stops credential stuffing from one source by the 5th attempt and deny-lists it', async () => {
    // The model's thresholds out of the way: this is about the rule and the deny list.
    // A wide counters budget: this is about the rule, not the deadline (a busy test box misses 25 ms).
    await writeConfig({ version: 'rules-only', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    await signInPeople(10)
    const ip = '198.51.100.23'
    await loadForm(ip) // a browser reads the form before it posts (cold_sign_in)
    const actions: string[] = []
    for (let i = 1; i <= 6; i++) {
      const body = `username=user${String(i).padStart(4, '0')}%40example.com&password=guess${i}`
      const { logs } = await callWorker('/login', { method: 'POST', body, headers: FORM }, { clientIp: ip, reply: deny401 })
      actions.push(String(logs[0]?.action))
    }
    const first = actions.findIndex((a) => a !== 'allow') + 1
    expect(first).toBeGreaterThan(0)
    expect(first).toBeLessThanOrEqual(5)
    expect(actions[first - 1]).toBe('block')
    expect(first).toBe(5)
    // The source is now on the deny list: even a plain page is blocked, before any scoring.
    const { response, logs, seen } = await callWorker('/products/1', {}, { clientIp: ip })
    expect(response.status).toBe(403)
    expect(seen).toHaveLength(0)
    expect(logs[0]).toMatchObject({ action: 'block', source: 'deny_list' })
  })

  it('is not diluted by a stuffer signing in again and again to its own account between guesses', async () => {
    await writeConfig({ version: 'rules-only-padded', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    await signInPeople(10)
    const ip = '198.51.100.24'
    await loadForm(ip) // a browser reads the form before it posts (cold_sign_in)
    const own = 'username=mine%40example.com&password=right'
    const answer = (seen: { body: Uint8Array }) => new Response('', { status: new TextDecoder().decode(seen.body) === own ? 200 : 401 })
    // Each guess's line: stopped by the rule itself, or by the deny entry it left on one of the own
    // sign-ins in between (the rule fires on whichever attempt comes after the 4th refusal).
    const stopped: boolean[] = []
    for (let i = 1; i <= 6; i++) {
      for (let k = 0; k < 3; k++) await callWorker('/login', { method: 'POST', body: own, headers: FORM }, { clientIp: ip, reply: answer })
      const body = `username=victim${i}%40example.com&password=guess${i}`
      const { logs } = await callWorker('/login', { method: 'POST', body, headers: FORM }, { clientIp: ip, reply: answer })
      stopped.push((logs[0]?.rules as string[]).includes('credential_stuffing') || logs[0]?.source === 'deny_list')
    }
    // Three own sign-ins per guess: attempts are 75 % successes, but the guessed usernames still fail.
    expect(stopped.indexOf(true) + 1).toBeGreaterThan(0)
    expect(stopped.indexOf(true) + 1).toBeLessThanOrEqual(5)
  })

  it('does not take ten people behind one address without JavaScript, three of them mistyping once, for stuffers', async () => {
    await writeConfig({ version: 'rules-only-office', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    const ip = '198.51.100.25'
    await loadForm(ip) // a browser reads the form before it posts (cold_sign_in)
    const lines: Record<string, unknown>[] = []
    for (let p = 1; p <= 10; p++) {
      const user = `office${p}%40example.com`
      if (p % 3 === 0) lines.push((await callWorker('/login', { method: 'POST', body: `username=${user}&password=typo`, headers: FORM }, { clientIp: ip, reply: deny401 })).logs[0]!)
      lines.push((await callWorker('/login', { method: 'POST', body: `username=${user}&password=right`, headers: FORM }, { clientIp: ip, reply: () => new Response('', { status: 200 }) })).logs[0]!)
    }
    expect(lines.map((l) => l.action)).toEqual(Array(13).fill('allow'))
    expect(lines.flatMap((l) => l.rules as string[])).not.toContain('credential_stuffing')
  })

  it('challenges cookie-less browsers\' sign-ins once the site\'s refusals pass twice its sign-ins: a spread run that reads the form first', async () => {
    await writeConfig({ version: 'rules-only-wave', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    // One attempt per fresh address, each having read / and /login like a browser without JavaScript:
    // no address, username or header set has a count of its own.
    const attempt = async (i: number) => {
      const ip = `100.64.${i}.9`
      await loadForm(ip, { path: '/' })
      await loadForm(ip)
      return (await callWorker('/login', { method: 'POST', body: `username=spread${i}%40example.com&password=guess`, headers: FORM }, { clientIp: ip, reply: deny401 })).logs[0]!
    }
    const lines = []
    for (let i = 1; i <= 5; i++) lines.push(await attempt(i))
    expect(lines.map((l) => l.action)).toEqual(['allow', 'allow', 'challenge', 'challenge', 'challenge'])
    expect(lines[2]).toMatchObject({ source: 'rule', rules: expect.arrayContaining(['cookieless_sign_in_wave']) })
    expect((lines[2]!.reasons as string[])[0]).toBe('cookieless_sign_in_wave')
    // A sign-in that is not a cookie-less browser's is not in the cohort: a declared tool is the model's and its own rules'.
    const tool = await callWorker('/login', { method: 'POST', body: 'username=app%40example.com&password=right', headers: { ...FORM, 'user-agent': 'okhttp/4.12.0' } }, { clientIp: '100.64.99.9', reply: () => new Response('', { status: 200 }) })
    expect(tool.logs[0]?.rules).not.toContain('cookieless_sign_in_wave')
  })

  describe('new browsers\' sign-ins to accounts with no past, taken together (new_device_sign_in_wave)', () => {
    const UA = FORM['user-agent']
    const ok = () => new Response('', { status: 200 })
    /** A fresh browser profile at a fresh address: reads the form, runs the SDK for a cookie, posts one sign-in. */
    const freshBrowser = async (ip: string, username: string, reply: () => Response) => {
      await loadForm(ip, { headers: { 'user-agent': UA } })
      const { cookie } = await deviceCookie(ip, { userAgent: UA })
      const body = `username=${encodeURIComponent(username)}&password=guess`
      return (await callWorker('/login', { method: 'POST', body, headers: { ...FORM, cookie } }, { clientIp: ip, reply })).logs[0]!
    }
    const RULES_ONLY = { thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } }

    it('sends a fresh profile\'s guess at a name the site never let in for step-up (review), once its refusals pass twice its sign-ins; a name with a past is not the wave\'s', async () => {
      await writeConfig({ version: 'rules-only-new-device-wave', ...RULES_ONLY })
      // An account with a past on this site: let in once, from its owner's browser.
      expect((await freshBrowser('100.66.200.9', 'owner@example.com', ok)).action).toBe('allow')
      // That first sign-in was to an account with no past yet: the cohort's one let in. Refused: 1, 2,
      // 3 (> 2 × 1 from here on).
      const lines = []
      for (let i = 1; i <= 5; i++) lines.push(await freshBrowser(`100.66.${i}.9`, `stranger${i}@example.com`, deny401))
      expect(lines.map((l) => l.action)).toEqual(['allow', 'allow', 'allow', 'review', 'review'])
      expect((lines[3]!.reasons as string[])[0]).toBe('new_device_sign_in_wave')
      // The cookie-less cohort is another: a browser without JavaScript is not held to this one.
      expect(lines[3]!.rules).not.toContain('cookieless_sign_in_wave')
      // During the wave, a new browser signing in to an account the site let in before is not held by it.
      const owner = await freshBrowser('100.66.201.9', 'owner@example.com', ok)
      expect(owner.rules).not.toContain('new_device_sign_in_wave')
      expect(owner.action).toBe('allow')
      // A cookie replayed from another client is no new browser of this one's: in neither cohort, held by
      // neither wave (the cookie-less one's challenge would not lift for a person whose network changed).
      await loadForm('100.66.150.9', { headers: { 'user-agent': UA } })
      const { cookie } = await deviceCookie('100.66.150.9', { userAgent: UA })
      const replayed = (await callWorker('/login', { method: 'POST', body: 'username=stranger9%40example.com&password=guess', headers: { ...FORM, cookie } }, { clientIp: '100.99.7.9', reply: deny401 })).logs[0]!
      expect(replayed.cookie).toMatch(/^replayed/)
      expect(replayed.rules).not.toContain('new_device_sign_in_wave')
      expect(replayed.rules).not.toContain('cookieless_sign_in_wave')
    })

    it('counts a stepped-up sign-in the origin let in on the password alone as no let-in: a stuffer cannot dilute the wave with its own accounts stepped up', async () => {
      await writeConfig({ version: 'rules-only-new-device-unconfirmed', ...RULES_ONLY, rules: [...DEFAULT_CONFIG.rules, { name: 'step_up_everything', when: 'route == "login" and credential_attempt', action: 'review', priority: 60 }] })
      // Three of its own accounts, each stepped up and let in on the password (the origin never says the second factor passed).
      for (let i = 1; i <= 3; i++) expect((await freshBrowser(`100.69.${i}.9`, `own${i}@example.com`, ok)).action).toBe('review')
      const guesses = []
      for (let i = 1; i <= 3; i++) guesses.push(await freshBrowser(`100.69.${10 + i}.9`, `target${i}@example.com`, deny401))
      // Were the three let-ins counted, refusals 2 and 3 would stay under twice them.
      expect(guesses.map((l) => (l.rules as string[]).includes('new_device_sign_in_wave'))).toEqual([false, false, true])
    })

    it('does not count people on new browsers mistyping their own passwords: only refusals of names with no past make the wave', async () => {
      await writeConfig({ version: 'rules-only-new-device-own-typos', ...RULES_ONLY })
      await signInPeople(3) // three accounts with a past (let in from browsers without JavaScript: the other cohort)
      for (let i = 1; i <= 3; i++) expect((await freshBrowser(`100.68.${i}.9`, `person${i}@example.com`, deny401)).rules).not.toContain('new_device_sign_in_wave')
      const next = await freshBrowser('100.68.10.9', 'stranger@example.com', deny401)
      expect(next.rules).not.toContain('new_device_sign_in_wave')
      expect(next.action).toBe('allow')
    })

    it('leaves a site alone whose new browsers mostly get in: on the first day every account has no past, and refusals stay under twice the sign-ins', async () => {
      await writeConfig({ version: 'rules-only-new-device-first-day', ...RULES_ONLY })
      for (let i = 1; i <= 3; i++) expect((await freshBrowser(`100.67.${i}.9`, `newcomer${i}@example.com`, ok)).action).toBe('allow')
      const typos = []
      for (let i = 1; i <= 3; i++) typos.push(await freshBrowser(`100.67.${10 + i}.9`, `mistyped${i}@example.com`, deny401))
      expect(typos.map((l) => l.action)).toEqual(['allow', 'allow', 'allow'])
      expect(typos.flatMap((l) => l.rules as string[])).not.toContain('new_device_sign_in_wave')
    })
  })

  it('marks cookie-less browsers\' checkouts review once the site\'s declines pass half its paid orders: a card tester spread one card per address', async () => {
    await writeConfig({ version: 'rules-only-carding-wave', thresholds: { default: { challenge: 1, block: 1 }, checkout: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    const pay = (status: number) => () => new Response('', { status })
    const checkout = async (ip: string, status: number) => {
      await loadForm(ip, { path: '/products/7' })
      return (await callWorker('/checkout', { method: 'POST', body: 'card_number=4111111111111111&exp=12%2F29&cvv=123&amount=9.99', headers: FORM }, { clientIp: ip, reply: pay(status) })).logs[0]!
    }
    // The site's people without JavaScript pay for four orders: two declines in the hour are theirs to make.
    for (let i = 1; i <= 4; i++) expect((await checkout(`192.0.2.${40 + i}`, 200)).action).toBe('allow')
    const tester: Record<string, unknown>[] = []
    for (let i = 1; i <= 5; i++) tester.push(await checkout(`100.66.${i}.9`, 402))
    // Declines must pass half of the four paid: the 3rd decline turns it on, the 4th card goes to the
    // origin for its payment check (never a challenge: people without JavaScript are the cohort too).
    expect(tester.map((l) => l.action)).toEqual(['allow', 'allow', 'allow', 'review', 'review'])
    expect(tester[3]).toMatchObject({ source: 'rule', rules: expect.arrayContaining(['cookieless_carding_wave']) })
    // A checkout by a browser with a device cookie is not in the cohort: the wave is not its rule.
    const withDevice = await callWorker('/checkout', { method: 'POST', body: 'card_number=4111111111111111&exp=12%2F29&cvv=123&amount=9.99', headers: { ...FORM, cookie: (await deviceCookie('100.66.9.9')).cookie } }, { clientIp: '100.66.9.9', reply: pay(402) })
    expect(withDevice.logs[0]?.rules).not.toContain('cookieless_carding_wave')
  })

  it("never lets the model alone challenge or block a cookie-less browser's first two sign-ups in 10 minutes; from its third it acts as ever", async () => {
    // Thresholds that the model's score passes even on the request's own signals alone (~0.57 on its whole view here).
    await writeConfig({ version: 'signup-guardrail', thresholds: { signup: { challenge: 0.01, block: 0.02 } }, counters: { budget_ms: 1000 } })
    const created = () => new Response('', { status: 201 })
    const ip = '192.0.2.160'
    const lines = []
    for (let i = 0; i < 3; i++) {
      await loadForm(ip, { path: '/signup' })
      const body = `username=n${i}-${sites}%40example.com&email=n${i}-${sites}%40example.com&password=long-enough-${i}`
      lines.push((await callWorker('/signup', { method: 'POST', body, headers: FORM }, { clientIp: ip, reply: created })).logs[0]!)
    }
    // The model's score passes the block threshold on each…
    const [first, second, third] = lines as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]
    for (const l of [first, second]) {
      expect(l.model_risk as number).toBeGreaterThanOrEqual(0.02)
      // …and on the first two its score is a reason for the origin, not an action.
      expect(l).toMatchObject({ action: 'allow', source: 'model', reasons: expect.arrayContaining(['review']) })
    }
    expect(third.model_risk as number).toBeGreaterThanOrEqual(0.02)
    expect(third).toMatchObject({ action: 'block', source: 'model' })
  })

  it('challenges a sign-up at a throwaway-inbox domain at once, and the second account of one mailbox under aliases', async () => {
    await writeConfig({ version: 'rules-only-signup', thresholds: { default: { challenge: 1, block: 1 }, signup: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 }, email: { disposable_extra: ['throwaway.example'], disposable_allow: [] } })
    const created = () => new Response('', { status: 201 })
    const signUp = async (email: string, ip: string) =>
      (await callWorker('/signup', { method: 'POST', body: `username=u${Math.random()}&email=${encodeURIComponent(email)}&password=long-enough-1`, headers: FORM }, { clientIp: ip, reply: created })).logs[0]!
    // A person's own address: let in. Another person's mailbox: let in too.
    expect((await signUp(`jane.doe.${sites}@gmail.com`, '192.0.2.91')).action).toBe('allow')
    expect((await signUp(`john.roe.${sites}@gmail.com`, '192.0.2.91')).action).toBe('allow')
    // The same mailbox again within the hour, spelt without dots at googlemail.com under a +tag, from
    // another address: its second account, challenged.
    const second = await signUp(`janedoe${sites}+x@googlemail.com`, '192.0.2.93')
    expect(second).toMatchObject({ action: 'challenge', rules: expect.arrayContaining(['mailbox_signup_repeat']) })
    for (const [i, email] of [`x7k2q${sites}@mailinator.com`, `q9${sites}@in.throwaway.example`].entries()) {
      expect(await signUp(email, `192.0.2.${94 + i}`)).toMatchObject({ action: 'challenge', rules: expect.arrayContaining(['disposable_email_signup']) })
    }
    // A plain decoy in `username` beside a throwaway `email`: two inboxes, and the throwaway one counts.
    const decoyed = (await callWorker('/signup', { method: 'POST', body: `username=decoy${sites}%40gmail.com&email=x8k${sites}%40mailinator.com&password=long-enough-1`, headers: FORM }, { clientIp: '192.0.2.97', reply: created })).logs[0]!
    expect(decoyed).toMatchObject({ action: 'challenge', rules: expect.arrayContaining(['hidden_credentials', 'disposable_email_signup']) })
  })

  it('challenges a password sprayed on many accounts from many addresses once 10 accounts refused it — not one people share and get in with', async () => {
    await writeConfig({ version: 'rules-only-spray', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    const ok200 = () => new Response('', { status: 200 })
    // Each reads the form first, as a browser does (cold_sign_in is another rule's business).
    const signIn = async (user: string, password: string, ip: string, reply = deny401) => {
      await loadForm(ip)
      return (await callWorker('/login', { method: 'POST', body: `username=${encodeURIComponent(user)}&password=${encodeURIComponent(password)}`, headers: FORM }, { clientIp: ip, reply })).logs[0]!
    }
    const tag = `${sites}-${Date.now()}`
    // Twenty people whose password is the same common one get in with it (and keep the site's
    // cookie-less sign-ins, which the spray joins, from reading as a wave: cookieless_sign_in_wave).
    const common = `Summer2026!${tag}`
    for (let i = 1; i <= 20; i++) expect((await signIn(`person${i}-${tag}@example.com`, common, `192.0.2.${100 + i}`, ok200)).action).toBe('allow')
    // A spray: three passwords, one try per account, each from its own address.
    const sprayed = [`Winter2026!${tag}`, `Password1!${tag}`, `Welcome1!${tag}`]
    const lines = []
    for (let i = 0; i < 36; i++) lines.push(await signIn(`victim${i}-${tag}@example.com`, sprayed[i % 3]!, `100.70.${i}.9`))
    const first = lines.findIndex((l) => l.action !== 'allow')
    // Each password's 11th account (after 10 refused) is the first challenged: attempt 31 of the spray.
    expect(first + 1).toBe(31)
    expect(lines[first]).toMatchObject({ action: 'challenge', rules: expect.arrayContaining(['password_spraying']) })
    // The people's common password, refused for 10 accounts now, still weighs 20 let in: not a spray.
    for (let i = 0; i < 10; i++) await signIn(`guess${i}-${tag}@example.com`, common, `100.71.${i}.9`)
    expect((await signIn(`person1-${tag}@example.com`, common, '192.0.2.101', ok200)).rules).not.toContain('password_spraying')
    // The log line carries no password, and no unkeyed digest of one.
    const plainSha = [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(sprayed[0]!)))].map((b) => b.toString(16).padStart(2, '0')).join('')
    for (const l of lines) {
      const text = JSON.stringify(l)
      for (const p of sprayed) expect(text).not.toContain(p)
      expect(text).not.toContain(plainSha.slice(0, 16))
    }
    // Nor does any password shard: every row of all of them, searched for each password and its unkeyed SHA-1 and SHA-256.
    const stored = await Promise.all(
      Array.from({ length: PASSWORD_SHARDS }, (_, n) =>
        runInDurableObject(env.PASSWORD_TRIES.get(env.PASSWORD_TRIES.idFromName(JSON.stringify(['password', 'shard', n]))), (_obj, state) => {
          const tables = ['tries', 'sources', 'outcomes'].map((t) => state.storage.sql.exec(`SELECT * FROM ${t}`).toArray())
          return { text: JSON.stringify(tables), tries: tables[0]!.length }
        }),
      ),
    )
    const everything = stored.map((s) => s.text).join('\n')
    // Real rows were searched: this test's 66 sign-ins are in there (beside any other test's).
    expect(stored.reduce((n, s) => n + s.tries, 0)).toBeGreaterThanOrEqual(66)
    for (const p of [...sprayed, common]) {
      expect(everything).not.toContain(p)
      for (const algo of ['SHA-1', 'SHA-256']) {
        const hex = [...new Uint8Array(await crypto.subtle.digest(algo, new TextEncoder().encode(p)))].map((b) => b.toString(16).padStart(2, '0')).join('')
        expect(everything.toLowerCase()).not.toContain(hex.slice(0, 16))
      }
    }
  }, 30_000)

  it('keeps a spray in count when it moves or hides its password: a decoy password first is challenged at once, padding past the cap joins one key', async () => {
    await writeConfig({ version: 'rules-only-spray-hidden', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 }, credentials: { max_body_bytes: 256 } })
    const tag = `${sites}-${Date.now()}`
    const post = async (body: string, ip: string) => {
      await loadForm(ip)
      return (await callWorker('/login', { method: 'POST', body, headers: FORM }, { clientIp: ip, reply: deny401 })).logs[0]!
    }
    // A fresh decoy before the password the origin reads (it reads the last): two passwords, a decoy.
    const decoy = await post(`username=v0-${tag}%40example.com&password=decoy${Math.random()}&password=Winter2026!`, '100.72.0.9')
    expect(decoy).toMatchObject({ action: 'challenge', rules: expect.arrayContaining(['hidden_credentials']) })
    // Padding past what edgeward reads, then the credentials: no username, no password read.
    const lines = []
    for (let i = 1; i <= 12; i++) lines.push(await post(`pad=${'x'.repeat(300)}&username=v${i}-${tag}%40example.com&password=Winter2026!`, `100.73.${i}.9`))
    // Ten refused, unreadable sign-ins of the site: the 11th is challenged.
    expect(lines.findIndex((l) => l.action !== 'allow') + 1).toBe(11)
    expect(lines[10]).toMatchObject({ action: 'challenge', rules: expect.arrayContaining(['password_spraying']) })
  }, 30_000)

  it('weighs a spread run\'s refusals against the site\'s people: three people let in hold the wave off until the 7th refusal', async () => {
    await writeConfig({ version: 'rules-only-wave-diluted', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    await signInPeople(3)
    const actions: string[] = []
    for (let i = 1; i <= 9; i++) {
      const ip = `100.65.${i}.9`
      await loadForm(ip)
      actions.push((await callWorker('/login', { method: 'POST', body: `username=diluted${i}%40example.com&password=guess`, headers: FORM }, { clientIp: ip, reply: deny401 })).logs[0]!.action as string)
    }
    // Refusals must pass twice the three sign-ins: 7 refused, then the 8th attempt is challenged.
    expect(actions.indexOf('challenge') + 1).toBe(8)
  })

  it('challenges a sign-in that names a decoy beside its victim at once, from any address, but not a signup form', async () => {
    await writeConfig({ version: 'decoys', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    const tries = [
      `Username=decoy${Math.random()}&username=victim%40example.com&password=guess`,
      `username=decoy${Math.random()}&email=victim%40example.com&password=guess`,
    ]
    for (const [i, body] of tries.entries()) {
      const { logs, seen } = await callWorker('/login', { method: 'POST', body, headers: FORM }, { clientIp: `198.51.100.${60 + i}`, reply: deny401 })
      expect(logs[0]).toMatchObject({ action: 'challenge', rules: expect.arrayContaining(['hidden_credentials']) })
      expect(seen).toHaveLength(0)
    }
    const signup = await callWorker('/signup', { method: 'POST', body: 'username=bobby&email=bob%40example.com&password=long-enough', headers: FORM }, { clientIp: '198.51.100.62', reply: () => new Response('', { status: 201 }) })
    expect(signup.logs[0]?.rules).not.toContain('hidden_credentials')
  })

  it('does not take an office whose people retry their typos (8 people, 5 refused sign-ins) for stuffers', async () => {
    await writeConfig({ version: 'rules-only-office-retries', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    const ip = '198.51.100.26'
    await loadForm(ip) // a browser reads the form before it posts (cold_sign_in)
    const lines: Record<string, unknown>[] = []
    // Person 1 mistypes three times, person 2 twice: five refused sign-ins, but two refused usernames of eight.
    for (let p = 1; p <= 8; p++) {
      const user = `retry${p}%40example.com`
      const typos = p === 1 ? 3 : p === 2 ? 2 : 0
      for (let t = 0; t < typos; t++) lines.push((await callWorker('/login', { method: 'POST', body: `username=${user}&password=typo${t}`, headers: FORM }, { clientIp: ip, reply: deny401 })).logs[0]!)
      lines.push((await callWorker('/login', { method: 'POST', body: `username=${user}&password=right`, headers: FORM }, { clientIp: ip, reply: () => new Response('', { status: 200 }) })).logs[0]!)
    }
    expect(lines.map((l) => l.action)).toEqual(Array(13).fill('allow'))
    expect(lines.flatMap((l) => l.rules as string[])).not.toContain('credential_stuffing')
    expect(lines.flatMap((l) => l.rules as string[])).not.toContain('access_diversity_ip')
  })

  it('does not block an office where three of the first five people mistype once (dev seed 11 at full scale)', async () => {
    await writeConfig({ version: 'rules-only-office-three-typos', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    const ip = '198.51.100.28'
    await loadForm(ip) // a browser reads the form before it posts (cold_sign_in)
    const login = async (p: number, ok: boolean) =>
      (await callWorker('/login', { method: 'POST', body: `username=three${p}%40example.com&password=${ok ? 'right' : 'typo'}`, headers: FORM }, { clientIp: ip, reply: ok ? () => new Response('', { status: 200 }) : deny401 })).logs[0]!
    // In, typo, typo, in, typo — then the first to mistype tries again: 3 refused of 5 was "more than half".
    const lines = [await login(1, true), await login(2, false), await login(3, false), await login(4, true), await login(5, false), await login(2, true)]
    expect(lines.map((l) => l.action)).toEqual(Array(6).fill('allow'))
    expect(lines.flatMap((l) => l.rules as string[])).not.toContain('credential_stuffing')
  })

  it('still takes a stuffer for one behind the same office address: eight usernames, each refused', async () => {
    await writeConfig({ version: 'rules-only-stuffer-8', thresholds: { default: { challenge: 1, block: 1 }, login: { challenge: 1, block: 1 } }, counters: { budget_ms: 1000 } })
    await signInPeople(10)
    const ip = '198.51.100.27'
    await loadForm(ip) // a browser reads the form before it posts (cold_sign_in)
    const actions: string[] = []
    for (let i = 1; i <= 8; i++) {
      const { logs } = await callWorker('/login', { method: 'POST', body: `username=target${i}%40example.com&password=guess`, headers: FORM }, { clientIp: ip, reply: deny401 })
      actions.push(logs[0]!.action as string)
    }
    // Five usernames tried, four refused before the fifth: blocked at the fifth attempt and deny-listed after.
    expect(actions.indexOf('block') + 1).toBe(5)
    expect(actions.slice(4).every((a) => a === 'block')).toBe(true)
  })

  it('rate-limits a scraper with 429 and Retry-After', async () => {
    await writeConfig({ version: 'scrape', rules: [{ name: 'scraping_rate', when: 'device.requests_1m >= 5', action: 'rate_limit' }], counters: { budget_ms: 1000 } })
    let last: Response | undefined
    for (let i = 0; i < 6; i++) last = (await callWorker(`/products/${i + 1}`, {}, { clientIp: '198.51.100.77' })).response
    expect(last?.status).toBe(429)
    expect(last?.headers.get('retry-after')).toBe('60')
    expect(last?.headers.get('edgeward-mitigated')).toBe('rate_limit')
  })

  it('blocks a declared bot on the login route but lets it read products', async () => {
    const bot = { 'user-agent': 'curl/8.5.0' }
    expect((await callWorker('/products/2', { headers: bot }, { clientIp: '198.51.100.90' })).response.status).toBe(200)
    const login = await callWorker('/login', { method: 'POST', body: 'username=a&password=b', headers: { ...bot, 'content-type': 'application/x-www-form-urlencoded' } }, { clientIp: '198.51.100.91' })
    expect(login.response.status).toBe(403)
    expect(login.logs[0]?.rules).toContain('declared_bot_on_sensitive_route')
  })

  it('blocks a User-Agent that claims Googlebot from an unverified address', async () => {
    const { response, logs } = await callWorker('/products/3', { headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } })
    expect(response.status).toBe(403)
    expect(logs[0]?.reasons).toContain('fake_search_engine')
  })

  it('lets a verified bot through on the allow list', async () => {
    const { response, logs } = await callWorker(
      '/products/3',
      { headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'x-edgeward-test-cf': JSON.stringify({ botManagement: { verifiedBot: true, score: 1 } }) } },
      { env: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } },
    )
    expect(response.status).toBe(200)
    // Bot Management verified it, and its User-Agent names its category: the category's policy lets it in.
    expect(logs[0]).toMatchObject({ source: 'allow_list', reasons: ['crawler_allow'], crawler: 'search_engine' })
  })

  it('logs in shadow mode what it would do and forwards', async () => {
    await writeConfig({ version: 'shadow', mode: 'shadow' })
    const { response, logs } = await callWorker('/login', { method: 'POST', body: 'username=a&password=b', headers: { 'user-agent': 'curl/8', 'content-type': 'application/x-www-form-urlencoded' } })
    expect(response.status).toBe(200)
    expect(logs[0]).toMatchObject({ action: 'allow', would_action: 'block', mode: 'shadow' })
  })
})

describe('the challenge round trip through the Worker', () => {
  it('challenges, accepts a solved proof of work with a clearance cookie, then allows; a replay is refused', async () => {
    const { CLIENT_IP, HTML_ACCEPT, UA, postVerify, setCookieValue, solveAndVerify } = await import('../support/challenge')
    await writeConfig({ version: 'challenge-all', thresholds: { other: { challenge: 0, block: 1 } } })
    const headers = { accept: HTML_ACCEPT, 'user-agent': UA }
    const first = await callWorker('/products/7', { headers }, { clientIp: CLIENT_IP })
    expect(first.response.status).toBe(403)
    expect(first.response.headers.get('edgeward-mitigated')).toBe('challenge')
    const link = /\/__edgeward\/challenge\?([^"]+)"/.exec(await first.response.text())?.[1]?.replace(/&amp;/g, '&')
    expect(link).toBeDefined()

    const { verify, fields } = await solveAndVerify(link ?? '')
    expect(verify.response.status).toBe(303)
    expect(verify.response.headers.get('location')).toBe('/products/7')
    const clearance = setCookieValue(verify.response, '__edgeward_clearance')
    expect(clearance).toBeDefined()

    const after = await callWorker('/products/7', { headers: { ...headers, cookie: `__edgeward_clearance=${clearance}` } }, { clientIp: CLIENT_IP })
    expect(after.response.status).toBe(200)
    expect(after.logs[0]).toMatchObject({ action: 'allow', would_action: 'allow' })
    expect(after.logs[0]?.reasons).toContain('cleared')

    const replay = await postVerify(fields)
    expect(replay.response.status).toBe(403)
    expect(replay.response.headers.get('set-cookie')).toBeNull()
  })
})
