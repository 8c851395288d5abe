// Unblock: takes a deny target; lifts its entry everywhere (object, registry, KV mirror, this
// isolate's cache) and makes the counter objects that put it there forget what they counted, so
// the source's next request is judged afresh instead of tripping the same rule and being listed
// again. Shared evidence stays: the IP prefix and zone-wide figures, and other sources' counts.
import { holderOf, type DenyTarget } from '../../src/counters/deny'
import { counterName, type KeyKind } from '../../src/counters/keys'
import { keyedTarget, liftDeny, stubOf, BACKGROUND_BUDGET_MS } from './denyClient'
import { isolateCaches } from './isolate'
import { settleWithin } from './settle'

export interface UnblockResult {
  /** False when an object or the registry could not be reached in time (nothing is half-claimed as done). */
  readonly stored: boolean
  /** A live deny entry was found and lifted. */
  readonly lifted: boolean
  /** The counter keys whose counts were forgotten, as `kind:value`. */
  readonly forgot: readonly string[]
}

/** The journey keys whose counts decide about this source: the holder, and for user+IP the IP too. */
function keysToForget(target: DenyTarget): { readonly kind: KeyKind; readonly value: string }[] {
  const holder = holderOf(target)
  return target.kind === 'user_ip' ? [holder, { kind: 'ip', value: target.ip }] : [holder]
}

export async function unblockSource(env: Env, target: DenyTarget, ipv6PrefixBits?: number): Promise<UnblockResult> {
  const keyed = keyedTarget(target, ipv6PrefixBits)
  const keys = keysToForget(keyed)
  // This isolate's held view of them goes too (snapshot and unsent writes); another isolate's snapshot
  // ages out within SNAPSHOT_MAX_AGE_MS, or at its next read of the key.
  for (const k of keys) isolateCaches.ledger.drop(counterName(k.kind, k.value))
  const [lift, forgotten] = await Promise.all([
    liftDeny(env, target, { ipv6PrefixBits }),
    settleWithin(keys.map((k) => () => stubOf(env.COUNTERS, counterName(k.kind, k.value)).forget()), BACKGROUND_BUDGET_MS),
  ])
  const forgot = keys.filter((_, i) => forgotten[i]?.state === 'ok').map((k) => `${k.kind}:${k.value}`)
  return { stored: lift.stored && forgot.length === keys.length, lifted: lift.found, forgot }
}
