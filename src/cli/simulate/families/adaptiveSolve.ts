// The attacker's native proof-of-work solver: takes a challenge id and a difficulty, returns the
// first decimal counter whose SHA-256(challenge ‖ counter) has that many leading zero bits, or null.
// node:crypto, one synchronous digest per counter (Node, and workerd with nodejs_compat). Pure.
import { createHash } from 'node:crypto'

/** SHA-256 in Node, one digest per counter: the native solver a script uses (no browser, no Web Crypto batching). */
export function solveNative(challengeId: string, bits: number, limit = 2 ** 26): string | null {
  const full = Math.floor(bits / 8)
  const mask = bits % 8 === 0 ? 0 : 0xff << (8 - (bits % 8)) & 0xff
  for (let n = 0; n < limit; n++) {
    const d = createHash('sha256').update(challengeId + n).digest()
    let ok = true
    for (let i = 0; i < full && ok; i++) ok = d[i] === 0
    if (ok && (mask === 0 || (d[full]! & mask) === 0)) return String(n)
  }
  return null
}
