// Plans and runs one simulation: every session of every selected family gets its seeded stream,
// its own address and a start time inside the window; then all run concurrently (Chromium ones
// through the browser slots) until done or the deadline. Reports progress; never throws per session.
import { FAMILIES, type Family } from './catalog'
import { FAMILY_SPECS } from './families'
import { ipPool } from './ips'
import { random } from './random'
import { sleep, type SessionContext, type World } from './world'

export interface Planned {
  readonly ctx: SessionContext
  readonly startMs: number
}

export function planRun(world: World, families: readonly Family[]): Planned[] {
  const ips = ipPool(random(world.seed, `${world.variant}/ips`))
  const out: Planned[] = []
  for (const family of FAMILIES) {
    if (!families.includes(family)) continue
    const spec = FAMILY_SPECS[family]
    const n = spec.sessions(world)
    const seats = spec.seats?.(world, n, random(world.seed, `${world.variant}/${family}/seats`), ips) ?? null
    for (let index = 0; index < n; index++) {
      const rng = random(world.seed, `${world.variant}/${family}/${index}`)
      const seat = seats?.[index] ?? null
      const ctx: SessionContext = { world, family, index, session: `${family}-${String(index).padStart(3, '0')}`, ip: seat?.ip ?? ips.spread(), site: seat?.site ?? null, rng }
      const startMs = seat?.startMs ?? (spec.start ? spec.start(index, n, ctx) : rng.fork('start').between(0, world.windowMs))
      out.push({ ctx, startMs: Math.round(startMs) })
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs)
}

export interface RunOutcome {
  readonly sessions: number
  readonly failures: ReadonlyArray<{ readonly session: string; readonly error: string }>
}

/**
 * How long after the deadline a session may still be running before the run is reported without it: one
 * await that never settles (a browser call, a proxy's close) must not hold the whole run's report — on
 * held-out seed 1312581712 one session of 6,166 never ended and the run had to be killed, its seed spent.
 */
export const STRAGGLER_GRACE_MS = 60_000

export async function runPlanned(
  planned: readonly Planned[],
  onTick: () => void,
  opts: { readonly run?: (ctx: SessionContext) => Promise<void>; readonly graceMs?: number } = {},
): Promise<RunOutcome> {
  const failures: Array<{ session: string; error: string }> = []
  const run = opts.run ?? ((ctx: SessionContext) => FAMILY_SPECS[ctx.family].run(ctx))
  const graceMs = opts.graceMs ?? STRAGGLER_GRACE_MS
  const ticker = setInterval(onTick, 250)
  try {
    await Promise.all(
      planned.map(async ({ ctx, startMs }) => {
        // Wait for the start time in short steps, so an aborted run ends at once.
        while (Date.now() < ctx.world.startedAt + startMs && !ctx.world.abort.stopped) await sleep(Math.min(500, ctx.world.startedAt + startMs - Date.now()))
        if (Date.now() < ctx.world.deadline && !ctx.world.abort.stopped) {
          let timer: ReturnType<typeof setTimeout> | undefined
          const cut = new Promise<'cut'>((resolve) => {
            timer = setTimeout(() => resolve('cut'), Math.max(0, ctx.world.deadline + graceMs - Date.now()))
          })
          try {
            const ended = await Promise.race([run(ctx).then(() => 'ran' as const), cut])
            if (ended === 'cut') failures.push({ session: ctx.session, error: `still running ${Math.round(graceMs / 1000)} s after the deadline: reported without it (its requests so far count)` })
          } catch (e) {
            failures.push({ session: ctx.session, error: e instanceof Error ? e.message : String(e) })
          } finally {
            clearTimeout(timer)
          }
        }
        ctx.world.truth.sessionDone()
      }),
    )
  } finally {
    clearInterval(ticker)
    onTick()
  }
  return { sessions: planned.length, failures }
}
