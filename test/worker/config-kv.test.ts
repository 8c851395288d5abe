import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { resetConfigCacheForTests } from '../../worker/config/load'
import { callWorker, clearConfig, writeConfig } from '../support/worker'

const bad = import.meta.glob('../fixtures/configs/bad/*.json', { eager: true, import: 'default' })

afterEach(clearConfig)

async function health(): Promise<{ config: string; mode: string }> {
  const { response } = await callWorker('/__edgeward/health')
  return (await response.json()) as { config: string; mode: string }
}

describe('config from KV', () => {
  it('runs the bundled defaults in mode enforce when KV holds no config', async () => {
    expect(await health()).toMatchObject({ config: 'bundled-1', mode: 'enforce' })
  })

  it('uses a valid config written to KV', async () => {
    await writeConfig({ version: 'kv-1', mode: 'shadow' })
    expect(await health()).toMatchObject({ config: 'kv-1', mode: 'shadow' })
  })

  it.each(Object.entries(bad))('keeps the last good config when %s is written, and logs why', async (_file, json) => {
    await writeConfig({ version: 'good-1', mode: 'shadow' })
    expect((await health()).config).toBe('good-1')
    await writeConfig(json)
    const { response, errors, logs } = await callWorker('/')
    expect(response.status).toBe(200)
    expect(errors.some((e) => e.includes('config_rejected'))).toBe(true)
    expect(logs[0]).toMatchObject({ config: 'good-1', mode: 'shadow' })
    expect(logs[0]?.missing).toContain('config_rejected')
  })

  it('keeps the last good config across a fresh isolate (stored under config:last-good)', async () => {
    await writeConfig({ version: 'good-2', mode: 'off' })
    await health()
    await env.EDGEWARD_CONFIG.put('config', '{ not json')
    resetConfigCacheForTests() // as a brand-new isolate would start
    expect(await health()).toMatchObject({ config: 'good-2', mode: 'off' })
  })

  it('falls back to the bundled config when KV holds garbage and nothing good was ever seen', async () => {
    await writeConfig('garbage')
    expect(await health()).toMatchObject({ config: 'bundled-1' })
  })
})
