// fetchKind: takes a request's method and headers, returns what the browser says the request is
// for — a top-level navigation, a sub-resource (script, style, image, font, XHR/fetch), or
// unknown (no Sec-Fetch-* at all: a script, an old browser, a tool). Pure; never trusts the claim
// further than policy needs: a sub-resource is never shown a challenge page (a browser could not
// display it), so claiming one trades a challenge for a block on anything that is not a GET.

export const FETCH_KINDS = ['navigation', 'subresource', 'unknown'] as const
export type FetchKind = (typeof FETCH_KINDS)[number]

/** Destinations a browser renders as a page: a challenge there is something a person can see. */
const DOCUMENT_DESTS: ReadonlySet<string> = new Set(['document', 'iframe', 'frame', 'embed', 'object'])

interface HeaderGetter {
  get(name: string): string | null
}

export function fetchKind(headers: HeaderGetter): FetchKind {
  const mode = headers.get('sec-fetch-mode')?.trim().toLowerCase() ?? null
  const dest = headers.get('sec-fetch-dest')?.trim().toLowerCase() ?? null
  if (mode === null && dest === null) return 'unknown'
  if (mode === 'navigate' || mode === 'nested-navigate') return 'navigation'
  if (dest !== null && DOCUMENT_DESTS.has(dest)) return 'navigation'
  return 'subresource'
}
