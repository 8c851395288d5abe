// multipart/form-data field scanner for credential bodies: takes the (possibly capped) body text
// and the boundary, returns the text fields it holds — every part, duplicates and case variants
// kept — and whether the body ended properly. File parts are skipped (their content is never a
// username). Never throws; reads only the bytes it was given.

export interface MultipartFields {
  readonly fields: ReadonlyArray<readonly [name: string, value: string]>
  /** The closing delimiter was seen: nothing of the body was left unread. */
  readonly complete: boolean
}

/** The boundary parameter of a multipart Content-Type (quoted or not), or null. */
export function multipartBoundary(contentType: string): string | null {
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;,"]{1,70}))/i.exec(contentType)
  return m === null ? null : (m[1] ?? m[2] ?? null)
}

const NAME = /;\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/i
const FILENAME = /;\s*filename\*?\s*=/i

/**
 * Parts are split on `--boundary` at a line start (RFC 2046). A part's headers end at the first
 * blank line (CRLF or bare LF, as lenient servers accept); its value runs to the CRLF before the
 * next delimiter. A part cut off by the cap is not returned (its value is not known).
 */
export function multipartFields(text: string, boundary: string): MultipartFields {
  const fields: [string, string][] = []
  const delimiter = `--${boundary}`
  let at = text.startsWith(delimiter) ? 0 : text.indexOf(`\n${delimiter}`)
  if (at === -1) return { fields, complete: false }
  if (at > 0) at += 1
  for (;;) {
    const afterDelimiter = at + delimiter.length
    if (text.startsWith('--', afterDelimiter)) return { fields, complete: true }
    const next = text.indexOf(`\n${delimiter}`, afterDelimiter)
    if (next === -1) return { fields, complete: false }
    const part = text.slice(afterDelimiter, next).replace(/^[ \t]*\r?\n/, '').replace(/\r$/, '')
    const field = readPart(part)
    if (field !== null) fields.push(field)
    at = next + 1
  }
}

function readPart(part: string): [string, string] | null {
  const crlf = part.indexOf('\r\n\r\n')
  const lf = part.indexOf('\n\n')
  const [headEnd, bodyStart] =
    crlf !== -1 && (lf === -1 || crlf < lf) ? [crlf, crlf + 4] : lf !== -1 ? [lf, lf + 2] : [-1, -1]
  if (headEnd === -1) return null
  const headers = part.slice(0, headEnd).split(/\r?\n/)
  const disposition = headers.find((h) => /^content-disposition\s*:/i.test(h))
  if (disposition === undefined || FILENAME.test(disposition)) return null
  const m = NAME.exec(disposition)
  const name = m?.[1]?.replace(/\\(.)/g, '$1') ?? m?.[2]
  if (name === undefined) return null
  return [name, part.slice(bodyStart)]
}
