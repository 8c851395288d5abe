// The adaptive attacker (src/cli/simulate/families/adaptiveAttack.ts) driven through the real Worker
// in workerd: each request is worker.fetch with its own CF-Connecting-IP, in front of the embedded
// demo origin, with real KV and Durable Objects — COUNTERS wrapped so chosen username keys answer
// slowly (tactic slow_user). Returns each attempt and the decision line of its first login POST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { env } from 'cloudflare:workers'
import { runAdaptiveAttack, type AttemptRecord, type BrowserRecording, type Combo } from '../../src/cli/simulate/families/adaptiveAttack'
import { TACTICS, tacticsLabel, type Tactic, type Tactics } from '../../src/cli/simulate/families/adaptiveTactics'
import { solveNative } from '../../src/cli/simulate/families/adaptiveSolve'
import type { WireRequest, WireResponse } from '../../src/cli/simulate/families/adaptiveWire'
import { counterName } from '../../src/counters/keys'
import { canonicalUsername } from '../../src/log/keyedHash'
import { hashUser } from '../../worker/privacy'
import recording from '../fixtures/adaptive/chromium-telemetry.json'
import { callWorker, clearConfig, writeConfig } from '../support/worker'

export const ATTEMPTS = 40
/** The counters budget these runs use (a busy test box misses 25 ms now and then); the slow keys answer well after it. */
export const BUDGET_MS = 1000
const SLOW_MS = 1500
const DECOY = 'decoy.adaptive@example.org'

export interface Run {
  readonly label: string
  readonly attempts: readonly AttemptRecord[]
  /** The decision line of each attempt's first login POST. */
  readonly lines: ReadonlyArray<Record<string, unknown> | undefined>
  readonly firstMitigation: number | null
  readonly letThrough: number
}

let runs = 0
const hex = (n: number): string => n.toString(16)

/** Source addresses: IPv4 one per run (single) or one /24 per attempt (spread); IPv6 all inside one /64. */
function addresses(run: number, shape: 'single' | 'spread', ipv6: boolean): (i: number) => string {
  if (ipv6) return (i) => `2001:db8:${hex(run)}:1::${hex(0x100 + i)}`
  return shape === 'single' ? () => `198.18.${run}.7` : (i) => `100.${64 + (run % 60)}.${i}.${9 + Math.floor(run / 60)}`
}

/** Wraps COUNTERS so that `observe` on the objects named in `slow` answers only after SLOW_MS. */
function slowCounters(slow: ReadonlySet<string>): Env['COUNTERS'] {
  const real = env.COUNTERS
  const slowIds = new Set<string>()
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'idFromName') {
        return (name: string) => {
          const id = target.idFromName(name)
          if (slow.has(name)) slowIds.add(id.toString())
          return id
        }
      }
      if (prop === 'get') {
        return (id: DurableObjectId) => {
          const stub = target.get(id)
          if (!slowIds.has(id.toString())) return stub
          return new Proxy(stub, {
            get(s, p) {
              if (p === 'observe') return async (input: unknown) => (await new Promise((r) => setTimeout(r, SLOW_MS)), (s as unknown as { observe(i: unknown): Promise<unknown> }).observe(input))
              // Every other call goes to the real stub as a method call (an RPC stub's methods are not bindable).
              return (...args: unknown[]) => (s as unknown as Record<string | symbol, (...a: unknown[]) => unknown>)[p]!(...args)
            },
          })
        }
      }
      const v = Reflect.get(target, prop) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}

export async function runAttack(tactics: Tactics, shape: 'single' | 'spread'): Promise<Run> {
  const run = ++runs
  const combos: Combo[] = Array.from({ length: ATTEMPTS }, (_, i) => ({ username: `r${run}.victim${i}@example.net`, password: `Summer${2000 + i}!` }))
  const slow = new Set<string>()
  if (tactics.has('slow_user')) {
    for (const u of [DECOY, ...combos.map((c) => c.username)]) slow.add(counterName('user', await hashUser(canonicalUsername(u), env as unknown as Env, [])))
  }
  const overrides: Partial<Env> = { ORIGIN_URL: 'demo', ...(slow.size > 0 ? { COUNTERS: slowCounters(slow) } : {}) }
  const site = `http://run${run}.edge.test`
  const lines: Array<Record<string, unknown> | undefined> = []
  let postsSeen = 0
  const wire = async (req: WireRequest): Promise<WireResponse> => {
    const headers = new Headers(req.headers as Array<[string, string]>)
    const init: RequestInit = { method: req.method, headers, ...(req.body === null ? {} : { body: req.body }) }
    // Each run is a site of its own (its host): site-wide counts, the cookie-less sign-in cohort, start empty.
    const call = await callWorker(new URL(req.path, site).href, init, { clientIp: req.ip, env: overrides })
    const text = await call.response.text()
    if (req.method === 'POST' && !req.path.startsWith('/__edgeward/')) lines[postsSeen++] = call.logs.find((l) => l.path !== undefined)
    return { status: call.response.status, header: (n) => call.response.headers.get(n), setCookies: call.response.headers.getAll('set-cookie'), text }
  }
  const attempts = await runAdaptiveAttack(wire, {
    tactics,
    attempts: ATTEMPTS,
    shape,
    addressFor: addresses(run, shape, tactics.has('ipv6')),
    timezoneFor: () => 'America/New_York',
    combos,
    slowDecoy: DECOY,
    browser: recording as BrowserRecording,
    base: site,
    // node:crypto in workerd (nodejs_compat): as fast as the script's own machine, not the page's batches.
    solve: async (id, bits) => solveNative(id, bits),
    shared: {},
  })
  // Each attempt's first POST line: attempts are sequential, so the POST lines come in attempt order.
  const firstLines: Array<Record<string, unknown> | undefined> = []
  let k = 0
  for (const a of attempts) {
    firstLines.push(lines[k])
    k += a.posts
  }
  const first = attempts.findIndex((a) => a.first !== 'allow')
  return { label: `${tacticsLabel(tactics)} (${shape})`, attempts, lines: firstLines, firstMitigation: first < 0 ? null : first + 1, letThrough: attempts.filter((a) => a.letThrough).length }
}

