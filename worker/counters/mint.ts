// Device mint counting for POST /__edgeward/collect: each new device cookie is a counted event
// on its IP (its /64 for IPv6), IP prefix and ASN keys. Takes bindings, the source's keys and the
// caller's time; returns each key's devices_minted windows. Never rejects, never retries.
import { ipCounterKey } from '../../src/counters/ipKey'
import { counterName, type KeyKind } from '../../src/counters/keys'
import type { Windows } from '../../src/counters/windows'
import type { ClientOptions, CountersEnv } from './client'
import { stubOf } from './denyClient'
import { settleWithin } from './settle'

/** Minting is on collect's path, a little behind the page: the same order of budget as a request's read. */
export const MINT_BUDGET_MS = 25

/** devices_minted windows per key after this mint; a key that did not answer in time is null. */
export interface MintCounts {
  readonly ip: Windows | null
  readonly prefix: Windows | null
  /** Null also when the request has no ASN. */
  readonly asn: Windows | null
}

/** The `asn` key's value for a usable ASN (1..2^32-1), else null. */
export function asnKeyValue(asn: number | null | undefined): string | null {
  return typeof asn === 'number' && Number.isInteger(asn) && asn > 0 && asn <= 4_294_967_295 ? String(asn) : null
}

/**
 * Counts one minted device on the source's IP, prefix and ASN keys (in parallel, within
 * `budgetMs`) and returns their windows. Null when no key answered (timeout, error, no binding).
 */
export async function countMint(
  env: CountersEnv,
  keys: { readonly ip: string; readonly ipPrefix: string; readonly asn: number | null },
  now: number,
  budgetMs: number = MINT_BUDGET_MS,
  opts: Pick<ClientOptions, 'ipv6PrefixBits'> = {},
): Promise<MintCounts | null> {
  try {
    const asn = asnKeyValue(keys.asn)
    const targets: [KeyKind, string][] = [['ip', ipCounterKey(keys.ip, opts.ipv6PrefixBits)], ['prefix', keys.ipPrefix]]
    if (asn !== null) targets.push(['asn', asn])
    const results = await settleWithin(
      targets.map(([kind, value]) => () =>
        stubOf(env.COUNTERS, counterName(kind, value)).observe({ now, bumps: ['devices_minted'], distinct: [], deny: null }),
      ),
      budgetMs,
    )
    const windows = results.map((r) => (r.state === 'ok' ? (r.value.counts?.devices_minted ?? null) : null))
    if (windows.every((w) => w === null)) return null
    return { ip: windows[0] ?? null, prefix: windows[1] ?? null, asn: asn === null ? null : (windows[2] ?? null) }
  } catch {
    return null // never throws: a fault here must not cost the browser its cookie
  }
}
