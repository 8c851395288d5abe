// readSignature: takes the three Web Bot Auth headers, the request's method, URL and headers, and
// the clock; returns the one `tag="web-bot-auth"` signature's checked parameters, its RFC 9421
// signature base and its bytes — or the reason it cannot be verified. Does no crypto and no I/O:
// the key lookup and the Ed25519 check are the caller's (worker/agents/).
import { err, ok, type Result } from '../../util/result'
import { parseDictionary, parseItemField, serializeMember, type BareItem, type InnerList, type Item, type Member } from './structuredFields'

export const WEB_BOT_AUTH_TAG = 'web-bot-auth'
/** A `created` this far ahead of our clock is still accepted (agents' clocks drift). */
export const CREATED_SKEW_S = 60
/** The longest life a signature may declare (`expires - created`); a longer one is refused. */
export const MAX_SIGNATURE_LIFE_S = 24 * 3600
/** Each of the three headers is refused past this length, before any parsing. */
export const MAX_HEADER_BYTES = 4096
const MAX_NONCE = 256
const MAX_KEYID = 128
/** Components every web-bot-auth signature must cover: where it was sent, and who says it sent it. */
export const REQUIRED_COMPONENTS = ['@authority', 'signature-agent'] as const

export const SIGNATURE_PROBLEMS = [
  'too_large',
  'bad_signature_input',
  'bad_signature_header',
  'bad_signature_agent',
  'wrong_tag',
  'no_keyid',
  'unsupported_alg',
  'no_created',
  'no_expires',
  'no_nonce',
  'created_in_future',
  'expired',
  'lifetime_too_long',
  'missing_component',
  'unsupported_component',
  'no_signature',
] as const
export type SignatureProblem = (typeof SIGNATURE_PROBLEMS)[number]

export interface SignedRequest {
  readonly method: string
  readonly url: URL
  readonly headers: Headers
}

export interface AgentHeaders {
  readonly signature: string
  readonly signatureInput: string
  readonly signatureAgent: string
}

export interface ReadSignature {
  /** The agent's URL as signed (the Signature-Agent value). */
  readonly agentUrl: string
  readonly keyid: string
  readonly nonce: string
  readonly created: number
  readonly expires: number
  /** The RFC 9421 signature base, UTF-8 encoded: what the Ed25519 signature covers. */
  readonly base: Uint8Array
  readonly signature: Uint8Array
}

/** The three headers when all are present (verification runs only then), else null. */
export function agentHeaders(headers: Headers): AgentHeaders | null {
  const signature = headers.get('signature')
  const signatureInput = headers.get('signature-input')
  const signatureAgent = headers.get('signature-agent')
  return signature === null || signatureInput === null || signatureAgent === null ? null : { signature, signatureInput, signatureAgent }
}

