// Takes template literals and values; returns SafeHtml whose every interpolated value is escaped.
// Must not let a plain string through unescaped: only SafeHtml (built here) is inserted as-is.

/** A fragment of HTML known to be safe: either literal template text or escaped values. */
export type SafeHtml = { readonly __html: string }

/** What may be interpolated: text (escaped), numbers, safe fragments, lists of these, nothing. */
export type HtmlValue = string | number | SafeHtml | readonly HtmlValue[] | null | undefined | false

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch)
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && '__html' in value
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return ''
  if (typeof value === 'number') return escapeHtml(String(value))
  if (typeof value === 'string') return escapeHtml(value)
  if (isSafe(value)) return value.__html
  return value.map(render).join('')
}

/** Tagged template: html`<p>${userText}</p>` escapes userText. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '')
  }
  return { __html: out }
}
