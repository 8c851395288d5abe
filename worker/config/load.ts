// Config from KV: returns the compiled config in force for this isolate. Cached for
// CACHE_MS; a bad write is rejected whole (the last good one stays, logged once); KV
// slow or down → the cached/last-good/bundled config (fail open, visible in `missing`).
import { compileConfig, type CompiledConfig } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { withDeadline } from '../deadline'

export const CONFIG_KEY = 'config'
/** Where the last config that validated is kept, so a fresh isolate survives a bad write. */
export const LAST_GOOD_KEY = 'config:last-good'
const CACHE_MS = 10_000
const KV_BUDGET_MS = 50

export interface ConfigState {
  readonly config: CompiledConfig
  /** Why the config in force is not the one in KV right now, if it is not. */
  readonly problem: 'config_rejected' | 'config_unavailable' | null
}

const bundled = compileConfig(DEFAULT_CONFIG)
if (!bundled.ok) throw new TypeError(`bundled default config is invalid: ${bundled.detail}`)
export const BUNDLED_CONFIG: CompiledConfig = bundled.value

interface Cache {
  state: ConfigState
  raw: string | null
  fetchedAt: number
}

let cache: Cache | null = null
let inflight: Promise<ConfigState> | null = null
/** Bad configs already logged, so each is logged once; bounded (a KV value can be large). */
const reportedBad = new Set<string>()
export const REPORTED_BAD_CAP = 16

/** Entries in the logged-once set (tests assert it stays within REPORTED_BAD_CAP). */
export const reportedBadSize = (): number => reportedBad.size

export function resetConfigCacheForTests(): void {
  cache = null
  inflight = null
  reportedBad.clear()
}

export function loadConfig(kv: KVNamespace, now: number): Promise<ConfigState> {
  if (cache !== null && now - cache.fetchedAt < CACHE_MS) return Promise.resolve(cache.state)
  inflight ??= refresh(kv, now).finally(() => {
    inflight = null
  })
  return inflight
}

async function refresh(kv: KVNamespace, now: number): Promise<ConfigState> {
  const read = await withDeadline(kv.get(CONFIG_KEY), KV_BUDGET_MS)
  if (!read.ok) {
    const fallback = cache?.state.config ?? BUNDLED_CONFIG
    const state: ConfigState = { config: fallback, problem: 'config_unavailable' }
    // Retry soon, not on every request.
    cache = { state, raw: cache?.raw ?? null, fetchedAt: now - CACHE_MS + 1000 }
    return state
  }
  const raw = read.value
  if (cache !== null && raw === cache.raw) {
    cache.fetchedAt = now
    return cache.state
  }
  const state = raw === null ? { config: BUNDLED_CONFIG, problem: null } : await accept(kv, raw)
  cache = { state, raw, fetchedAt: now }
  return state
}

async function accept(kv: KVNamespace, raw: string): Promise<ConfigState> {
  const compiled = compileText(raw)
  if (compiled.ok) {
    // Remember it for fresh isolates; best effort, never on the request's critical path twice.
    const lastGood = await withDeadline(kv.get(LAST_GOOD_KEY), KV_BUDGET_MS)
    if (!lastGood.ok || lastGood.value !== raw) await withDeadline(kv.put(LAST_GOOD_KEY, raw), KV_BUDGET_MS)
    return { config: compiled.value, problem: null }
  }
  if (!reportedBad.has(raw)) {
    if (reportedBad.size >= REPORTED_BAD_CAP) reportedBad.clear()
    reportedBad.add(raw)
    console.error(JSON.stringify({ event: 'config_rejected', problems: compiled.problems ?? [compiled.detail] }))
  }
  const previous = cache?.state.config ?? (await lastGoodFromKv(kv)) ?? BUNDLED_CONFIG
  return { config: previous, problem: 'config_rejected' }
}

async function lastGoodFromKv(kv: KVNamespace): Promise<CompiledConfig | null> {
  const read = await withDeadline(kv.get(LAST_GOOD_KEY), KV_BUDGET_MS)
  if (!read.ok || read.value === null) return null
  const compiled = compileText(read.value)
  return compiled.ok ? compiled.value : null
}

function compileText(raw: string): ReturnType<typeof compileConfig> {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch (e) {
    const problems = [`(root): not JSON (${e instanceof Error ? e.message : 'parse error'})`]
    return { ok: false, reason: 'invalid_config', detail: problems[0], problems }
  }
  return compileConfig(json)
}
