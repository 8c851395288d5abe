// Dev keys: makes an ephemeral ES256 JWK set (JSON) for `npm start`, or prints one for
// `wrangler secret put EDGEWARD_COOKIE_KEYS`. Never writes a key to disk, never a fixed key.
import { fileURLToPath } from 'node:url'
import { exportJWK, generateKeyPair } from 'jose'
import { DEVICE_TOKEN_ALG } from '../signals/cookieKeys'

/** One private JWK with a fresh kid: `<prefix>-<yyyymmdd>-<random>`. */
export async function makeSigningJwk(prefix = 'dev', date = new Date()): Promise<Record<string, unknown>> {
  const { privateKey } = await generateKeyPair(DEVICE_TOKEN_ALG, { extractable: true })
  const jwk = await exportJWK(privateKey)
  const day = date.toISOString().slice(0, 10).replace(/-/g, '')
  const rand = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d, kid: `${prefix}-${day}-${rand}`, alg: DEVICE_TOKEN_ALG, use: 'sig' }
}

/** An ephemeral key set for local development: new on every `npm start`. */
export async function makeDevKeySet(): Promise<string> {
  return JSON.stringify({ keys: [await makeSigningJwk('dev')] })
}

/**
 * CLI: `tsx src/cli/dev-keys.ts [existing-set.json]` prints a new set for production, with the
 * new key FIRST (it signs) followed by the existing keys (they keep verifying old cookies).
 */
async function main(): Promise<void> {
  const existingPath = process.argv[2]
  const old: unknown[] = []
  if (existingPath !== undefined) {
    const { readFile } = await import('node:fs/promises')
    const parsed = JSON.parse(await readFile(existingPath, 'utf8')) as { keys?: unknown[] }
    old.push(...(parsed.keys ?? []))
  }
  console.log(JSON.stringify({ keys: [await makeSigningJwk('k'), ...old].slice(0, 8) }))
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e)
    process.exit(1)
  })
}
