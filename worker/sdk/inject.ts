// SDK injection: takes an origin Response and the request path, returns it with
// <script src="/__edgeward/sdk.js" defer> added once (end of <head>, else start of <body>) via
// HTMLRewriter. Only text/html with a body; never touches other types or an existing tag.

export const SDK_SRC = '/__edgeward/sdk.js'
export const SDK_TAG = `<script src="${SDK_SRC}" defer></script>`

export interface InjectOptions {
  /** Paths to leave alone: exact paths, or prefixes written with a trailing `*`. */
  readonly exclude?: readonly string[]
  readonly path: string
}

function excluded(path: string, patterns: readonly string[] | undefined): boolean {
  return (patterns ?? []).some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p))
}

function isHtml(response: Response): boolean {
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'text/html') return false
  // A download is not a page.
  return !/^\s*attachment/i.test(response.headers.get('content-disposition') ?? '')
}

/** Our script, however the page wrote its URL (absolute, query string, case). */
function isSdkSrc(src: string | null): boolean {
  if (src === null) return false
  try {
    return new URL(src, 'https://x.invalid/').pathname.toLowerCase() === SDK_SRC
  } catch {
    return false
  }
}

export function injectSdk(response: Response, options: InjectOptions): Response {
  if (response.body === null || !isHtml(response) || excluded(options.path, options.exclude)) return response
  let done = false
  const rewritten = new HTMLRewriter()
    .on('script[src]', {
      element(el) {
        if (isSdkSrc(el.getAttribute('src'))) done = true
      },
    })
    .on('head', {
      element(el) {
        el.onEndTag((end) => {
          if (done) return
          end.before(SDK_TAG, { html: true })
          done = true
        })
      },
    })
    .on('body', {
      element(el) {
        // No <head>, or a <head> whose end tag was implied: the body's first child.
        if (done) return
        el.prepend(SDK_TAG, { html: true })
        done = true
      },
    })
    .transform(response)
  // The body changed: a strong validator for the origin's bytes no longer holds.
  const headers = new Headers(rewritten.headers)
  const etag = headers.get('etag')
  if (etag !== null && !etag.startsWith('W/')) headers.set('etag', `W/${etag}`)
  headers.delete('content-length')
  return new Response(rewritten.body, { status: rewritten.status, statusText: rewritten.statusText, headers })
}