export function readSignature(h: AgentHeaders, request: SignedRequest, nowMs: number): Result<ReadSignature, SignatureProblem> {
  if (h.signature.length > MAX_HEADER_BYTES || h.signatureInput.length > MAX_HEADER_BYTES || h.signatureAgent.length > MAX_HEADER_BYTES) return err('too_large')
  const inputs = parseDictionary(h.signatureInput)
  if (inputs === null || inputs.size === 0) return err('bad_signature_input')
  // The first label tagged web-bot-auth is ours; other signatures on the request are not read.
  let label: string | null = null
  let input: InnerList | null = null
  for (const [name, member] of inputs) {
    if (member.kind === 'inner' && stringParam(member, 'tag') === WEB_BOT_AUTH_TAG) {
      label = name
      input = member
      break
    }
  }
  if (label === null || input === null) return err('wrong_tag')

  const keyid = stringParam(input, 'keyid')
  if (keyid === null || keyid.length === 0 || keyid.length > MAX_KEYID) return err('no_keyid')
  const alg = input.params.get('alg')
  if (alg !== undefined && !(alg.type === 'string' && alg.value === 'ed25519')) return err('unsupported_alg')
  const created = integerParam(input, 'created')
  if (created === null) return err('no_created')
  const expires = integerParam(input, 'expires')
  if (expires === null) return err('no_expires')
  const nonce = stringParam(input, 'nonce')
  if (nonce === null || nonce.length === 0 || nonce.length > MAX_NONCE) return err('no_nonce')
  const now = Math.floor(nowMs / 1000)
  if (created > now + CREATED_SKEW_S) return err('created_in_future')
  if (expires <= now) return err('expired')
  if (expires <= created || expires - created > MAX_SIGNATURE_LIFE_S) return err('lifetime_too_long')

  const covered = input.items
  const names = new Set<string>()
  for (const c of covered) {
    if (c.value.type !== 'string') return err('bad_signature_input')
    const id = c.value.value + [...c.params.keys()].map((k) => `;${k}`).join('')
    if (names.has(id)) return err('bad_signature_input') // RFC 9421 §2.1: no component twice
    names.add(id)
  }
  for (const required of REQUIRED_COMPONENTS) {
    if (!covered.some((c) => c.value.type === 'string' && c.value.value === required)) return err('missing_component')
  }

  const agentUrl = signedAgentUrl(h.signatureAgent, covered)
  if (agentUrl === null) return err('bad_signature_agent')

  const lines: string[] = []
  for (const component of covered) {
    const value = componentValue(component, request)
    if (!value.ok) return value
    lines.push(`${serializeMember(component)}: ${value.value}`)
  }
  lines.push(`"@signature-params": ${serializeMember(input)}`)

  const signatures = parseDictionary(h.signature)
  if (signatures === null) return err('bad_signature_header')
  const sig = signatures.get(label)
  if (sig === undefined || sig.kind !== 'item' || sig.value.type !== 'bytes') return err('no_signature')
  return ok({ agentUrl, keyid, nonce, created, expires, base: new TextEncoder().encode(lines.join('\n')), signature: sig.value.value })
}

/**
 * The agent URL the signature names: a bare string (early drafts, `Signature-Agent: "https://…"`), or
 * the Dictionary member the covered `signature-agent` component's `key` picks (later drafts).
 */
function signedAgentUrl(header: string, covered: readonly Item[]): string | null {
  const component = covered.find((c) => c.value.type === 'string' && c.value.value === 'signature-agent')
  const key = component?.params.get('key')
  if (key === undefined) {
    const item = parseItemField(header)
    return item !== null && item.value.type === 'string' ? item.value.value : null
  }
  if (key.type !== 'string') return null
  const member = parseDictionary(header)?.get(key.value)
  return member !== undefined && member.kind === 'item' && member.value.type === 'string' ? member.value.value : null
}

/** A covered component's value in the signature base (RFC 9421 §2.1, §2.2). */
function componentValue(component: Item, r: SignedRequest): Result<string, SignatureProblem> {
  const name = (component.value as BareItem & { type: 'string' }).value
  const params = [...component.params.keys()]
  if (name.startsWith('@')) {
    if (params.length > 0) return err('unsupported_component')
    switch (name) {
      case '@method':
        return ok(r.method)
      case '@authority':
        return ok(r.url.host.toLowerCase())
      case '@scheme':
        return ok(r.url.protocol.replace(/:$/, '').toLowerCase())
      case '@target-uri':
        return ok(r.url.href)
      case '@path':
        return ok(r.url.pathname === '' ? '/' : r.url.pathname)
      case '@query':
        return ok(r.url.search === '' ? '?' : r.url.search)
      default:
        return err('unsupported_component')
    }
  }
  if (name !== name.toLowerCase() || name.length === 0) return err('unsupported_component')
  // Only `key` (one member of a Dictionary field) is supported among the component parameters.
  if (params.some((p) => p !== 'key')) return err('unsupported_component')
  const raw = r.headers.get(name)
  if (raw === null) return err('missing_component')
  const key = component.params.get('key')
  if (key === undefined) return ok(raw.trim())
  if (key.type !== 'string') return err('unsupported_component')
  const member: Member | undefined = parseDictionary(raw)?.get(key.value)
  return member === undefined ? err('missing_component') : ok(serializeMember(member))
}

function stringParam(m: InnerList, name: string): string | null {
  const v = m.params.get(name)
  return v !== undefined && v.type === 'string' ? v.value : null
}

function integerParam(m: InnerList, name: string): number | null {
  const v = m.params.get(name)
  return v !== undefined && v.type === 'integer' ? v.value : null
}
