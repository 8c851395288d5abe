// base64url without padding (RFC 4648 §5), written out with a lookup table: the page view's SDK
// nonce, its id and the binding hashes encode on every request, and btoa plus three regex
// replacements cost more than the encoding itself. Decoding (rarer: key import, a demo cookie) goes
// through atob.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** `bytes` as base64url, no padding. */
export function base64url(bytes: Uint8Array): string {
  let out = ''
  const n = bytes.length
  let i = 0
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!
  }
  if (i + 1 === n) {
    const v = bytes[i]! << 16
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]!
  } else if (i + 2 === n) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]!
  }
  return out
}

const encoder = new TextEncoder()

/** A string's UTF-8 bytes as base64url, no padding. */
export function base64urlText(text: string): string {
  return base64url(encoder.encode(text))
}

/** Unpadded base64url (as JWS and JWK write it) → bytes, or null when it is not that: one spelling per value. */
export function base64urlBytes(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null
  try {
    return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
  } catch {
    return null
  }
}
