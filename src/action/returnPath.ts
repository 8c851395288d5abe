// Return paths for challenges: takes untrusted text, returns a same-origin relative path
// ("/…", never "//…", "/\…", a scheme, or control characters), or "/" when it is not one.
// Must not decode into something the browser would read as another origin.

const MAX_RETURN = 2048

export function safeReturnPath(candidate: string | null | undefined): string {
  if (typeof candidate !== 'string' || candidate.length === 0 || candidate.length > MAX_RETURN) return '/'
  // Control characters (CR/LF/TAB/NUL…) and backslashes are never in a path we return.
  if (/[\u0000-\u001f\u007f\\]/.test(candidate)) return '/'
  if (!candidate.startsWith('/') || candidate.startsWith('//')) return '/'
  // Encoded slashes or backslashes right after the first one can turn into "//" later.
  if (/^\/(%2f|%5c)/i.test(candidate)) return '/'
  try {
    const resolved = new URL(candidate, 'https://edgeward.invalid')
    if (resolved.origin !== 'https://edgeward.invalid') return '/'
    const out = resolved.pathname + resolved.search
    // Dot segments can leave a "//" (or an encoded slash) in front: "/.//evil.example" → "//evil.example".
    if (out.startsWith('//') || /^\/(%2f|%5c)/i.test(out) || out.length > MAX_RETURN) return '/'
    return out
  } catch {
    return '/'
  }
}
