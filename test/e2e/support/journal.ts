// Every main-frame navigation response of a page, in order, as "STATUS path": the steps a browser
// took through interstitials, challenge pages and redirects, for a test to compare.
import type { Page } from 'playwright-core'

export function journal(page: Page): string[] {
  const seen: string[] = []
  page.on('response', (r) => {
    if (r.request().frame() === page.mainFrame() && r.request().isNavigationRequest()) seen.push(`${r.status()} ${new URL(r.url()).pathname}`)
  })
  return seen
}
