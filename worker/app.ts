// The reserved-path router: answers everything that normalises to /__edgeward or below.
// Takes a request already rewritten to its normalised path; returns the Worker's own
// answer, 404 for unknown paths. Nothing here ever reaches the origin.
import { Hono } from 'hono'
import { loadConfig } from './config/load'
import { reservedGuard } from './counters/reserved'
import { activeModelVersion } from './model/active'
import { adminRoutes } from './routes/admin'
import { appTokenRoutes } from './routes/appToken'
import { challengeRoutes } from './routes/challenge'
import { collectRoutes } from './routes/collect'
import { consoleRoutes } from './routes/console'
import { sdkRoutes } from './routes/sdk'

export const reservedApp = new Hono<{ Bindings: Env }>()

// Deny list and per-source limits before any route (GET sdk.js and health pass untouched).
reservedApp.use('*', reservedGuard)

reservedApp.get('/__edgeward/health', async (c) => {
  const now = Date.now()
  const { config } = await loadConfig(c.env.EDGEWARD_CONFIG, now)
  const model = await activeModelVersion(c.env.EDGEWARD_CONFIG, config, now)
  c.header('cache-control', 'no-store')
  return c.json({ status: 'ok', model, config: config.version, mode: config.source.mode })
})

reservedApp.route('/', sdkRoutes)
reservedApp.route('/', collectRoutes)
reservedApp.route('/', appTokenRoutes)
reservedApp.route('/', adminRoutes)
reservedApp.route('/', consoleRoutes)
reservedApp.route('/', challengeRoutes)

reservedApp.notFound((c) => c.json({ error: 'not_found' }, 404))
reservedApp.onError((_error, c) => c.json({ error: 'internal' }, 503))
