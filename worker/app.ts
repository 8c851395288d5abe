// The reserved-path router: answers everything that normalises to /__edgeward or below.
// Takes a request already rewritten to its normalised path; returns the Worker's own
// answer, 404 for unknown paths. Nothing here ever reaches the origin.
import { Hono } from 'hono'
import { loadConfig } from './config/load'
import { MODEL_VERSION } from './protect'

export const reservedApp = new Hono<{ Bindings: Env }>()

reservedApp.get('/__edgeward/health', async (c) => {
  const { config } = await loadConfig(c.env.EDGEWARD_CONFIG, Date.now())
  c.header('cache-control', 'no-store')
  return c.json({ status: 'ok', model: MODEL_VERSION, config: config.version, mode: config.source.mode })
})

reservedApp.notFound((c) => c.json({ error: 'not_found' }, 404))
reservedApp.onError((_error, c) => c.json({ error: 'internal' }, 503))
