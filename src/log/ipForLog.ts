// IP privacy for logs: takes the client IP and the configured mode, returns the text to
// log — full, truncated to its /24 or /48, or marked for keyed hashing by the caller.
// Must not hash here (hashing is async WebCrypto in the Worker).
import { ipPrefix } from '../config/cidr'
import type { IpLogMode } from '../config/schema'

export function ipForLog(ip: string, mode: Exclude<IpLogMode, 'hashed'>): string {
  return mode === 'full' ? ip : ipPrefix(ip)
}
