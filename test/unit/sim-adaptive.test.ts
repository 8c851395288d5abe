// The adaptive attacker's pure parts in Node: the bodies that hide a username (and that the demo
// origin still reads as a login), the scrapers for the SDK nonce and the challenge, the --tactics
// parser, the native solver, the attack loop over a scripted wire, and the per-attempt report.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkPow } from '../../src/action/pow'
import { runAdaptiveAttack, type BrowserRecording } from '../../src/cli/simulate/families/adaptiveAttack'
import { adaptiveFigures } from '../../src/cli/simulate/families/adaptiveReport'
import { solveNative } from '../../src/cli/simulate/families/adaptiveSolve'
import { parseTactics, TACTICS } from '../../src/cli/simulate/families/adaptiveTactics'
import { caseDuplicateBody, challengeLink, multipartBody, parseSolvePage, scrapeSdkNonce, withDifficulty, type WireRequest } from '../../src/cli/simulate/families/adaptiveWire'
import type { LabelledRow } from '../../src/cli/simulate/join'
import recording from '../fixtures/adaptive/chromium-telemetry.json'

const b64url = (s: string): string => Buffer.from(s).toString('base64url')

describe('bodies that hide the username', () => {
  it('a multipart body is a login the demo origin reads', async () => {
    const m = multipartBody('victim@example.com', 'pw', 'seed')
    const form = await new Response(m.body, { headers: { 'content-type': m.contentType } }).formData()
    expect([form.get('username'), form.get('password')]).toEqual(['victim@example.com', 'pw'])
  })

  it('Username=decoy&username=victim: the origin (case-sensitive, first wins) reads the victim', () => {
    const d = caseDuplicateBody('decoy@example.org', 'victim@example.com', 'pw')
    expect(new URLSearchParams(d.body).get('username')).toBe('victim@example.com')
  })
})

describe('what the attacker scrapes', () => {
  it('finds the SDK nonce by its token type wherever the page carries it, and nothing else', () => {
    const nonce = `${b64url('{"alg":"ES256","typ":"edgeward-sdk-nonce+jwt"}')}.${b64url('{"v":1,"jti":"x"}')}.${'s'.repeat(40)}`
    const other = `${b64url('{"alg":"ES256","typ":"edgeward-device+jwt"}')}.${b64url('{"v":1}')}.${'s'.repeat(40)}`
    expect(scrapeSdkNonce(`<script src="/__edgeward/sdk.js" data-n="${other}"></script><meta content="${nonce}">`)).toBe(nonce)
    expect(scrapeSdkNonce(`<p>${other}</p>`)).toBeNull()
  })

  it('reads the challenge link from the interstitial and lowers its difficulty', () => {
    const link = challengeLink(`<script>location.replace("/__edgeward/challenge?return=%2Flogin&d=19")</script>`)
    expect(link).toBe('/__edgeward/challenge?return=%2Flogin&d=19')
    expect(withDifficulty(link!, 12)).toBe('/__edgeward/challenge?return=%2Flogin&d=12')
    expect(challengeLink('<a href="/__edgeward/challenge?return=%2Flogin&amp;d=16">Continue</a>')).toBe('/__edgeward/challenge?return=%2Flogin&d=16')
  })

  it('reads the proof-of-work form of the challenge page', () => {
    const html = `<form id="ew-form" method="post" action="/__edgeward/challenge/verify" data-challenge="abc" data-difficulty="14">
<input type="hidden" name="challenge" value="tok.en.x"><input type="hidden" name="solution" value=""></form>`
    expect(parseSolvePage(html)).toEqual({ token: 'tok.en.x', challengeId: 'abc', difficulty: 14, action: '/__edgeward/challenge/verify' })
    expect(parseSolvePage('<h1>Verification failed</h1>')).toBeNull()
  })
})

describe('--tactics', () => {
  it.each([
    [undefined, TACTICS.length],
    ['all', TACTICS.length],
    ['none', 0],
    ['rotate, pow', 2],
  ])('%s → %i tactics', (text, n) => {
    const t = parseTactics(text)
    expect(t.ok && t.value.size).toBe(n)
  })
  it('refuses an unknown tactic by name', () => {
    expect(parseTactics('rotate,teleport')).toEqual({ ok: false, error: expect.stringContaining('teleport') })
  })
})

