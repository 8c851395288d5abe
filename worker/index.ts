// The Worker entry: reserved paths (/__edgeward/*, after normalisation) go to the Hono
// app; everything else goes through the protection pipeline to the origin.
import { isReservedPath } from '../src/signals/path'
import { reservedApp } from './app'
import { protect } from './protect'
import { readRequestFacts } from './request'
import './env'

export { Counters } from './counters/Counters'

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const facts = readRequestFacts(request, env)
    if (isReservedPath(facts.normalisedPath)) {
      const url = new URL(facts.normalisedPath + facts.url.search, facts.url.origin)
      return reservedApp.fetch(new Request(url, request), env, ctx)
    }
    return protect(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
