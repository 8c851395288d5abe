// Counts one event of the address on its IP key after the answer (call in ctx.waitUntil): a challenge
// page shown to a client without a device cookie, or a challenge passed from it. Held with this
// isolate's writes for the key when it read the key lately (no call of its own; the next flush takes
// it), else sent at once. Never rejects: a count lost to a fault only lets a client through.
import { parseIp } from '../../src/config/cidr'
import { denyKey } from '../../src/counters/deny'
import { ipCounterKey } from '../../src/counters/ipKey'
import { counterName } from '../../src/counters/keys'
import type { Metric } from '../../src/counters/metrics'
import { countHeld, type ClientOptions, type CountersEnv } from './client'
import { BACKGROUND_BUDGET_MS, stubOf } from './denyClient'
import { settleWithin } from './settle'

export async function countOnAddress(env: CountersEnv, ip: string, metric: Metric, now: number, opts: ClientOptions = {}): Promise<void> {
  try {
    if (parseIp(ip) === null) return // no address (a direct call without cf-connecting-ip): nothing to count it on
    const key = ipCounterKey(ip, opts.ipv6PrefixBits)
    const deny = { key: denyKey({ kind: 'ip', ip: key }), kind: 'ip' as const }
    if (countHeld(env, [{ kind: 'ip', value: key, deny }], metric, now, opts) !== null) return
    await settleWithin([() => stubOf(env.COUNTERS, counterName('ip', key)).observe({ now, bumps: [metric], distinct: [], deny: null })], BACKGROUND_BUDGET_MS)
  } catch {
    // fail open: uncounted
  }
}
