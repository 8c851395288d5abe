// Bench (console): what noting a decision for the console costs the request, in Node — the
// sample's copy of the log line and its per-minute cells added to the isolate's pending batch
// (worker/logDecision.ts does exactly this per request), taken every 256 lines as a flush would.
// Enforce lines (would_action = action) and shadow lines (they differ) timed apart. Returns µs.
import { PendingConsole, sampleLineFrom } from '../../console/batch'
import type { DecisionLogLine } from '../../log/logLine'

const WARMUP = 5_000
const RUNS = 100_000
const FLUSH_EVERY = 256
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

function line(i: number, shadow: boolean): DecisionLogLine {
  const mitigated = i % 10 === 0
  return {
    ts: '2026-12-06T12:00:00.000Z', ref: `ref${i}`, ray: null, method: 'GET', host: `shop${i % 4}.example`, path: `/p/${i % 50}`,
    route: i % 3 === 0 ? 'login' : 'other', ip: `203.0.113.${i % 250}`, asn: 64500, country: 'DE', ja3: null, ja4: null, device: null, app: null,
    agent: null, crawler: null, user: null, risk: mitigated ? 0.9 : 0.1, model_risk: 0.1,
    action: shadow || !mitigated ? 'allow' : 'block', would_action: mitigated ? 'block' : 'allow', source: 'model', mode: shadow ? 'shadow' : 'enforce',
    reasons: mitigated ? ['credential_stuffing', 'hosting_asn'] : [], rules: mitigated ? ['stuffing'] : [], model: 'm1', config: 'c1',
    origin_status: 200, counters: 'ok', cookie: 'valid', missing: [],
  }
}

function measure(shadow: boolean): { median: number; p99: number } {
  const pending = new PendingConsole()
  const lines = Array.from({ length: 1_000 }, (_, i) => line(i, shadow))
  const now = Date.UTC(2026, 11, 6, 12)
  const times: number[] = []
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const l = lines[i % lines.length]!
    const t0 = process.hrtime.bigint()
    pending.note(sampleLineFrom(l, now + i, UA))
    const t = Number(process.hrtime.bigint() - t0) / 1000
    if (i >= WARMUP) times.push(t)
    if (i % FLUSH_EVERY === FLUSH_EVERY - 1) pending.take()
  }
  times.sort((a, b) => a - b)
  const q = (p: number) => Math.round((times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN) * 100) / 100
  return { median: q(0.5), p99: q(0.99) }
}

export async function run(): Promise<Record<string, number>> {
  const enforce = measure(false)
  const shadow = measure(true)
  console.log(`\nconsole: noting one decision (sample copy + per-minute cells), Node, ${RUNS} lines, taken every ${FLUSH_EVERY}`)
  console.log(`${'mode'.padEnd(10)} ${'median µs'.padStart(10)} ${'p99 µs'.padStart(10)}`)
  for (const [name, t] of [['enforce', enforce], ['shadow', shadow]] as const) console.log(`${name.padEnd(10)} ${t.median.toFixed(2).padStart(10)} ${t.p99.toFixed(2).padStart(10)}`)
  return { console_note_enforce_p50_us: enforce.median, console_note_enforce_p99_us: enforce.p99, console_note_shadow_p50_us: shadow.median, console_note_shadow_p99_us: shadow.p99 }
}
