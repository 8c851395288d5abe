// The leaked-credential check through the Worker inside workerd, against the real local range server
// over the breach corpus (test/e2e/support/leakedRangeSetup.ts): a breached password is flagged on
// every attempt and a generated strong one never; a person whose own password is a common one goes
// to the origin marked `review` with `x-edgeward-leaked`, never blocked; a late, failed or garbled
// range fails open and says so in `missing`; and no line carries the password, its SHA-1 or its
// range prefix (docs/leaked.md).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { rangeProbe, pairSecret } from '../../src/leaked/range'
import corpusFile from '../../src/leaked/data/common-passwords.json'
import demoPairs from '../../src/leaked/data/demo-pairs.json'
import { resetLeakedMemoForTests } from '../../worker/leaked'
import { CORPUS_SOURCE, isRangeRequest, PAIR_RANGE_URL, RANGE_URL, withRangeServer } from '../support/leaked'
import { useConfig } from '../support/useConfig'
import { callWorker, clearConfig, ECHO_ORIGIN, loadForm, ownSite, type Call, type EchoReply, type Seen } from '../support/worker'

let sites = 0
beforeEach(() => {
  ownSite(`leaked${++sites}`)
  resetLeakedMemoForTests()
})
afterEach(clearConfig)

const FORM = 'application/x-www-form-urlencoded'
// A loaded machine (2 cores, simulations beside the tests) is slower than a colo: the deadline under
// test is exercised on its own below.
const PATIENT = 1000
let configs = 0
const checkOn = (leaked: Record<string, unknown> = {}) =>
  useConfig({ version: `leaked-${++configs}`, leaked: { range_url: RANGE_URL, pair_range_url: PAIR_RANGE_URL, deadline_ms: PATIENT, ...leaked } })

let hosts = 0
const freshIp = (): string => `100.90.${Math.floor(++hosts / 250)}.${(hosts % 250) + 1}`

/** A person's sign-in from a browser: reads the form, then posts it from the same address; the origin lets them in. */
async function signIn(username: string, password: string, options: { path?: string; origin?: EchoReply; headers?: Record<string, string> } = {}): Promise<Call> {
  const ip = freshIp()
  await loadForm(ip, { path: options.path ?? '/login' })
  const body = new URLSearchParams(options.path === '/signup' ? { email: username, password } : { username, password }).toString()
  return callWorker(options.path ?? '/login', { method: 'POST', body, headers: { 'content-type': FORM, ...options.headers } }, { clientIp: ip, reply: withRangeServer(options.origin) })
}

const originSaw = (c: Call): Seen | undefined => c.seen.find((s) => s.url.startsWith(ECHO_ORIGIN))
const line = (c: Call): Record<string, unknown> => c.logs[0] ?? {}
const rules = (c: Call): string[] => (line(c).rules as string[] | undefined) ?? []

/**
 * Every line the request left, lower-cased, its random fields (ref, ray, ts) masked so a chance hex
 * run cannot match; `user` too where a 5-hex prefix is looked for (a keyed hash of the username, 32
 * hex digits of which any 5 could spell a prefix by chance).
 */
function written(c: Call, mask: readonly string[] = ['ref', 'ray', 'ts']): string {
  const masked = c.logs.map((l) => JSON.stringify({ ...l, ...Object.fromEntries(mask.map((k) => [k, '-'])) }))
  return [...masked, ...c.errors].join('\n').toLowerCase()
}

/** Whole words of what was written (`counters_password_timeout` is one word, not `password`). */
const words = (text: string): Set<string> => new Set(text.split(/[^a-z0-9_.@%+\-]+/).filter((w) => w !== ''))

/** The password, its SHA-1 and its range prefix (and the pair's) appear nowhere in what was written. */
async function expectNothingOf(c: Call, password: string, username?: string): Promise<void> {
  const text = written(c)
  const noUser = written(c, ['ref', 'ray', 'ts', 'user'])
  const said = words(text)
  expect(said.has(password.toLowerCase())).toBe(false)
  expect(said.has(encodeURIComponent(password).toLowerCase())).toBe(false)
  if (password.length >= 10) expect(text).not.toContain(password.toLowerCase())
  for (const secret of [password, ...(username === undefined ? [] : [pairSecret(username, password)])]) {
    const probe = await rangeProbe(secret)
    expect(text).not.toContain(`${probe.prefix}${probe.suffix}`.toLowerCase())
    expect(text).not.toContain(probe.suffix.toLowerCase())
    expect(noUser).not.toContain(probe.prefix.toLowerCase())
  }
}

/** Every 20th of the corpus' 2,000 most common passwords: 100 breached passwords of every rank. */
const BREACHED = corpusFile.passwords.filter((_, i) => i % 20 === 7)

function strongPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18))
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, 'x')
}

