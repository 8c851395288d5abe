// Takes a request and what to answer; returns an HTML or JSON Response, whichever the client speaks.
// Must not build HTML itself: pages come from pages/*, already escaped.
import { BODY_PROBLEM_STATUS, isJsonType, mediaType } from './body'
import type { BodyProblem } from './body'
import { messagePage } from './pages/layout'
import type { Viewer } from './pages/layout'

/** JSON when the client posted JSON, or asks for JSON and not HTML. */
export function wantsJson(request: Request): boolean {
  if (isJsonType(mediaType(request))) return true
  const accept = (request.headers.get('accept') ?? '').toLowerCase()
  return accept.includes('application/json') && !accept.includes('text/html')
}

export type Answer = {
  readonly status: number
  readonly json: unknown
  /** Renders the HTML page; only called when the client gets HTML. */
  readonly page: () => string
  readonly headers?: Readonly<Record<string, string>>
}

/** The response for an answer, as JSON or as an HTML page. */
export function reply(request: Request, answer: Answer): Response {
  const json = wantsJson(request)
  const headers = new Headers(answer.headers)
  headers.set('content-type', json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8')
  headers.set('cache-control', 'no-store')
  headers.set('x-content-type-options', 'nosniff')
  const body = json ? JSON.stringify(answer.json) : answer.page()
  return new Response(body, { status: answer.status, headers })
}

const PROBLEM_TEXT = {
  too_large: 'That request was too large.',
  malformed: 'That request could not be read.',
  unsupported_type: 'That kind of request body is not accepted here.',
} as const satisfies Record<BodyProblem, string>

/** 413, 400 or 415 for a body that could not be read. */
export function bodyProblem(request: Request, reason: BodyProblem, viewer?: Viewer): Response {
  return reply(request, {
    status: BODY_PROBLEM_STATUS[reason],
    json: { ok: false, error: reason },
    page: () => messagePage('Request not accepted', PROBLEM_TEXT[reason], undefined, viewer),
  })
}

/** 400 naming the fields that are missing or invalid. */
export function invalidFields(
  request: Request,
  invalid: readonly string[],
  back: string,
  viewer?: Viewer,
): Response {
  return reply(request, {
    status: 400,
    json: { ok: false, error: 'invalid_fields', fields: invalid },
    page: () =>
      messagePage(
        'Please check the form',
        `Missing or invalid: ${invalid.join(', ')}.`,
        { href: back, label: 'Go back' },
        viewer,
      ),
  })
}

/** 401 for a page that needs a signed-in user. */
export function signInRequired(request: Request): Response {
  return reply(request, {
    status: 401,
    json: { ok: false, error: 'unauthenticated' },
    page: () =>
      messagePage('Sign in required', 'Please sign in to see this page.', { href: '/login', label: 'Sign in' }),
  })
}

/** 404 for anything the demo origin does not serve. */
export function notFound(request: Request, viewer?: Viewer): Response {
  return reply(request, {
    status: 404,
    json: { ok: false, error: 'not_found' },
    page: () =>
      messagePage('Not found', 'There is nothing at this address.', { href: '/', label: 'Home' }, viewer),
  })
}
