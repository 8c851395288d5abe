// The workerd side of the token bench: one POST runs `n` of one token operation and answers when
// done; bench/tokens.ts reads the workerd process's CPU time around it. The shipped operations
// (HS256 device cookie and SDK nonce, written by hand; the device cookie verified through jose) run
// beside what they replaced (ES256 signed through jose's SignJWT) and the legacy path still shipped
// (an ES256 cookie verified). Bundled by bench/tokens.ts and run under Miniflare.
import { SignJWT } from 'jose'
import { parseCookieKeys, type CookieKeys } from '../../signals/cookieKeys'
import { DEVICE_TOKEN_TTL_S, DEVICE_TOKEN_TYP } from '../../signals/deviceClaims'
import { verifyDeviceToken } from '../../signals/deviceToken'
import { issueDeviceToken } from '../../signals/issueDeviceToken'
import { issueSdkNonce, SDK_NONCE_TTL_S, SDK_NONCE_TYP } from '../../signals/sdkNonce'

export const TOKEN_OPS = [
  'nonce_issue', 'nonce_issue_es256_jose', 'device_issue', 'device_issue_es256_jose', 'device_verify_cold', 'device_verify_cold_es256',
] as const
export type TokenOp = (typeof TOKEN_OPS)[number]

interface Job {
  readonly secret: string
  readonly op: TokenOp | 'setup'
  readonly n: number
}

const NOW = Date.UTC(2026, 11, 7, 12)
const bind = { uaHash: 'AAAAAAAAAAAAAAAA', ipPrefixHash: 'BBBBBBBBBBBBBBBB' }
const id = (i: number): string => `D${i.toString(36).padStart(21, '0')}`

/** Per secret: the key set that issues, another parse of it that verifies (its verified cache starts empty), distinct tokens to verify. */
let made: { secret: string; issuer: CookieKeys; verifier: CookieKeys; hs: string[]; es: string[] } | undefined

/** What shipped before 2026-12-07: the claims through jose's builder, signed ES256 with the same key. */
function es256(claims: object, keys: CookieKeys, typ: string): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: keys.signer.kid, typ }).sign(keys.signer.key)
}

const deviceClaims = (i: number) => ({ v: 1, sub: id(i), iat: NOW / 1000, exp: NOW / 1000 + DEVICE_TOKEN_TTL_S, fs: NOW / 1000, b: { u: bind.uaHash, n: bind.ipPrefixHash }, t: null, pf: null, rd: null })

export async function setup(secret: string, n: number): Promise<NonNullable<typeof made>> {
  const issuer = await parseCookieKeys(secret)
  const verifier = await parseCookieKeys(secret)
  if (!issuer.ok || !verifier.ok) throw new Error('bench tokens: keys')
  const hs: string[] = []
  const es: string[] = []
  for (let i = 0; i < n; i++) {
    hs.push(await issueDeviceToken({ deviceId: id(i), firstSeen: NOW, now: NOW, telemetry: null, ...bind }, issuer.value))
    es.push(await es256(deviceClaims(i), issuer.value, DEVICE_TOKEN_TYP))
  }
  return { secret, issuer: issuer.value, verifier: verifier.value, hs, es }
}

export async function runOp(op: TokenOp, n: number, m: NonNullable<typeof made>): Promise<number> {
  let chars = 0
  const iat = NOW / 1000
  for (let i = 0; i < n; i++) {
    if (op === 'nonce_issue') chars += (await issueSdkNonce({ id: 'N'.repeat(22), now: NOW, ...bind }, m.issuer)).length
    else if (op === 'nonce_issue_es256_jose') chars += (await es256({ v: 1, jti: 'N'.repeat(22), iat, exp: iat + SDK_NONCE_TTL_S, b: { u: bind.uaHash, n: bind.ipPrefixHash } }, m.issuer, SDK_NONCE_TYP)).length
    else if (op === 'device_issue') chars += (await issueDeviceToken({ deviceId: id(i), firstSeen: NOW, now: NOW, telemetry: null, ...bind }, m.issuer)).length
    else if (op === 'device_issue_es256_jose') chars += (await es256(deviceClaims(i), m.issuer, DEVICE_TOKEN_TYP)).length
    else {
      // A fresh key-set object per pass, so every token is one this isolate has not verified (a cold cookie).
      if (i % m.hs.length === 0) {
        const fresh = await parseCookieKeys(m.secret)
        if (!fresh.ok) throw new Error('bench tokens: keys')
        m.verifier = fresh.value
      }
      const token = (op === 'device_verify_cold' ? m.hs : m.es)[i % m.hs.length]!
      const state = await verifyDeviceToken(token, { ok: true, value: m.verifier }, { now: NOW, ...bind })
      if (state.kind !== 'valid') throw new Error(`bench tokens: ${op} did not verify (${state.kind})`)
      chars += token.length
    }
  }
  return chars
}

export default {
  async fetch(request: Request): Promise<Response> {
    const job = (await request.json()) as Job
    if (job.op === 'setup' || made === undefined || made.secret !== job.secret) made = await setup(job.secret, Math.max(1, job.n))
    if (job.op === 'setup') return Response.json({ ok: true })
    return Response.json({ chars: await runOp(job.op, job.n, made) })
  },
}
