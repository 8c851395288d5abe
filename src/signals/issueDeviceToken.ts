// Device token issuing: takes the device id, first-seen time, `now`, telemetry and binding
// hashes plus the signing key; returns the compact JWS (HS256: only this Worker checks it), and
// remembers it as verified in this isolate (deviceToken.ts). No clock, no randomness inside.
import type { BindingHashes } from './binding'
import type { CookieKeys } from './cookieKeys'
import { DEVICE_TOKEN_TTL_S, DEVICE_TOKEN_TYP, type DeviceClaims } from './deviceClaims'
import type { Telemetry } from './telemetry'
import { compactTelemetry } from './telemetrySummary'
import { rememberIssued } from './deviceToken'
import { signMacJws } from './macJws'

export interface IssueInput extends BindingHashes {
  readonly deviceId: string
  /** Epoch milliseconds. */
  readonly firstSeen: number
  readonly now: number
  readonly telemetry: Telemetry | null
  /** Epoch ms of the device's first proof by an SDK nonce, or null/absent (unproven). */
  readonly provenAt?: number | null
  /** Devices seen with this telemetry's fingerprint in the last hour, or null/absent. */
  readonly telemetrySeenDevices?: number | null
}

export async function issueDeviceToken(input: IssueInput, keys: CookieKeys): Promise<string> {
  const iat = Math.floor(input.now / 1000)
  const fs = Math.min(Math.floor(input.firstSeen / 1000), iat)
  // A proof lies between the device's first sighting and this issue (the verifier checks it).
  const pf = input.provenAt == null ? null : Math.min(Math.max(Math.floor(input.provenAt / 1000), fs), iat)
  const claims: DeviceClaims = {
    v: 1,
    sub: input.deviceId,
    iat,
    exp: iat + DEVICE_TOKEN_TTL_S,
    fs,
    b: { u: input.uaHash, n: input.ipPrefixHash },
    t: input.telemetry === null ? null : compactTelemetry(input.telemetry),
    pf,
    rd: input.telemetrySeenDevices ?? null,
  }
  const token = await signMacJws(claims, keys.deviceMacs.signer, DEVICE_TOKEN_TYP)
  rememberIssued(keys, token, claims)
  return token
}
