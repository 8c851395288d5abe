// profile: where the Worker's CPU goes inside workerd. Starts the Worker bench harness
// (src/cli/bench/worker-harness.ts: the real worker.fetch, instant fake bindings, a stub origin) in a
// local workerd with its V8 inspector open, drives one route class (the bench mix by default) while
// V8's sampling profiler runs, over the Chrome DevTools Protocol (Profiler.enable/start/stop on a
// WebSocket), and prints self time by function and by source file (mapped back through the bundle's
// source map), and inclusive time of our own functions — µs per request and share of the busy time.
// Usage: npm run profile   (PROFILE_CLASS=page, PROFILE_BATCHES=25, PROFILE_INTERVAL_US=50,
// PROFILE_TOP=25, PROFILE_OUT=/tmp/x.cpuprofile to keep the raw profile for DevTools' Performance tab)
import { writeFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { ROUTE_CLASSES, type ClassAnswer } from './bench/worker-harness'
import { cpuNs } from './bench/worker'
import { startBenchWorkerd, workerdPids } from './bench/workerd'

interface CallFrame {
  readonly functionName: string
  readonly scriptId: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
  readonly hitCount?: number
  /** Samples by bundle line (1-based) within the function. */
  readonly positionTicks?: readonly { readonly line: number; readonly ticks: number }[]
}
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** A minimal Chrome DevTools Protocol client over Node's own WebSocket (no dependency). */
async function devtools(url: string): Promise<{ send(method: string, params?: object): Promise<any>; close(): void }> {
  const ws = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true })
    ws.addEventListener('error', () => reject(new Error(`profile: cannot open the inspector at ${url}`)), { once: true })
  })
  let next = 1
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } }
    if (msg.id === undefined) return
    const w = waiting.get(msg.id)
    waiting.delete(msg.id)
    if (msg.error) w?.reject(new Error(`profile: ${msg.error.message}`))
    else w?.resolve(msg.result)
  })
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = next++
        waiting.set(id, { resolve, reject })
        ws.send(JSON.stringify({ id, method, params }))
      }),
    close: () => ws.close(),
  }
}

/** Where a frame comes from: our file (repo-relative), a package, or the runtime itself. */
export interface Place {
  readonly fn: string
  readonly file: string
}

/** Maps bundle positions to original files; runtime frames (no script) are `(native)` or V8's own labels. */
export function placer(sourceMapJson: string): ((frame: CallFrame) => Place) & { line(bundleLine: number): string | null } {
  const map = new SourceMap(JSON.parse(sourceMapJson))
  const shortName = (source: string) => source.replace(/^.*?node_modules\/((?:@[^/]+\/)?[^/]+).*$/, 'pkg:$1').replace(/^(\.\.\/)+/, '').replace(/^.*\/(worker|src)\//, '$1/')
  const place = (frame: CallFrame): Place => {
    const fn = frame.functionName === '' ? '(anonymous)' : frame.functionName
    if (frame.url === '' || frame.lineNumber < 0) return { fn, file: fn.startsWith('(') ? fn : '(native)' }
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number }
    const source = entry.originalSource
    if (source === undefined) return { fn, file: frame.url }
    const file = shortName(source)
    return { fn: `${fn} ${file}:${(entry.originalLine ?? 0) + 1}`, file }
  }
  // The last mapping on a bundle line names the source line it came from.
  const line = (bundleLine: number): string | null => {
    const entry = map.findEntry(bundleLine - 1, 100_000) as { originalSource?: string; originalLine?: number; generatedLine?: number }
    if (entry.originalSource === undefined || entry.generatedLine !== bundleLine - 1) return null
    return `${shortName(entry.originalSource)}:${(entry.originalLine ?? 0) + 1}`
  }
  return Object.assign(place, { line })
}

export interface Aggregate {
  /** Samples per key, (idle) left out. */
  readonly selfByFunction: Map<string, number>
  readonly selfByFile: Map<string, number>
  /** Samples with the function anywhere on the stack (each sample counted once per function). */
  readonly totalByFunction: Map<string, number>
  /** A runtime call's self time (Request, Headers, HTMLRewriter…) by our nearest caller on the stack. */
  readonly nativeByCaller: Map<string, number>
  /** Self samples of our own code by source line (V8's position ticks). */
  readonly selfByLine: Map<string, number>
  readonly busyUs: number
  readonly idleUs: number
}

/** Self and inclusive time per function and file from a V8 CPU profile. */
export function aggregate(profile: CpuProfile, place: ((frame: CallFrame) => Place) & { line?(bundleLine: number): string | null }): Aggregate {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const places = new Map(profile.nodes.map((n) => [n.id, place(n.callFrame)]))
  const selfByFunction = new Map<string, number>()
  const selfByFile = new Map<string, number>()
  const totalByFunction = new Map<string, number>()
  const nativeByCaller = new Map<string, number>()
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)
  let busyUs = 0
  let idleUs = 0
  // Each sample counts once, whatever the gap before the next: on a busy box the OS deschedules the
  // isolate's thread for milliseconds at a time, and weighting by the gap charged those waits to
  // whichever frame happened to be on top (half the wall time of a run fell in gaps over 1 ms).
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = 1
    const id = profile.samples[i]!
    const p = places.get(id)
    if (p === undefined) continue
    if (p.fn === '(idle)') {
      idleUs += dt
      continue
    }
    busyUs += dt
    add(selfByFunction, p.fn, dt)
    add(selfByFile, p.file, dt)
    if (p.file === '(native)') {
      let caller: number | undefined = parent.get(id)
      while (caller !== undefined && places.get(caller)?.file === '(native)') caller = parent.get(caller)
      add(nativeByCaller, `${p.fn} ← ${caller === undefined ? '?' : places.get(caller)!.fn}`, dt)
    }
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const q = places.get(at)
      if (q === undefined || byId.get(at)?.callFrame.functionName === '(root)' || seen.has(q.fn)) continue
      seen.add(q.fn)
      add(totalByFunction, q.fn, dt)
    }
  }
  const selfByLine = new Map<string, number>()
  const perTick = 1
  for (const n of profile.nodes) {
    if (place.line === undefined || n.callFrame.url === '') continue
    for (const t of n.positionTicks ?? []) {
      const at = place.line(t.line)
      if (at !== null && /^(worker|src)\//.test(at)) add(selfByLine, at, t.ticks * perTick)
    }
  }
  return { selfByFunction, selfByFile, totalByFunction, nativeByCaller, selfByLine, busyUs, idleUs }
}

