// Takes nothing; returns the home page and the /static/* assets.
// Must not serve anything under /static/ that assets.ts does not list (404 otherwise).
import { Hono } from 'hono'
import { DEMO_ROBOTS_TXT, staticAsset } from '../assets'
import type { DemoEnv } from '../context'
import { homePage } from '../pages/home'
import { notFound } from '../reply'

export function siteRoutes(): Hono<DemoEnv> {
  const app = new Hono<DemoEnv>()

  app.get('/', (c) => c.html(homePage(c.get('user'))))

  app.get('/robots.txt', (c) => c.body(DEMO_ROBOTS_TXT, 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=300' }))

  app.get('/static/*', (c) => {
    const asset = staticAsset(c.req.path)
    if (!asset) return notFound(c.req.raw, c.get('user'))
    return c.body(asset.body, 200, {
      'content-type': asset.type,
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
    })
  })

  return app
}
