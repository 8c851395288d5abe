// Config from KV: returns the compiled config in force for this isolate. Cached for
// CACHE_MS; a bad write is rejected whole (the last good one stays, logged once); KV
// slow or down → the cached config. A cold isolate (nothing cached) reads `config` and
// `config:last-good` together within one budget: the last good one if only it answers, else the
// bundled rules in shadow (never enforce what may be a shadow deployment) with deny-list hits
// still blocked (coldPosture.ts). The line's `missing` says which.
import { compileConfig, type CompiledConfig } from '../../src/config/compileConfig'
import { DEFAULT_CONFIG } from '../../src/config/defaults'
import { withDeadline, type Deadlined } from '../deadline'

export const CONFIG_KEY = 'config'
/** Where the last config that validated is kept, so a fresh isolate survives a bad write. */
export const LAST_GOOD_KEY = 'config:last-good'
const CACHE_MS = 10_000
const KV_BUDGET_MS = 50
/** After a failed read, the next request tries again this much later (not every request). */
const RETRY_MS = 1_000

export type ConfigProblem = 'config_rejected' | 'config_unavailable' | 'config_cold_last_good' | 'config_cold_bundled_shadow'

export interface ConfigState {
  readonly config: CompiledConfig
  /** Why the config in force is not the one in KV right now, if it is not. */
  readonly problem: ConfigProblem | null
}

const bundled = compileConfig(DEFAULT_CONFIG)
if (!bundled.ok) throw new TypeError(`bundled default config is invalid: ${bundled.detail}`)
export const BUNDLED_CONFIG: CompiledConfig = bundled.value

/** A cold isolate that can read neither key: the bundled rules, in shadow, under their own name. */
const bundledShadow = compileConfig({ ...DEFAULT_CONFIG, version: `${DEFAULT_CONFIG.version}-cold-shadow`, mode: 'shadow' })
if (!bundledShadow.ok) throw new TypeError(`bundled shadow config is invalid: ${bundledShadow.detail}`)
export const COLD_SHADOW_CONFIG: CompiledConfig = bundledShadow.value

interface Cache {
  state: ConfigState
  raw: string | null
  fetchedAt: number
  /** No config has been read from KV yet: what is in force is a cold fallback. */
  cold: boolean
}

let cache: Cache | null = null
/**
 * When a request of this isolate began refreshing a stale config, or null. Other requests meanwhile
 * serve the stale one rather than await that request's read: a KV read belongs to the request that
 * started it, and another request touching it fails ("Cannot perform I/O on behalf of a different
 * request"). Under the full simulator, pipeline errors came at config-refresh times and stopped once
 * this and the pending hash-key cache were gone (the likely cause; no unit test reproduces it).
 */
let refreshingSince: number | null = null
/** A refresh older than this is taken for lost (its request ended early): the next request reads again. */
const REFRESH_WAIT_MS = 1_000
/** Bad configs already logged, so each is logged once; bounded (a KV value can be large). */
const reportedBad = new Set<string>()
export const REPORTED_BAD_CAP = 16

/** Entries in the logged-once set (tests assert it stays within REPORTED_BAD_CAP). */
export const reportedBadSize = (): number => reportedBad.size

export function resetConfigCacheForTests(): void {
  cache = null
  refreshingSince = null
  reportedBad.clear()
}

/** The next loadConfig reads KV again (the console wrote a new config); the config in force stays until then. */
export function forgetCachedConfig(): void {
  if (cache !== null) cache.fetchedAt = Number.NEGATIVE_INFINITY
}

export async function loadConfig(kv: KVNamespace, now: number): Promise<ConfigState> {
  if (cache !== null && now - cache.fetchedAt < CACHE_MS) return cache.state
  const refreshing = refreshingSince !== null && now - refreshingSince >= 0 && now - refreshingSince < REFRESH_WAIT_MS
  // Stale while another request refreshes: served as it is. Cold (nothing cached): every request reads.
  if (cache !== null && refreshing) return cache.state
  refreshingSince = now
  try {
    return await refresh(kv, now)
  } finally {
    refreshingSince = null
  }
}

async function refresh(kv: KVNamespace, now: number): Promise<ConfigState> {
  const cold = cache === null || cache.cold
  // Cold: both keys at once, one budget — the request waits no longer than a warm read would.
  const [read, lastGood] = await Promise.all([
    withDeadline(kv.get(CONFIG_KEY), KV_BUDGET_MS),
    cold ? withDeadline(kv.get(LAST_GOOD_KEY), KV_BUDGET_MS) : null,
  ])
  if (!read.ok) {
    const state: ConfigState =
      cache !== null && !cache.cold ? { config: cache.state.config, problem: 'config_unavailable' } : coldFallback(lastGood)
    // Retry soon, not on every request.
    cache = { state, raw: cache?.raw ?? null, fetchedAt: now - CACHE_MS + RETRY_MS, cold }
    return state
  }
  const raw = read.value
  if (cache !== null && !cache.cold && raw === cache.raw) {
    cache.fetchedAt = now
    return cache.state
  }
  const state = raw === null ? { config: BUNDLED_CONFIG, problem: null } : await accept(kv, raw)
  cache = { state, raw, fetchedAt: now, cold: false }
  return state
}

/** What a cold isolate runs when `config` did not answer: the last good one if it did, else bundled shadow. */
function coldFallback(lastGood: Deadlined<string | null> | null): ConfigState {
  if (lastGood?.ok === true && lastGood.value !== null) {
    const compiled = compileText(lastGood.value)
    if (compiled.ok) return { config: compiled.value, problem: 'config_cold_last_good' }
  }
  return { config: COLD_SHADOW_CONFIG, problem: 'config_cold_bundled_shadow' }
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
  const previous = (cache !== null && !cache.cold ? cache.state.config : null) ?? (await lastGoodFromKv(kv)) ?? BUNDLED_CONFIG
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