/** One line per attempt: what its first POST met and why (the decision log's reasons, rules, cookie, counters). */
export function explain(r: Run): string {
  const rows = r.attempts.map((a, i) => {
    const l = r.lines[i]
    const why = l === undefined ? '' : ` risk=${String(l.risk)} reasons=${JSON.stringify(l.reasons)} cookie=${String(l.cookie)} counters=${String(l.counters)}${Array.isArray(l.missing) && l.missing.length > 0 ? ` missing=${l.missing.join(',')}` : ''} user=${l.user === null ? 'none' : 'set'}`
    return `  #${i + 1} ${a.ip} ${a.path} ${a.shape}: ${a.first}${a.notes.length > 0 ? ` [${a.notes.join(' ')}]` : ''}${a.posts > 1 ? ' → retried' : ''}${a.letThrough ? ` → origin ${a.originStatus}` : ''}${why}`
  })
  return `${r.label}: first mitigation ${r.firstMitigation ?? 'never'}, let through ${r.letThrough}/${r.attempts.length}\n${rows.join('\n')}`
}

/** The Done-when of issue 12 for one tactic set against the same attack without it. */
export function verdict(plain: Run, adaptive: Run): { firstOk: boolean; throughOk: boolean; summary: string } {
  const firstOk = adaptive.firstMitigation !== null && (plain.firstMitigation === null || adaptive.firstMitigation <= plain.firstMitigation + 2)
  const throughOk = adaptive.letThrough <= plain.letThrough + 2
  const summary = `${adaptive.label}: first mitigation ${adaptive.firstMitigation ?? 'never'} (plain ${plain.firstMitigation ?? 'never'}), let through ${adaptive.letThrough}/${ATTEMPTS} (plain ${plain.letThrough}/${ATTEMPTS})`
  return { firstOk, throughOk, summary }
}

/**
 * One shape of issue 12's Done-when: the plain attack once, then each tactic alone and all combined,
 * each first mitigated no later than plain + 2 and letting through no more than plain + 2 of 40.
 */
export function describeAdaptive(shape: 'single' | 'spread', title: string): void {
  let plain: Run
  const results: string[] = []
  const cases: ReadonlyArray<readonly [string, ReadonlySet<Tactic>]> = [...TACTICS.map((t) => [t, new Set([t])] as const), ['all tactics combined', new Set(TACTICS)] as const]

  beforeAll(async () => {
    await writeConfig({ version: `adaptive-${shape}`, counters: { budget_ms: BUDGET_MS } })
    plain = await runAttack(new Set(), shape)
  }, 300_000)
  afterAll(async () => {
    await clearConfig()
    console.info(`adaptive (${shape}):\n  ${results.join('\n  ')}`)
  })

  describe(title, () => {
    it('the plain attack is mitigated at all (the yardstick)', () => {
      expect(plain.firstMitigation, explain(plain)).not.toBeNull()
    })

    it.each(cases)('%s: mitigated no later than the plain attack + 2 and lets through no more than it + 2 of 40', async (_name, tactics) => {
      const adaptive = await runAttack(tactics, shape)
      const v = verdict(plain, adaptive)
      results.push(`${v.firstOk && v.throughOk ? 'PASS' : 'FAIL'} ${v.summary}`)
      const detail = `${v.summary}\n${explain(adaptive)}\n${explain(plain)}`
      expect.soft(v.firstOk, detail).toBe(true)
      expect.soft(v.throughOk, detail).toBe(true)
    }, 900_000)
  })
}
