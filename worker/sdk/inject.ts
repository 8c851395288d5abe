// SDK injection: takes an origin Response and the request path, returns it with
// <script src="/__edgeward/sdk.js" defer> added once (end of <head>, else start of <body>) via
// HTMLRewriter. Only text/html with a body; never touches other types. With a nonce source, the
// tag (ours, or one the page already has) carries this page view's signed SDK nonce in
// `data-edgeward-nonce`; the nonce is signed only when a tag is actually written.

export const SDK_SRC = '/__edgeward/sdk.js'
export const SDK_TAG = `<script src="${SDK_SRC}" defer></script>`
export const SDK_NONCE_ATTRIBUTE = 'data-edgeward-nonce'
/** A compact JWS: safe inside a double-quoted attribute as it is. */
const NONCE_TEXT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** The tag, with this page view's nonce when there is a usable one. */
export function sdkTag(nonce: string | null): string {
  if (nonce === null || !NONCE_TEXT.test(nonce)) return SDK_TAG
  return `<script src="${SDK_SRC}" defer ${SDK_NONCE_ATTRIBUTE}="${nonce}"></script>`
}

export interface InjectOptions {
  /** Paths to leave alone: exact paths, or prefixes written with a trailing `*`. */
  readonly exclude?: readonly string[]
  readonly path: string
  /** Signs this page view's SDK nonce (worker/sdk/nonce.ts); called at most once, only when a tag is written. */
  readonly nonce?: () => Promise<string | null>
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
  let signed: Promise<string | null> | undefined
  const nonce = (): Promise<string | null> => (signed ??= options.nonce === undefined ? Promise.resolve(null) : options.nonce().catch(() => null))
  const rewritten = new HTMLRewriter()
    .on('script[src]', {
      async element(el) {
        if (done || !isSdkSrc(el.getAttribute('src'))) return
        done = true
        // The page ships the SDK itself: give its tag this page view's nonce.
        const n = options.nonce === undefined ? null : await nonce()
        if (n !== null && NONCE_TEXT.test(n)) el.setAttribute(SDK_NONCE_ATTRIBUTE, n)
      },
    })
    .on('head', {
      element(el) {
        el.onEndTag(async (end) => {
          if (done) return
          done = true
          end.before(sdkTag(await nonce()), { html: true })
        })
      },
    })
    .on('body', {
      async element(el) {
        // No <head>, or a <head> whose end tag was implied: the body's first child.
        if (done) return
        done = true
        el.prepend(sdkTag(await nonce()), { html: true })
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
