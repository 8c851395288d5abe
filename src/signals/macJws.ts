// MAC-signed compact JWS (RFC 7515, HS256) for tokens only this Worker issues and checks: the device
// cookie and the page's SDK nonce. Written here rather than through jose's SignJWT: on every page view
// and collect, jose's claim builder (a structuredClone of the claims) and header serialisation cost more
// than the MAC itself. jose verifies what this signs (deviceToken.ts, sdkNonce.ts); tests hold them together.
import { base64url, base64urlText } from '../util/base64url'

export const MAC_JWS_ALG = 'HS256' as const

/** Each (kid, typ) header, encoded once per isolate: its fields never change. */
const encodedHeaders = new Map<string, string>()

/** The protected header exactly as written: {"alg","kid","typ"} in that order (verifiers compare it as text). */
export function macHeader(kid: string, typ: string): string {
  return JSON.stringify({ alg: MAC_JWS_ALG, kid, typ })
}

function encodedHeader(kid: string, typ: string): string {
  const key = `${kid}\n${typ}`
  let h = encodedHeaders.get(key)
  if (h === undefined) {
    h = base64urlText(macHeader(kid, typ))
    if (encodedHeaders.size >= 32) encodedHeaders.clear()
    encodedHeaders.set(key, h)
  }
  return h
}

const encoder = new TextEncoder()

/** `claims` as a compact JWS under `key` (an HMAC-SHA-256 CryptoKey), named by `kid`, of type `typ`. */
export async function signMacJws(claims: object, key: { readonly kid: string; readonly key: CryptoKey }, typ: string): Promise<string> {
  const signingInput = `${encodedHeader(key.kid, typ)}.${base64urlText(JSON.stringify(claims))}`
  const mac = await crypto.subtle.sign('HMAC', key.key, encoder.encode(signingInput))
  return `${signingInput}.${base64url(new Uint8Array(mac))}`
}
