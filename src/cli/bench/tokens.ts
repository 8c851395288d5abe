// Token bench: what the device cookie and the SDK nonce cost in workerd CPU — the shipped HS256 paths
// beside the ES256-through-jose ones they replaced (2026-12-07), and the legacy ES256 verify still
// shipped for cookies issued before. workerd's clock only moves on I/O, so each operation is timed by
// the workerd process's CPU (all threads, /proc) around one call that runs it `n` times; rounds
// alternate the operations, and the median round is the figure (with the round spread printed).
// Usage: BENCH_ONLY=tokens npm run bench   (BENCH_TOKEN_N=2000, BENCH_TOKEN_ROUNDS=5)
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeDevKeySet } from '../dev-keys'
import { median as medianOrNull } from '../simulate/report'
import { TOKEN_OPS, type TokenOp } from './tokens-worker'
import { cpuNs } from './worker'
import { round, startInWorkerd, workerdPids } from './workerd'

const DESCRIBE: Record<TokenOp, string> = {
  nonce_issue: "a page's SDK nonce, HS256 written by hand (shipped)",
  nonce_issue_es256_jose: 'the same claims, ES256 through jose SignJWT (replaced)',
  device_issue: "collect's device cookie, HS256 written by hand (shipped)",
  device_issue_es256_jose: 'the same claims, ES256 through jose SignJWT (replaced)',
  device_verify_cold: 'a device cookie the isolate has not seen, HS256 (shipped)',
  device_verify_cold_es256: 'the same, ES256 (a cookie issued before: still verified)',
}

const median = (xs: readonly number[]): number => medianOrNull(xs) ?? Number.NaN

export async function run(): Promise<Record<string, number>> {
  const n = Number(process.env.BENCH_TOKEN_N ?? 2000)
  const rounds = Number(process.env.BENCH_TOKEN_ROUNDS ?? 5)
  const here = dirname(fileURLToPath(import.meta.url))
  const workerd = await startInWorkerd(`export { default } from ${JSON.stringify(join(here, 'tokens-worker.ts'))}`, 'bench-tokens-entry.ts')
  const secret = await makeDevKeySet()
  const perOp = new Map<TokenOp, number[]>(TOKEN_OPS.map((op) => [op, []]))
  try {
    await workerd.call({ secret, op: 'setup', n })
    const pids = workerdPids()
    for (const op of TOKEN_OPS) await workerd.call({ secret, op, n: Math.ceil(n / 10) }) // warm the JIT
    for (let r = 0; r < rounds; r++) {
      for (const op of TOKEN_OPS) {
        const before = cpuNs(pids)
        await workerd.call({ secret, op, n })
        const after = cpuNs(pids)
        if (before === null || after === null) throw new Error('bench tokens: no workerd process CPU (Linux /proc only)')
        perOp.get(op)!.push((after - before) / 1000 / n)
      }
    }
  } finally {
    await workerd.dispose()
  }
  console.log(`\nTokens in workerd: µs of process CPU per operation, median of ${rounds} alternating rounds of ${n} (round range)`)
  const out: Record<string, number> = {}
  for (const op of TOKEN_OPS) {
    const xs = perOp.get(op)!
    console.log(`${op.padEnd(26)} ${median(xs).toFixed(1).padStart(7)}  (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})  ${DESCRIBE[op]}`)
    out[`token_${op}_us`] = round(median(xs))
  }
  const ratio = (a: TokenOp, b: TokenOp): number => round(median(perOp.get(b)!) / median(perOp.get(a)!), 2)
  console.log(`replaced / shipped: nonce ${ratio('nonce_issue', 'nonce_issue_es256_jose')}×, cookie issue ${ratio('device_issue', 'device_issue_es256_jose')}×, cold cookie verify ${ratio('device_verify_cold', 'device_verify_cold_es256')}×`)
  return out
}
