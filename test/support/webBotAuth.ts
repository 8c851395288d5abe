// A Web Bot Auth agent for tests: a real Ed25519 key pair (WebCrypto), its key directory (JWKS) and
// a signer that writes Signature, Signature-Input and Signature-Agent per RFC 9421. The signature base
// is written out here by hand, independently of src/signals/webBotAuth, so a mistake there fails tests.

export const DIRECTORY_PATH = '/.well-known/http-message-signatures-directory'

export interface SignOptions {
  /** Seconds; default now. */
  readonly created?: number
  /** Seconds; default created + 300. */
  readonly expires?: number
  readonly nonce?: string
  readonly tag?: string
  readonly keyid?: string
  /** Covered components, in order; default @authority, @method, @path, signature-agent. */
  readonly components?: readonly string[]
  /** The authority signed (default: the request URL's host). */
  readonly authority?: string
  /** `dictionary`: `Signature-Agent: sig1="…"` covered as `"signature-agent";key="sig1"` (later drafts). */
  readonly agentForm?: 'string' | 'dictionary'
}

export interface TestAgent {
  /** What Signature-Agent names: the agent's origin. */
  readonly url: string
  readonly keyid: string
  readonly jwk: { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string }
  /** The JWKS its directory serves. */
  readonly directory: { readonly keys: readonly object[] }
  sign(method: string, url: string, options?: SignOptions): Promise<Record<string, string>>
}

let nonceCounter = 0

export async function makeAgent(url: string): Promise<TestAgent> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair
  const exported = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as { x: string }
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: exported.x } as const
  const keyid = await thumbprint(jwk.x)
  return {
    url,
    keyid,
    jwk,
    directory: { keys: [{ ...jwk, kid: keyid, use: 'sig' }] },
    async sign(method, target, o = {}) {
      const now = Math.floor(Date.now() / 1000)
      const created = o.created ?? now
      const expires = o.expires ?? created + 300
      const nonce = o.nonce ?? `n${Date.now().toString(36)}${(nonceCounter++).toString(36)}${Math.random().toString(36).slice(2)}`
      const dictionary = o.agentForm === 'dictionary'
      const agentHeader = dictionary ? `sig1="${url}"` : `"${url}"`
      const components = o.components ?? ['@authority', '@method', '@path', 'signature-agent']
      const u = new URL(target)
      const ids = components.map((c) => (c === 'signature-agent' && dictionary ? '"signature-agent";key="sig1"' : `"${c}"`))
      const values: Record<string, string> = {
        '@authority': o.authority ?? u.host,
        '@method': method.toUpperCase(),
        '@path': u.pathname,
        'signature-agent': dictionary ? `"${url}"` : agentHeader,
      }
      const params = `(${ids.join(' ')});created=${created};expires=${expires};keyid="${o.keyid ?? keyid}";alg="ed25519";nonce="${nonce}";tag="${o.tag ?? 'web-bot-auth'}"`
      const lines = components.map((c, i) => `${ids[i]}: ${values[c] ?? ''}`)
      lines.push(`"@signature-params": ${params}`)
      const base = new TextEncoder().encode(lines.join('\n'))
      const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', pair.privateKey, base))
      return { signature: `sig1=:${b64(signature)}:`, 'signature-input': `sig1=${params}`, 'signature-agent': agentHeader }
    },
  }
}

/** Flips one bit of the signature's first byte (a tampered signature that still parses). */
export function tamperSignature(headers: Record<string, string>): Record<string, string> {
  const m = /^sig1=:([^:]*):$/.exec(headers.signature ?? '')
  if (m === null) throw new Error('not a sig1 signature')
  const bytes = Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0))
  bytes[0] = bytes[0]! ^ 1
  return { ...headers, signature: `sig1=:${b64(bytes)}:` }
}

async function thumbprint(x: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`)))
  return b64(digest).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function b64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}