describe('the native solver', () => {
  it('finds a counter the Worker accepts, with exactly the zero bits asked for', async () => {
    const solution = solveNative('challenge-id-0123456789', 13)
    expect(solution).not.toBeNull()
    expect((await checkPow('challenge-id-0123456789', solution!, 13)).ok).toBe(true)
    const digest = createHash('sha256').update(`challenge-id-0123456789${solution}`).digest()
    expect(digest[0]).toBe(0)
    expect(digest[1]! >> 3).toBe(0)
  })
})

describe('the attack loop over a scripted wire', () => {
  it('on a challenge: lowers d, solves, verifies without cookies and retries with the clearance', async () => {
    const sent: WireRequest[] = []
    let cleared = false
    const wire = async (req: WireRequest) => {
      sent.push(req)
      const cookie = new Headers(req.headers as Array<[string, string]>).get('cookie') ?? ''
      const reply = (status: number, text = '', h: Record<string, string> = {}, setCookies: string[] = []) => ({ status, text, setCookies, header: (n: string) => h[n] ?? null })
      if (req.path === '/__edgeward/collect') return reply(204, '', {}, [`__edgeward=dev${sent.length}; Path=/`])
      if (req.path.startsWith('/__edgeward/challenge?')) return reply(200, `<form id="ew-form" method="post" action="/__edgeward/challenge/verify" data-challenge="cid" data-difficulty="${new URLSearchParams(req.path.split('?')[1]).get('d')}"><input type="hidden" name="challenge" value="t.o.k">`)
      if (req.path === '/__edgeward/challenge/verify') return reply(303, '', {}, ['__edgeward_clearance=clr; Path=/'])
      if (req.method === 'POST' && cookie.includes('__edgeward_clearance=clr')) return (cleared = true), reply(401)
      return reply(403, 'location.replace("/__edgeward/challenge?return=%2Flogin&d=18")', { 'edgeward-mitigated': 'challenge' })
    }
    const records = await runAdaptiveAttack(wire, {
      tactics: new Set(['rotate', 'pow'] as const), attempts: 2, shape: 'single', addressFor: () => '127.9.9.9', timezoneFor: () => 'Europe/Berlin',
      combos: [{ username: 'a@example.com', password: 'x' }], slowDecoy: 'd@example.org', browser: recording as BrowserRecording, base: 'http://127.0.0.1:1',
      solve: async (id, bits) => solveNative(id, bits),
    })
    expect(cleared).toBe(true)
    expect(records[0]).toMatchObject({ first: 'challenge', letThrough: true, posts: 2, solved: [12] })
    // The second attempt carries the clearance from the first: it is never challenged.
    expect(records[1]).toMatchObject({ first: 'allow', letThrough: true, posts: 1 })
    const page = sent.find((r) => r.path.startsWith('/__edgeward/challenge?'))!
    expect(page.path).toContain('d=12')
    expect(new Headers(page.headers as Array<[string, string]>).get('cookie')).toBeNull()
    const collect = sent.find((r) => r.path === '/__edgeward/collect')!
    expect(JSON.parse(String(collect.body))).toMatchObject({ timezone: 'Europe/Berlin', webdriver: false, automationMarkers: [] })
  })
})

describe('the report counts per attempt', () => {
  const row = (session: string, ts: number, action: string, method = 'POST'): LabelledRow =>
    ({ session, family: 'adaptive_single', label: 1, ts: new Date(ts).toISOString(), action, method, path: '/login' }) as unknown as LabelledRow
  it('a challenged POST and its allowed retry are one attempt: mitigated first, and let through', () => {
    const rows = [row('s', 1, 'allow', 'GET'), row('s', 2, 'allow'), row('s', 3, 'challenge'), row('s', 4, 'allow'), row('s', 5, 'block')]
    const ledger = new Map([['s', [{ posts: 1 }, { posts: 2 }, { posts: 1 }]]]) as never
    const f = adaptiveFigures('adaptive_single', rows, ledger)
    expect(f).toMatchObject({ attempts: 3, first_mitigation: 2, let_through: 2, adapts: 'credential_stuffing' })
    expect(f.mitigated_share).toBeCloseTo(2 / 3)
    expect(f.mitigated_share_ci95![0]).toBeLessThan(2 / 3)
  })
})