function table(title: string, m: Map<string, number>, busy: number, usPerSample: number, top: number, filter: (k: string) => boolean = () => true): void {
  console.log(`\n${title}`)
  console.log(`${'µs/req'.padStart(8)} ${'share'.padStart(6)}  what`)
  for (const [k, n] of [...m].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(n * usPerSample).toFixed(1).padStart(8)} ${`${((n / busy) * 100).toFixed(1)}%`.padStart(6)}  ${k}`)
  }
}

async function main(): Promise<void> {
  const cls = process.env.PROFILE_CLASS ?? 'mix'
  if (!(ROUTE_CLASSES as readonly string[]).includes(cls)) throw new Error(`profile: PROFILE_CLASS must be one of ${ROUTE_CLASSES.join(', ')}`)
  const batches = Number(process.env.PROFILE_BATCHES ?? 25)
  const intervalUs = Number(process.env.PROFILE_INTERVAL_US ?? 50)
  const top = Number(process.env.PROFILE_TOP ?? 25)
  const workerd = await startBenchWorkerd('worker-harness.ts', 'benchWorker', { inspect: true })
  try {
    const inspector = workerd.inspector
    if (inspector === undefined) throw new Error('profile: workerd started without an inspector')
    await workerd.call({ only: 'setup', batches: 1, targetMs: 20 })
    // The user worker's own isolate (Miniflare's router and loopback workers are other targets).
    const targets = (await (await fetch(`http://${inspector.url.host}/json`)).json()) as { id: string; webSocketDebuggerUrl: string }[]
    const target = targets.find((t) => t.id === 'core:user:') ?? targets.find((t) => t.id.startsWith('core:user:'))
    if (target === undefined) throw new Error(`profile: no user worker among the inspector's targets (${targets.map((t) => t.id).join(', ')})`)
    const cdp = await devtools(target.webSocketDebuggerUrl)
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs })
    // One unprofiled pass first: the JIT settles, the isolate's caches fill.
    await workerd.call({ only: cls, batches: 5, targetMs: 20 })
    const pids = workerdPids()
    await cdp.send('Profiler.start')
    const cpuBefore = cpuNs(pids)
    const answer = (await workerd.call({ only: cls, batches, targetMs: 20 })) as ClassAnswer
    const cpuAfter = cpuNs(pids)
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile }
    cdp.close()
    if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile))
    const a = aggregate(profile, placer(inspector.sourceMap))
    const requests = answer.runs
    // Shares are of the isolate thread's busy samples; µs are those shares of the workerd process's
    // CPU time per request over the profiled job (/proc; Linux), which the profiler's own overhead inflates.
    const cpuUsPerRequest = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / 1000 / requests
    const scale = cpuUsPerRequest === null ? 0 : cpuUsPerRequest / Math.max(1, a.busyUs)
    console.log(`profile: ${cls}, ${requests} requests, ${a.busyUs} busy samples (asked every ${intervalUs} µs) inside workerd; workerd process CPU ${cpuUsPerRequest === null ? 'n/a' : cpuUsPerRequest.toFixed(1)} µs per request while profiled`)
    console.log('(shares of the isolate thread\'s busy samples; µs/req = share × that CPU. The harness\'s own frames — src/cli/bench — are in it, as a Worker that only forwards is in the bench)')
    table('self time by function', a.selfByFunction, a.busyUs, scale, top)
    table('self time by file', a.selfByFile, a.busyUs, scale, top)
    table('runtime calls by caller', a.nativeByCaller, a.busyUs, scale, top)
    table('self time by line, our code (approximate: optimised code often reports its function\'s first line)', a.selfByLine, a.busyUs, scale, top)
    table('inclusive time, our functions', a.totalByFunction, a.busyUs, scale, top, (k) => / (worker|src)\//.test(k))
    const share = (k: string): number => Number((((a.selfByFile.get(k) ?? 0) / Math.max(1, a.busyUs)) * 100).toFixed(1))
    console.log(JSON.stringify({ profile_class: cls, profile_requests: requests, profile_busy_samples: a.busyUs, profile_process_cpu_us_per_request: cpuUsPerRequest === null ? null : Number(cpuUsPerRequest.toFixed(1)), profile_gc_share_pct: share('(garbage collector)'), profile_native_share_pct: share('(native)'), profile_program_share_pct: share('(program)') }))
  } finally {
    await workerd.dispose()
  }
}

await main()
