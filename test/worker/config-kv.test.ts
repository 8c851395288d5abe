import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { resetConfigCacheForTests } from '../../worker/config/load'
import { callWorker, clearConfig, writeConfig } from '../support/worker'
import expectedPaths from '../fixtures/configs/expected-paths.json'

const good = import.meta.glob('../fixtures/configs/good/*.json', { eager: true, import: 'default' })
const bad = import.meta.glob('../fixtures/configs/bad/*.json', { eager: true, import: 'default' })
const fixtureName = (file: string): string => file.replace(/^.*\//, '').replace(/\.json$/, '')

/** The problems of the one `config_rejected` event a call logged (console.error). */
function rejectedProblems(errors: readonly string[]): string[] {
  const events = errors.filter((e) => e.startsWith('{')).map((e) => JSON.parse(e) as { event?: string; problems?: string[] }).filter((e) => e.event === 'config_rejected')
  expect(events).toHaveLength(1)
  return events[0]?.problems ?? []
}

afterEach(clearConfig)

async function health(): Promise<{ config: string; mode: string }> {
  const { response } = await callWorker('/__edgeward/health')
  return (await response.json()) as { config: string; mode: string }
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('config from KV', () => {
  it('runs the bundled defaults in mode enforce when KV holds no config', async () => {
    expect(await health()).toMatchObject({ config: 'bundled-1', mode: 'enforce' })
  })

  it('uses a valid config written to KV', async () => {
    await writeConfig({ version: 'kv-1', mode: 'shadow' })
    expect(await health()).toMatchObject({ config: 'kv-1', mode: 'shadow' })
  })

  it.each(Object.entries(good))('puts %s in force', async (_file, json) => {
    const fixture = json as { version: string; mode: string }
    // Start from another config, so the fixture's version cannot be there by accident.
    await writeConfig({ version: 'before-good', mode: fixture.mode === 'shadow' ? 'off' : 'shadow' })
    expect((await health()).config).toBe('before-good')
    await writeConfig(json)
    expect(await health()).toMatchObject({ config: fixture.version, mode: fixture.mode })
    const { logs, errors } = await callWorker('/')
    expect(logs[0]).toMatchObject({ config: fixture.version, mode: fixture.mode })
    expect(logs[0]?.missing).not.toContain('config_rejected')
    expect(errors.filter((e) => e.includes('config_rejected'))).toEqual([])
  })

  it.each(Object.entries(bad))('keeps the last good config when %s is written, and logs why', async (file, json) => {
    await writeConfig({ version: 'good-1', mode: 'shadow' })
    expect((await health()).config).toBe('good-1')
    await writeConfig(json)
    const { response, errors, logs } = await callWorker('/')
    expect(response.status).toBe(200)
    // The path each bad fixture is rejected for, the same table the unit tests use.
    const path = (expectedPaths as Record<string, string>)[fixtureName(file)]
    expect(path, `expected-paths.json has no entry for ${file}`).toBeDefined()
    expect(rejectedProblems(errors)).toContainEqual(expect.stringMatching(new RegExp(`^${escapeRegExp(path ?? '')}: `)))
    expect(logs[0]).toMatchObject({ config: 'good-1', mode: 'shadow' })
    expect(logs[0]?.missing).toContain('config_rejected')
  })

  it('rejects a rule whose `when` does not parse, naming the rule and the position, and keeps the previous rules', async () => {
    await writeConfig({ version: 'good-rules', rules: [{ name: 'block_login', when: 'route == "login"', action: 'block' }] })
    expect((await callWorker('/login')).response.status).toBe(403)
    await writeConfig(bad['../fixtures/configs/bad/rule-when-syntax.json'])
    const { response, errors, logs } = await callWorker('/login')
    expect(rejectedProblems(errors)).toEqual(['rules[0].when: rule "block_broken_login_rule": the rule ends too early at position 10'])
    // The previous config's rule still decides.
    expect(response.status).toBe(403)
    expect(logs[0]).toMatchObject({ config: 'good-rules', rules: ['block_login'] })
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
