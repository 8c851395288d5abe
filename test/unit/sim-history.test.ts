// The owners' past in the simulator (src/cli/simulate/history.ts): every demo account has 1–3 past
// sign-ins from one home network, inside the Worker's 30 days; the `returning` share is drawn from
// [0.80, 0.97]; a person's known place is imported with that probability from the session's own
// ASN and country; imports go to the admin API in calls of at most 500, and a refusal is an error.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MOBILE, RESIDENTIAL } from '../../src/cli/simulate/asnPools'
import { homeOf, ownerHomes, ownersPast, postHistory, returningShare, sessionImporter, sessionPlace, signInPlace, type HistoryEntry } from '../../src/cli/simulate/history'
import { random } from '../../src/cli/simulate/random'
import { DEMO_ACCOUNTS, demoUser, type World } from '../../src/cli/simulate/world'

const DAY = 86_400_000
const NOW = Date.parse('2026-11-21T07:00:00.000Z')

describe("owners' past", () => {
  it('gives every demo account 1–3 sign-ins, 2–29 days old, all from its one home network', () => {
    const past = ownersPast(7, NOW)
    const byUser = new Map<string, HistoryEntry[]>()
    for (const e of past) (byUser.get(e.username) ?? byUser.set(e.username, []).get(e.username)!).push(e)
    expect(byUser.size).toBe(DEMO_ACCOUNTS)
    expect(byUser.has(demoUser(1)) && byUser.has(demoUser(DEMO_ACCOUNTS))).toBe(true)
    const counts = [...byUser.values()].map((es) => es.length)
    expect(Math.min(...counts)).toBe(1)
    expect(Math.max(...counts)).toBe(3)
    for (const e of past) {
      expect(Number.isInteger(e.at)).toBe(true)
      expect(NOW - e.at).toBeGreaterThanOrEqual(2 * DAY)
      expect(NOW - e.at).toBeLessThanOrEqual(29 * DAY)
    }
    for (const [user, es] of byUser) {
      const n = Number(user.slice(4, 8))
      expect(new Set(es.map((e) => `${e.asn} ${e.country}`))).toEqual(new Set([`${homeOf(7, n).asn} ${homeOf(7, n).country}`]))
    }
  })

  it("draws homes from people's own networks, fixed per seed and different across seeds", () => {
    const people = new Set([...RESIDENTIAL, ...MOBILE].map((i) => `${i.asn} ${i.country}`))
    const homes = ownerHomes(11)
    expect(homes.every((h) => people.has(`${h.asn} ${h.country}`))).toBe(true)
    expect(homes.some((h) => h.network === 'mobile') && homes.some((h) => h.network === 'residential')).toBe(true)
    expect(ownersPast(11, NOW)).toEqual(ownersPast(11, NOW))
    expect(ownerHomes(12).map((h) => h.asn)).not.toEqual(homes.map((h) => h.asn))
  })

  it('draws the returning share once per run from [0.80, 0.97]', () => {
    const draws = Array.from({ length: 200 }, (_, seed) => returningShare(seed))
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0.8)
    expect(Math.max(...draws)).toBeLessThan(0.97)
    expect(Math.max(...draws) - Math.min(...draws)).toBeGreaterThan(0.1)
    expect(returningShare(5)).toBe(returningShare(5))
  })

  it("imports a session's own place with probability returning, without touching the session's stream", () => {
    const cf = { asn: 3320, country: 'DE' }
    let known = 0
    for (let i = 0; i < 2000; i++) {
      const rng = random(3, `s/${i}`)
      const e = sessionPlace(rng, 0.85, 42, cf, NOW)
      if (e !== null) {
        known++
        expect(e).toMatchObject({ username: demoUser(42), asn: 3320, country: 'DE' })
        expect(NOW - e.at).toBeGreaterThanOrEqual(2 * DAY)
      }
      // The session's own draws are as they were without the history.
      expect(rng.next()).toBe(random(3, `s/${i}`).next())
    }
    expect(known / 2000).toBeGreaterThan(0.82)
    expect(known / 2000).toBeLessThan(0.88)
    expect(sessionPlace(random(1), 0, 1, cf, NOW)).toBeNull()
  })

  it('imports nothing in a world without history (a dry plan)', async () => {
    await expect(signInPlace({ world: { seed: 1 } as World, rng: random(1) }, 1, { asn: 1, country: 'US' })).resolves.toBeUndefined()
  })
})

describe('the admin import', () => {
  const calls: Array<{ auth: string | undefined; type: string | undefined; entries: HistoryEntry[] }> = []
  let status = 200
  let server: http.Server
  let base: URL
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { entries: HistoryEntry[] }
        calls.push({ auth: req.headers.authorization, type: req.headers['content-type'], entries: body.entries })
        if (req.url !== '/__edgeward/admin/history' || req.method !== 'POST') return void res.writeHead(404).end()
        if (status !== 200) return void res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":"bad_body"}')
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ imported: body.entries.length - 1, skipped: 1 }))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('posts the owners’ past in calls of at most 500 with the admin token, and adds up the answers', async () => {
    calls.length = 0
    status = 200
    const past = ownersPast(7, Date.now())
    const t = await postHistory(base, 'tok', past)
    // A few calls side by side: which arrives first is not fixed.
    expect(calls.map((c) => c.entries.length).sort((a, b) => a - b)).toEqual(Array.from({ length: Math.ceil(past.length / 500) }, (_, i) => Math.min(500, past.length - i * 500)).sort((a, b) => a - b))
    expect(calls.every((c) => c.auth === 'Bearer tok' && c.type === 'application/json')).toBe(true)
    const key = (e: HistoryEntry): string => JSON.stringify(e)
    expect(calls.flatMap((c) => c.entries).map(key).sort()).toEqual(past.map(key).sort())
    expect(t).toEqual({ calls: calls.length, entries: past.length, imported: past.length - calls.length, skipped: calls.length })
  })

  it('throws with the status and body when the Worker refuses', async () => {
    status = 400
    await expect(postHistory(base, 'tok', ownersPast(7, NOW).slice(0, 3))).rejects.toThrow('POST /__edgeward/admin/history → 400: {"error":"bad_body"}')
    status = 200
  })

  it("batches people's imports into few calls, and a refusal fails every waiting session and the run", async () => {
    calls.length = 0
    status = 200
    const errors: Error[] = []
    const imp = sessionImporter(base, 'tok', 0.9, (e) => errors.push(e), 20)
    const entry = (i: number): HistoryEntry => ({ username: demoUser(i), at: NOW, asn: 7922, country: 'US' })
    await Promise.all(Array.from({ length: 1200 }, (_, i) => imp.remember(entry(i + 1))))
    expect(calls.map((c) => c.entries.length)).toEqual([500, 500, 200])
    expect(imp.totals()).toMatchObject({ sessions: 1200, calls: 3, entries: 1200 })
    status = 401
    const late = imp.remember(entry(1))
    await expect(late).rejects.toThrow('→ 401')
    expect(errors).toHaveLength(1)
    expect(imp.error()?.message).toContain('401')
    status = 200
    await expect(imp.remember(entry(2))).rejects.toThrow('→ 401')
    await imp.flush()
  })
})
