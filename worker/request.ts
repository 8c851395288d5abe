// Request facts: takes the incoming Request and env, returns plain data for the
// pipeline — client IP, the cf object (with the dev-only test override) and its ASN and TLS
// fingerprints, the headers
// the client sent minus every x-edgeward-* in any spelling, cookies. Must not read the body.
import { APP_TOKEN_HEADER } from '../src/signals/appToken'
import { asnOrNull, readTlsFingerprints, type TlsFingerprints } from '../src/signals/network'
import { normalisePath, rawPathAndQuery } from '../src/signals/path'
import { withoutDevPlaceholder } from './devCf'

export const TEST_CF_HEADER = 'x-edgeward-test-cf'
const MAX_TEST_CF_BYTES = 4096
export const EDGEWARD_HEADER_PREFIX = 'x-edgeward-'

/**
 * Every spelling of an x-edgeward-* name: `-` or `_` anywhere (CGI, Rack and PHP turn both into
 * HTTP_X_EDGEWARD_*), any case (Headers already lower-cases names).
 */
export function isEdgewardHeader(name: string): boolean {
  // Every such name starts with x or e: most headers are ruled out without a copy (every request, every header).
  const c = name.charCodeAt(0) | 0x20
  if (c !== 0x78 && c !== 0x65) return false
  const n = name.toLowerCase().replace(/_/g, '-')
  return n.startsWith(EDGEWARD_HEADER_PREFIX) || n === APP_TOKEN_HEADER
}

export interface RequestFacts {
  readonly method: string
  readonly url: URL
  readonly host: string
  /** Path and query exactly as the client sent them. */
  readonly rawPath: string
  readonly normalisedPath: string
  readonly ip: string
  readonly cf: Readonly<Record<string, unknown>>
  /** From `cf`, read once here for lists, rules and the log line: a 32-bit AS number or null. */
  readonly asn: number | null
  /** From `cf`: JA3 / JA4 when the plan provides them, shape-checked. */
  readonly tls: TlsFingerprints
  /** Client headers without any x-edgeward-* / x_edgeward_* (what the origin may see). */
  readonly headers: Headers
  readonly cookies: ReadonlyMap<string, string>
  /** The `edgeward-app-token` header as sent (src/signals/appToken.ts), read before it is stripped; null when absent. */
  readonly appToken: string | null
  readonly testCf: 'applied' | 'invalid' | 'ignored' | 'absent'
}

export function readRequestFacts(request: Request, env: Env): RequestFacts {
  const url = new URL(request.url)
  const rawPath = rawPathAndQuery(request.url)
  const testCfText = request.headers.get(TEST_CF_HEADER)
  const appToken = request.headers.get(APP_TOKEN_HEADER)
  const headers = withoutEdgewardHeaders(request.headers)

  // In local dev, wrangler's placeholder cf (Austin, a fixed JA3) is not a fact: it reads as missing.
  const baseCf = withoutDevPlaceholder((request.cf ?? {}) as Record<string, unknown>, env)
  let cf: Record<string, unknown> = baseCf
  let testCf: RequestFacts['testCf'] = 'absent'
  if (testCfText !== null) {
    if (env.EDGEWARD_TRUST_TEST_HEADERS !== 'true') testCf = 'ignored'
    else {
      const override = parseTestCf(testCfText)
      if (override === null) testCf = 'invalid'
      else {
        cf = { ...baseCf, ...override }
        testCf = 'applied'
      }
    }
  }
  return {
    method: request.method.toUpperCase(),
    url,
    host: url.host,
    rawPath,
    normalisedPath: normalisePath(rawPath.split('?')[0] ?? '/'),
    ip: headers.get('cf-connecting-ip') ?? '0.0.0.0',
    cf,
    asn: asnOrNull(cf.asn),
    tls: readTlsFingerprints(cf),
    headers,
    cookies: parseCookies(headers.get('cookie')),
    appToken,
    testCf,
  }
}

/**
 * The client's headers minus every x-edgeward-* spelling. Copied only when there is one to strip:
 * nothing writes to these headers (the origin gets its own copy, worker/origin/forward.ts), and the
 * copy was a measurable part of every request's CPU (docs/performance.md).
 */
function withoutEdgewardHeaders(sent: Headers): Headers {
  let strip = false
  for (const name of sent.keys()) {
    if (isEdgewardHeader(name)) {
      strip = true
      break
    }
  }
  if (!strip) return sent
  const headers = new Headers(sent)
  for (const name of [...headers.keys()]) if (isEdgewardHeader(name)) headers.delete(name)
  return headers
}

function parseTestCf(text: string): Record<string, unknown> | null {
  if (text.length > MAX_TEST_CF_BYTES) return null
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null
    return parsed as Record<string, unknown>
  } catch {
    return null
  }
}

/** The same cap the device and clearance cookie readers use, so every reader sees the same cookies. */
const MAX_COOKIE_HEADER = 16 * 1024

export function parseCookies(header: string | null): Map<string, string> {
  const out = new Map<string, string>()
  if (header === null || header.length > MAX_COOKIE_HEADER) return out
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim())
  }
  return out
}

/** The Cookie header for the origin: the client's, minus edgeward's own cookies. */
export function cookieHeaderForOrigin(header: string | null): string | null {
  if (header === null) return null
  const kept = header.split(';').filter((p) => !p.trim().toLowerCase().startsWith('__edgeward'))
  return kept.length === 0 ? null : kept.join(';').trim()
}