describe('the leaked-credential check, against the local range server', () => {
  it('serves the corpus it says it does', () => {
    expect(CORPUS_SOURCE).toMatch(/^@zxcvbn-ts\/language-common@\d/)
    expect(BREACHED).toHaveLength(100)
  })

  it('flags a breached password on every attempt, and never logs it, its SHA-1 or its prefix', async () => {
    await checkOn()
    let flagged = 0
    for (const [i, password] of BREACHED.entries()) {
      const c = await signIn(`person${i}@example.com`, password)
      if (rules(c).includes('leaked_password') && originSaw(c)?.headers.get('x-edgeward-leaked') === 'password') flagged++
      expect(line(c).action, password).toBe('review')
      await expectNothingOf(c, password, `person${i}@example.com`)
    }
    expect(flagged / BREACHED.length).toBe(1)
  }, 180_000)

  it('flags none of 100 generated strong passwords', async () => {
    await checkOn()
    let flagged = 0
    for (let i = 0; i < 100; i++) {
      const password = strongPassword()
      const c = await signIn(`strong${i}@example.com`, password)
      if (rules(c).some((r) => r.startsWith('leaked_')) || originSaw(c)?.headers.has('x-edgeward-leaked')) flagged++
      expect(line(c).action).toBe('allow')
      expect((line(c).missing as string[]).filter((m) => m.startsWith('leaked_'))).toEqual([])
      await expectNothingOf(c, password, `strong${i}@example.com`)
    }
    expect(flagged).toBe(0)
  }, 180_000)

  it('sends a person with a common password on to the origin marked review, never blocked or challenged', async () => {
    await checkOn()
    const c = await signIn('alice@example.com', 'sunshine')
    expect(c.response.status).toBe(200)
    expect(c.response.headers.has('edgeward-mitigated')).toBe(false)
    expect(c.response.headers.has('x-edgeward-leaked')).toBe(false) // the origin's, not the client's
    const origin = originSaw(c)
    expect(origin?.headers.get('x-edgeward-action')).toBe('review')
    expect(origin?.headers.get('x-edgeward-leaked')).toBe('password')
    expect(origin?.headers.get('x-edgeward-reasons')).toContain('leaked_password')
    expect(line(c).reasons).toContain('leaked_password')
  })

  it('checks a sign-up and a password change too', async () => {
    await checkOn()
    const signup = await signIn('new@example.com', 'iloveyou', { path: '/signup' })
    expect(originSaw(signup)?.headers.get('x-edgeward-leaked')).toBe('password')
    const ip = freshIp()
    const change = await callWorker('/password-reset/confirm', { method: 'POST', body: 'token=abc&password=trustno1', headers: { 'content-type': FORM } }, { clientIp: ip, reply: withRangeServer() })
    expect(originSaw(change)?.headers.get('x-edgeward-leaked')).toBe('password')
    expect(rules(change)).toContain('leaked_password')
    await expectNothingOf(change, 'trustno1')
  })

  it('flags a leaked username + password pair as `pair`, whatever the username\'s case, and not the same password with another username', async () => {
    await checkOn()
    const [pair] = demoPairs.pairs
    const colon = pair!.indexOf(':')
    const username = pair!.slice(0, colon)
    const password = pair!.slice(colon + 1)
    const leaked = await signIn(username.toUpperCase(), password)
    expect(originSaw(leaked)?.headers.get('x-edgeward-leaked')).toBe('pair')
    expect(rules(leaked)).toEqual(expect.arrayContaining(['leaked_pair', 'leaked_password']))
    expect(line(leaked).action).toBe('review')
    await expectNothingOf(leaked, password, username)
    const other = await signIn('someone.else@example.com', password)
    expect(originSaw(other)?.headers.has('x-edgeward-leaked')).toBe(false)
    expect(line(other).action).toBe('allow')
  })

  it('strips a client-sent x-edgeward-leaked, and the origin gets none for a clean password', async () => {
    await checkOn()
    const c = await signIn('bob@example.com', strongPassword(), { headers: { 'X-Edgeward-Leaked': 'pair', x_edgeward_leaked: 'password' } })
    const origin = originSaw(c)
    expect(origin).toBeDefined()
    expect([...origin!.headers.keys()].filter((k) => k.replace(/_/g, '-').startsWith('x-edgeward-leaked'))).toEqual([])
  })

  it('asks the range API for the 5-hex prefix only, with padding, and answers a second try from the memo', async () => {
    await checkOn()
    const first = await signIn('carol@example.com', 'dragon')
    const asked = first.seen.filter(isRangeRequest)
    const probe = await rangeProbe('dragon')
    expect(asked.map((s) => s.url)).toContain(`${RANGE_URL}/range/${probe.prefix}`)
    for (const s of asked) {
      expect(s.url).toMatch(/\/range\/[0-9A-F]{5}$/)
      expect(s.url).not.toContain(probe.suffix)
      expect(s.headers.get('add-padding')).toBe('true')
      expect(s.method).toBe('GET')
    }
    const again = await signIn('dave@example.com', 'dragon')
    expect(again.seen.filter((s) => s.url === `${RANGE_URL}/range/${probe.prefix}`)).toEqual([])
    expect(originSaw(again)?.headers.get('x-edgeward-leaked')).toBe('password')
  })

  it('answers from the Cache API in a fresh isolate (memo empty), keyed by the range URL alone', async () => {
    await checkOn()
    const probe = await rangeProbe('football')
    const url = `${RANGE_URL}/range/${probe.prefix}`
    await signIn('judy@example.com', 'football')
    expect(await caches.default.match(url)).toBeDefined()
    resetLeakedMemoForTests()
    const again = await signIn('mallory@example.com', 'football')
    expect(again.seen.filter((s) => s.url === url)).toEqual([])
    expect(originSaw(again)?.headers.get('x-edgeward-leaked')).toBe('password')
  })

  it('is off when no range API is configured: no range request, no header', async () => {
    const c = await signIn('erin@example.com', 'password')
    expect(c.seen.filter(isRangeRequest)).toEqual([])
    expect(originSaw(c)?.headers.has('x-edgeward-leaked')).toBe(false)
    expect(rules(c).filter((r) => r.startsWith('leaked_'))).toEqual([])
  })

  it('uses the dev range server npm start names only under the dev flag', async () => {
    const env = { EDGEWARD_DEV_LEAKED_RANGE_URL: RANGE_URL, EDGEWARD_DEV_LEAKED_PAIR_RANGE_URL: PAIR_RANGE_URL }
    const post = { method: 'POST', body: 'username=frank%40example.com&password=password', headers: { 'content-type': FORM } }
    const devIp = freshIp()
    await loadForm(devIp, { env: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } })
    const dev = await callWorker('/login', post, { clientIp: devIp, reply: withRangeServer(), env: { ...env, EDGEWARD_TRUST_TEST_HEADERS: 'true' } })
    expect(originSaw(dev)?.headers.get('x-edgeward-leaked')).toBe('password')
    const prodIp = freshIp()
    await loadForm(prodIp)
    const prod = await callWorker('/login', { ...post }, { clientIp: prodIp, reply: withRangeServer(), env })
    expect(prod.seen.filter(isRangeRequest)).toEqual([])
  })
})

