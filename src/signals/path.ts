// Path normalisation: takes a raw URL path, returns the canonical form used for
// reserved-path matching and route classification. Must not be used to build the URL
// sent to the origin — the origin always gets the client's raw path.

export const RESERVED_PREFIX = '/__edgeward'

const MAX_DECODE_ROUNDS = 4

/** Percent-decode repeatedly (so %255f → %5f → _), tolerating malformed escapes. */
function decodeFully(path: string): string {
  let current = path
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const next = decodeLenient(current)
    if (next === current) return current
    current = next
  }
  return current
}

function decodeLenient(s: string): string {
  if (!s.includes('%')) return s
  try {
    return decodeURIComponent(s)
  } catch {
    // Malformed sequences stay as they are; the valid ones around them still decode.
    return s.replace(/%[0-9a-fA-F]{2}/g, (m) => {
      const code = Number.parseInt(m.slice(1), 16)
      return code < 0x80 ? String.fromCharCode(code) : m
    })
  }
}

/** Resolve `.` and `..` segments (RFC 3986 §5.2.4); never climbs above the root. */
function resolveDots(segments: readonly string[]): string[] {
  const out: string[] = []
  for (const seg of segments) {
    if (seg === '.' || seg === '') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  return out
}

/**
 * Canonical path: percent-decoded, lower-cased, backslashes as slashes, NULs and
 * path parameters (`;…`) dropped, repeated slashes collapsed, dot segments resolved,
 * no trailing slash (except the root). `/__EDGEWARD%2f..//x/` → `/x`.
 */
export function normalisePath(rawPath: string): string {
  const decoded = decodeFully(rawPath)
    .toLowerCase()
    .replace(/\\/g, '/')
    .replace(/\0/g, '')
  const withoutParams = decoded
    .split('/')
    .map((seg) => {
      const semi = seg.indexOf(';')
      return semi === -1 ? seg : seg.slice(0, semi)
    })
  const segments = resolveDots(withoutParams.map((s) => s.trim()))
  return '/' + segments.join('/')
}

/**
 * True when the path, once normalised, is the reserved prefix or anything that starts
 * with it — `/__edgewardx` included, so that no origin that is lax about path parsing
 * ever sees a request meant for the Worker.
 */
export function isReservedPath(normalisedPath: string): boolean {
  return normalisedPath.startsWith(RESERVED_PREFIX)
}

/** The raw path and query exactly as the client sent them, from a request URL string. */
export function rawPathAndQuery(url: string): string {
  const schemeEnd = url.indexOf('://')
  const afterAuthority = schemeEnd === -1 ? 0 : url.indexOf('/', schemeEnd + 3)
  if (afterAuthority === -1) return '/'
  const hash = url.indexOf('#', afterAuthority)
  return hash === -1 ? url.slice(afterAuthority) : url.slice(afterAuthority, hash)
}
