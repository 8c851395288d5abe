// Whether a request counts as a navigation (a page view) in the journey counters. Takes what the
// browser said the fetch is for (src/signals/fetchKind) and the route class; returns a bool. Pure.
// Per-client rate features and rules count navigations, so a browser's burst of scripts, styles,
// images and XHR around one page load reads as one page view, not as a scrape (issue 18).
import type { RouteClass } from '../config/routeClasses'
import type { FetchKind } from '../signals/fetchKind'


/**
 * A navigation when the browser says so (Sec-Fetch-Mode: navigate / Sec-Fetch-Dest: document).
 * Without any Sec-Fetch-* header (a script, a tool, an old browser) every request but a static
 * asset counts: a client cannot hide its page views by leaving the headers out. A browser
 * sub-resource or XHR (any other Sec-Fetch-Dest / Mode) is not a navigation.
 */
export function isNavigation(kind: FetchKind, routeClass: RouteClass): boolean {
  if (kind === 'navigation') return true
  if (kind === 'subresource') return false
  return routeClass !== 'static'
}
