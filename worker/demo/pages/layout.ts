// Takes a title and a body fragment; returns a complete <!doctype html> document as a string.
// Must not inline scripts: the Worker injects its own <script> into <head> with HTMLRewriter.
import { html } from './html'
import type { SafeHtml } from './html'

/** The signed-in user (an email), or undefined for an anonymous visitor. */
export type Viewer = string | undefined

function nav(viewer: Viewer): SafeHtml {
  const account = viewer
    ? html`<li><a href="/account">Account</a></li><li><a href="/profile">Profile</a></li>
        <li><form method="post" action="/logout" class="inline">
          <button type="submit" class="link">Sign out</button></form></li>`
    : html`<li><a href="/login">Sign in</a></li><li><a href="/signup">Open an account</a></li>`
  return html`<nav aria-label="Main"><ul>
      <li><a href="/">Home</a></li><li><a href="/products">Shop</a></li>${account}
    </ul></nav>`
}

/** A whole page: head with title and stylesheet, header with navigation, main content. */
export function page(title: string, body: SafeHtml, viewer?: Viewer): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Edgeward Demo Bank &amp; Shop</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header><p class="brand"><a href="/">Edgeward Demo Bank &amp; Shop</a></p>${nav(viewer)}</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
<footer><p>A demonstration target for edgeward. Not a real bank or shop.</p></footer>
</body>
</html>
`.__html
}

/** A short message page (errors, confirmations) with an optional follow-up link. */
export function messagePage(
  title: string,
  message: string,
  link?: { readonly href: string; readonly label: string },
  viewer?: Viewer,
): string {
  const next = link ? html`<p><a href="${link.href}">${link.label}</a></p>` : ''
  return page(title, html`<p role="status">${message}</p>${next}`, viewer)
}
