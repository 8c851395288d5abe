// HTML helpers for the Worker's own pages: escaping and one page shell with a strict
// CSP. Takes trusted page parts; everything dynamic must pass through escapeHtml.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=/]/g, (c) => `&#${c.charCodeAt(0)};`)
}

export interface PageParts {
  readonly title: string
  readonly body: string
  readonly nonce?: string
  readonly script?: string
  /** External scripts (same-origin paths or vetted https URLs), loaded after `script`, with the nonce. */
  readonly externalScripts?: readonly string[]
  /** Trusted markup for <head> (a meta refresh built from our own escaped values). */
  readonly head?: string
}

export function pageShell(parts: PageParts): string {
  const inline = parts.script !== undefined && parts.nonce !== undefined ? `<script nonce="${parts.nonce}">${parts.script}</script>` : ''
  const external = parts.nonce === undefined ? '' : (parts.externalScripts ?? []).map((src) => `<script src="${escapeHtml(src)}" nonce="${parts.nonce}" async defer></script>`).join('')
  const script = inline + external
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(parts.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}.muted{color:#555}</style>
${parts.head ?? ''}</head><body><main>${parts.body}</main>${script}</body></html>`
}

/** Extra sources a page may need (the Turnstile page: its script and its frame). */
export interface CspExtras {
  readonly scriptSrc?: readonly string[]
  readonly frameSrc?: readonly string[]
}

/** CSP for our pages: nothing from anywhere but our own nonce'd scripts and style (plus `extra`). */
export function pageCsp(nonce?: string, extra: CspExtras = {}): string {
  const scripts = [...(nonce === undefined ? [] : [`'nonce-${nonce}'`]), ...(extra.scriptSrc ?? [])]
  const script = scripts.length === 0 ? "'none'" : scripts.join(' ')
  const frame = extra.frameSrc === undefined || extra.frameSrc.length === 0 ? '' : `; frame-src ${extra.frameSrc.join(' ')}`
  return `default-src 'none'; script-src ${script}; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'${frame}`
}