describe('failing open', () => {
  const BROKEN = 'http://127.0.0.1:9'
  const slow: EchoReply = (s) => (s.url.startsWith(`${BROKEN}/slow/`) ? new Promise((resolve) => setTimeout(() => resolve(new Response('')), 400)) : withRangeServer()(s))
  const broken = (body: string, status = 200): EchoReply => (s) => (s.url.startsWith(BROKEN) ? new Response(body, { status }) : withRangeServer()(s))

  it.each([
    ['a range past its deadline', `${BROKEN}/slow`, slow, 'leaked_password_timeout'],
    ['a range API answering 503', `${BROKEN}/down`, broken('busy', 503), 'leaked_password_error'],
    ['an HTML page for a range', `${BROKEN}/html`, broken('<html>captive portal</html>'), 'leaked_password_bad_body'],
  ])('judges the sign-in without the check on %s, and names it in missing', async (_name, url, reply, label) => {
    await useConfig({ version: `leaked-broken-${++configs}`, leaked: { range_url: url, deadline_ms: 50 } })
    const c = await signIn('grace@example.com', 'password', { origin: reply })
    expect(line(c).missing).toContain(label)
    expect(line(c).action).toBe('allow')
    expect(originSaw(c)?.headers.has('x-edgeward-leaked')).toBe(false)
    await expectNothingOf(c, 'password', 'grace@example.com')
  })

  it('keeps the password check when only the pair range fails', async () => {
    await useConfig({ version: `leaked-pair-down-${++configs}`, leaked: { range_url: RANGE_URL, pair_range_url: `${BROKEN}/pairs`, deadline_ms: PATIENT } })
    const c = await signIn('heidi@example.com', 'password', { origin: broken('nope', 500) })
    expect(line(c).missing).toContain('leaked_pair_error')
    expect(originSaw(c)?.headers.get('x-edgeward-leaked')).toBe('password')
  })

  it('reads padding lines (count 0) as not listed', async () => {
    const probe = await rangeProbe('correct horse battery staple')
    const padded: EchoReply = (s) => (s.url.startsWith(BROKEN) ? new Response(`${probe.suffix}:0\r\n${'A'.repeat(35)}:3\r\n`) : withRangeServer()(s))
    await useConfig({ version: `leaked-padding-${++configs}`, leaked: { range_url: `${BROKEN}/padded`, deadline_ms: PATIENT } })
    const c = await signIn('ivan@example.com', 'correct horse battery staple', { origin: padded })
    expect((line(c).missing as string[]).filter((m) => m.startsWith('leaked_'))).toEqual([])
    expect(originSaw(c)?.headers.has('x-edgeward-leaked')).toBe(false)
  })
})
