// Cart adds on the request path: takes a POST on a `cart` route, peeks at most
// credentials.max_body_bytes of its body (the origin still gets every byte) and returns the units it
// asks for (src/signals/cartUnits.ts) with the body for the origin. Any other request: untouched, no
// units. Never throws on bad input.
import type { CompiledConfig } from '../src/config/compileConfig'
import type { RouteClass } from '../src/config/routeClasses'
import { cartUnits } from '../src/signals/cartUnits'
import { peekBody } from './body'
import type { RequestFacts } from './request'

export interface CartAdd {
  /** Units the add asks for; null: not a cart add, or its body could not be read. */
  readonly units: number | null
  readonly originBody: BodyInit | null
}

/** `originBody`: the body as the earlier readers left it (a cart route is no credential route: the request's own). */
export async function readCartAdd(request: Request, originBody: BodyInit | null, facts: RequestFacts, config: CompiledConfig, routeClass: RouteClass): Promise<CartAdd> {
  if (routeClass !== 'cart' || facts.method !== 'POST' || originBody !== request.body) return { units: null, originBody }
  const peeked = await peekBody(request.body, config.source.credentials.max_body_bytes)
  const units = cartUnits(
    { query: facts.url.search, body: peeked.head, truncated: peeked.truncated, complete: peeked.complete, contentType: facts.headers.get('content-type'), contentEncoding: facts.headers.get('content-encoding') },
    config.cartQuantityFields,
  )
  return { units, originBody: peeked.forOrigin }
}
