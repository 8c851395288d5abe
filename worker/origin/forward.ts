// Forward to the origin: takes the client's request facts, the headers to add and the
// body, returns the origin's response untouched (status, every Set-Cookie, streamed
// body, redirects returned not followed). Must not follow redirects or buffer bodies.
import { createDemoOrigin } from '../demo/origin'
import { cookieHeaderForOrigin, type RequestFacts } from '../request'
import { setProxyHeaders } from './proxyHeaders'

export type OriginTarget =
  | { readonly kind: 'demo' }
  | { readonly kind: 'zone' }
  | { readonly kind: 'url'; readonly base: URL }
  | { readonly kind: 'invalid'; readonly value: string }

/** The last ORIGIN_URL parsed: a deployment's one value, read two or three times per request (protect, crawler, sessions). */
let lastTarget: { readonly value: string | undefined; readonly target: OriginTarget } | null = null

/** ORIGIN_URL as a target; the answer is shared between requests (its `base` is read, never written). */
export function originTarget(value: string | undefined): OriginTarget {
  if (lastTarget !== null && lastTarget.value === value) return lastTarget.target
  const target = parseOriginTarget(value)
  lastTarget = { value, target }
  return target
}

function parseOriginTarget(value: string | undefined): OriginTarget {
  if (value === undefined || value === '' || value === 'demo') return { kind: 'demo' }
  if (value === 'zone') return { kind: 'zone' }
  try {
    const base = new URL(value)
    if (base.protocol !== 'http:' && base.protocol !== 'https:') return { kind: 'invalid', value }
    return { kind: 'url', base }
  } catch {
    return { kind: 'invalid', value }
  }
}

/** ORIGIN_URL + the raw path and query, joined as a path: `//x` stays a path. */
export function originUrl(base: URL, rawPath: string): string {
  const basePath = base.pathname.replace(/\/+$/, '')
  return `${base.protocol}//${base.host}${basePath}${rawPath.startsWith('/') ? rawPath : `/${rawPath}`}`
}

let demo: ReturnType<typeof createDemoOrigin> | null = null

export interface OriginAnswer {
  readonly response: Response
  /** The origin could not be reached (DNS, connect, reset): the response is our 502. */
  readonly unreachable: boolean
}

/** forwardToOrigin, but an unreachable origin becomes a plain 502 instead of a thrown error. */
export async function forwardSafely(
  original: Request,
  facts: RequestFacts,
  target: OriginTarget,
  extraHeaders: ReadonlyMap<string, string>,
  body: BodyInit | null,
): Promise<OriginAnswer> {
  try {
    return { response: await forwardToOrigin(original, facts, target, extraHeaders, body), unreachable: false }
  } catch {
    const response = new Response('Bad gateway: the origin could not be reached.\n', {
      status: 502,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    })
    return { response, unreachable: true }
  }
}

export async function forwardToOrigin(
  original: Request,
  facts: RequestFacts,
  target: OriginTarget,
  extraHeaders: ReadonlyMap<string, string>,
  body: BodyInit | null,
): Promise<Response> {
  const headers = new Headers(facts.headers)
  const cookie = cookieHeaderForOrigin(headers.get('cookie'))
  if (cookie === null) headers.delete('cookie')
  else headers.set('cookie', cookie)
  for (const [name, value] of extraHeaders) headers.set(name, value)
  const init: RequestInit = { method: original.method, headers, body, redirect: 'manual' }

  switch (target.kind) {
    case 'demo':
      demo ??= createDemoOrigin()
      return demo.fetch(new Request(original.url, init))
    case 'zone':
      return fetch(new Request(original, init))
    case 'url': {
      const url = originUrl(target.base, facts.rawPath)
      // The origin's own Host (fetch sets it); the client's host and scheme go in the
      // forwarding headers, so absolute links the app builds point back through edgeward.
      headers.delete('host')
      setProxyHeaders(headers, facts.url, facts.ip)
      return fetch(url, init)
    }
    case 'invalid':
      return new Response('edgeward: ORIGIN_URL is not a valid http(s) URL\n', {
        status: 502,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      })
  }
}
