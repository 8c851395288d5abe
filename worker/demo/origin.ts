// Takes a request exactly as a real origin would get it; returns the demo bank and shop's response.
// Must not need bindings or persist anything: state is in isolate memory (see state.ts).
import { Hono } from 'hono'
import { getCookie } from 'hono/cookie'
import type { DemoEnv, Deps } from './context'
import { messagePage } from './pages/layout'
import { notFound, reply } from './reply'
import { authRoutes } from './routes/auth'
import { bankRoutes } from './routes/bank'
import { shopRoutes } from './routes/shop'
import { siteRoutes } from './routes/site'
import { SESSION_COOKIE, verifySession } from './session'
import { isolateDemoState } from './state'
import type { DemoState } from './state'

export type DemoOrigin = {
  readonly app: Hono<DemoEnv>
  fetch(request: Request): Promise<Response>
}

export type DemoOriginOptions = {
  /** Defaults to the isolate's shared state; tests pass createDemoState() for a clean slate. */
  readonly state?: DemoState
  /** Milliseconds since the epoch; defaults to Date.now. */
  readonly now?: () => number
}

/** The Hono app of the demo origin: session lookup, then the site, auth, bank and shop routes. */
export function buildDemoApp(deps: Deps): Hono<DemoEnv> {
  const app = new Hono<DemoEnv>()

  app.use('*', async (c, next) => {
    c.set('user', await verifySession(deps.state, getCookie(c, SESSION_COOKIE), deps.now()))
    await next()
  })

  app.route('/', siteRoutes())
  app.route('/', authRoutes(deps))
  app.route('/', bankRoutes(deps))
  app.route('/', shopRoutes(deps))

  app.notFound((c) => notFound(c.req.raw, c.get('user')))
  // Only a bug lands here: every kind of bad input has its own 4xx answer before this.
  app.onError((_err, c) =>
    reply(c.req.raw, {
      status: 500,
      json: { ok: false, error: 'internal' },
      page: () => messagePage('Something went wrong', 'Please try again.'),
    }),
  )
  return app
}

/**
 * The embedded demo origin. Sessions are signed with a key held in the state, so build it once
 * per isolate (or share the default state) for cookies to stay valid between requests.
 */
export function createDemoOrigin(options: DemoOriginOptions = {}): DemoOrigin {
  const deps: Deps = { state: options.state ?? isolateDemoState(), now: options.now ?? Date.now }
  const app = buildDemoApp(deps)
  return {
    app,
    async fetch(request: Request): Promise<Response> {
      return app.fetch(request)
    },
  }
}
