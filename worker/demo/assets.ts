// Takes a path under /static/; returns the asset's body and content type, or undefined.
// Must not read files or bindings: the few demo assets are constants in this module.

const APP_CSS = `:root { color-scheme: light dark; --accent: #1a5fb4; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 0 auto; padding: 1rem; }
header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 1rem; }
.brand a { font-weight: 700; text-decoration: none; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; margin: 0; }
a { color: var(--accent); }
form { display: grid; gap: 0.4rem; max-width: 24rem; margin: 1rem 0; }
form.inline { display: inline; margin: 0; }
input, button { font: inherit; padding: 0.45rem 0.6rem; }
button { background: var(--accent); color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
button.link { background: none; color: var(--accent); padding: 0; text-decoration: underline; }
:focus-visible { outline: 3px solid #f5c211; outline-offset: 2px; }
.alert { border-left: 4px solid #c01c28; padding: 0.4rem 0.8rem; }
footer { margin-top: 3rem; font-size: 0.875rem; opacity: 0.8; }
`

export type Asset = { readonly body: string; readonly type: string }

const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/static/app.css', { body: APP_CSS, type: 'text/css; charset=utf-8' }],
  ['/static/robots.txt', { body: 'User-agent: *\nDisallow: /account\n', type: 'text/plain; charset=utf-8' }],
])

/**
 * The demo site's /robots.txt: crawlers keep out of the signed-in pages and the shop's forms, and AI
 * training crawlers (a group of their own) out of everything — so the robots signal has something to read.
 */
export const DEMO_ROBOTS_TXT = [
  'User-agent: *',
  'Disallow: /account',
  'Disallow: /profile',
  'Disallow: /transfer',
  'Disallow: /cart',
  'Disallow: /checkout',
  '',
  'User-agent: GPTBot',
  'User-agent: CCBot',
  'Disallow: /',
  '',
].join('\n')

export function staticAsset(path: string): Asset | undefined {
  return ASSETS.get(path)
}
