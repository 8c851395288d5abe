// The Node side shared by the Worker and memory benches: bundle the real Worker behind a bench
// harness, start it in a local workerd (Miniflare, no network), and find that workerd process in /proc
// for its CPU time and resident memory (Linux). Never bundled into a Worker itself.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

export const round = (x: number, d = 1): number => Number(x.toFixed(d))

export interface BenchWorkerd {
  /** POSTs one job as JSON to the harness and returns its JSON answer; a non-2xx answer throws. */
  call(job: unknown): Promise<unknown>
  dispose(): Promise<void>
  /** With `inspect`: workerd's V8 inspector (ws://127.0.0.1:port) and the bundle's source map (JSON). */
  readonly inspector?: { readonly url: URL; readonly sourceMap: string }
}

export interface WorkerdOptions {
  /** Open workerd's V8 inspector on a free local port and keep the bundle's source map (src/cli/profile.ts). */
  readonly inspect?: boolean
  /** More Miniflare options for the worker (e.g. `durableObjects`: real objects, for bench/objects.ts). */
  readonly worker?: Record<string, unknown>
}

/**
 * Bundles worker/index.ts with `factory` from the harness module (a path under src/cli/bench/), whose
 * default export becomes `factory(worker)`, and starts it in workerd.
 */
export function startBenchWorkerd(harness: string, factory: string, options: WorkerdOptions = {}): Promise<BenchWorkerd> {
  const entry = [
    `import worker from ${JSON.stringify(join(ROOT, 'worker/index.ts'))}`,
    `import { ${factory} } from ${JSON.stringify(join(ROOT, 'src/cli/bench', harness))}`,
    `export default ${factory}(worker)`,
  ].join('\n')
  return startInWorkerd(entry, `bench-${factory}-entry.ts`, ['nodejs_compat'], options)
}

/** The Worker harness's keys and tokens made (unmeasured), then one job of its (`costs`, `storage`) run; workerd stopped after. */
export async function harnessJob<T>(workerd: BenchWorkerd, only: string): Promise<T> {
  try {
    await workerd.call({ only: 'setup', batches: 1, targetMs: 1 })
    return (await workerd.call({ only, batches: 1, targetMs: 1 })) as T
  } finally {
    await workerd.dispose()
  }
}

/** Bundles an entry module's source (imports resolved from the repo root) and starts it in workerd. */
export async function startInWorkerd(entry: string, sourcefile: string, compatibilityFlags: string[] = [], options: WorkerdOptions = {}): Promise<BenchWorkerd> {
  // Imported only now: loading them slows Node measurements taken before (by a quarter, measured).
  const { build } = await import('esbuild')
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare')
  const bundle = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts', sourcefile },
    bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], conditions: ['workerd', 'worker', 'browser'],
    // A harness may hold its own Node side (it imports these at call time): keep them out of the bundle.
    external: ['cloudflare:*', 'node:*', 'esbuild', 'miniflare'], write: false, target: 'es2022', logLevel: 'error',
    // A profile maps the bundle's positions back to our files; the timed benches build without it.
    ...(options.inspect === true ? { sourcemap: 'external' as const, outfile: join(ROOT, 'bench-bundle.js') } : {}),
  })
  const script = bundle.outputFiles.find((f) => !f.path.endsWith('.map'))!.text
  const sourceMap = bundle.outputFiles.find((f) => f.path.endsWith('.js.map'))?.text
  // miniflare 5 takes a worker's wrangler-shaped config; its converter still reads the v4 shape.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true, script, compatibilityDate: '2026-04-20', compatibilityFlags,
      ...(options.inspect === true ? { inspectorPort: 0 } : {}),
      ...options.worker,
    }),
  )
  const inspector = options.inspect === true && sourceMap !== undefined ? { url: await mf.getInspectorURL(), sourceMap } : undefined
  return {
    ...(inspector === undefined ? {} : { inspector }),
    async call(job) {
      const res = await mf.dispatchFetch('http://bench.local/', { method: 'POST', body: JSON.stringify(job) })
      if (!res.ok) throw new Error(`workerd answered ${res.status}: ${await res.text()}`)
      return res.json()
    },
    dispose: () => mf.dispose(),
  }
}

/** workerd processes started by this Node process (Miniflare spawns one); none off Linux. */
export function workerdPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
          return stat.includes('(workerd)') && Number(fields[1]) === process.pid
        } catch {
          return false
        }
      })
      .map(Number)
  } catch {
    return []
  }
}

/** Resident memory (MB) of the workerd processes this Node process started, or null off Linux. */
export function workerdRssMb(): number | null {
  let kb = 0
  let found = false
  for (const pid of workerdPids()) {
    try {
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (rss?.[1] === undefined) continue
      kb += Number(rss[1])
      found = true
    } catch {
      // the process went away between the listing and the read
    }
  }
  return found ? kb / 1024 : null
}
