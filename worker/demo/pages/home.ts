// Takes the viewer; returns the home page linking to every part of the demo bank and shop.
// Must not show anything private: the home page is the same for everyone but its navigation.
import { html } from './html'
import { page } from './layout'
import type { Viewer } from './layout'

export function homePage(viewer: Viewer): string {
  const greeting = viewer ? html`<p>Signed in as <strong>${viewer}</strong>.</p>` : ''
  return page(
    'Welcome to the demo bank and shop',
    html`${greeting}
<p>This site exists so that every threat edgeward defends against has something to aim at.</p>
<section aria-labelledby="bank"><h2 id="bank">Bank</h2><ul>
  <li><a href="/login">Sign in</a></li>
  <li><a href="/signup">Open an account</a></li>
  <li><a href="/password-reset">Forgot your password?</a></li>
  <li><a href="/account">Your account and transfers</a></li>
  <li><a href="/profile">Profile and contact details</a></li>
</ul></section>
<section aria-labelledby="shop"><h2 id="shop">Shop</h2><ul>
  <li><a href="/products">All products</a></li>
  <li><a href="/products/1">A product page</a></li>
  <li><a href="/api/products">Product API (JSON)</a></li>
</ul></section>`,
    viewer,
  )
}
