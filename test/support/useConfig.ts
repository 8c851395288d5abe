// useConfig for Worker tests: writes a config to KV and waits until this isolate runs it. On a loaded
// machine the first KV read can miss its 50 ms budget and the bundled config would decide instead;
// once loaded, a later slow read keeps it (worker/config/load.ts), so a test's decisions are its config's.
import { env } from 'cloudflare:workers'
import { loadConfig, resetConfigCacheForTests } from '../../worker/config/load'
import { writeConfig } from './worker'

export async function useConfig(config: { readonly version: string; readonly [field: string]: unknown }): Promise<void> {
  await writeConfig(config)
  for (let i = 0; i < 50; i++) {
    resetConfigCacheForTests()
    if ((await loadConfig(env.EDGEWARD_CONFIG, Date.now())).config.version === config.version) return
  }
  throw new Error(`config ${config.version} never loaded`)
}
