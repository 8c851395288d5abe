// Web Bot Auth on the request path: takes the request facts, config and env; returns whether the
// request carries a verified agent's signature (and which agent, and the operator's policy for it),
// or why not. Runs only when Signature, Signature-Input and Signature-Agent are all present. Fails
// closed on the signature (anything wrong = not verified) and never throws: an unverified request is
// judged like any unsigned one.
import type { CompiledConfig } from '../../src/config/compileConfig'
import type { AgentPolicy } from '../../src/config/schema'
import { agentIdentity, locateAgent } from '../../src/signals/webBotAuth/keyDirectory'
import { agentHeaders, readSignature } from '../../src/signals/webBotAuth/readSignature'
import type { RequestFacts } from '../request'
import { readDirectory } from './directoryCache'
import { redeemAgentNonce } from './nonces'

export type AgentCheck =
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'verified'; readonly identity: string; readonly name: string | null; readonly policy: AgentPolicy | null; readonly counterKey: string }
  /** `reason` goes on the line as `agent_unverified:<reason>`; `missing` (an infrastructure fault) into `missing`. */
  | { readonly kind: 'unverified'; readonly reason: string; readonly missing: string | null }

export async function verifyAgent(facts: RequestFacts, config: CompiledConfig, env: Env, now: number): Promise<AgentCheck> {
  const headers = agentHeaders(facts.headers)
  if (headers === null) return { kind: 'unsigned' }
  try {
    const read = readSignature(headers, { method: facts.method, url: facts.url, headers: facts.headers }, now)
    if (!read.ok) return unverified(read.reason)
    const where = locateAgent(read.value.agentUrl, env.EDGEWARD_TRUST_TEST_HEADERS === 'true')
    if (where === null) return unverified('bad_agent_url')
    // An operator who names its agents can refuse to fetch a directory for any other.
    if (config.source.agents_unlisted === 'ignore' && policyFor(config, where.identity) === null) return unverified('unlisted')
    const directory = await readDirectory(where.directoryUrl, now)
    if (!directory.ok) {
      const fault = directory.problem === 'timeout' || directory.problem === 'unreachable'
      return { kind: 'unverified', reason: `directory_${directory.problem.replace(/^directory_/, '')}`, missing: fault ? `agent_directory:${directory.problem}` : null }
    }
    const key = await publicKey(directory.keys, read.value.keyid)
    if (key === null) return unverified('unknown_key')
    const valid = await crypto.subtle.verify('Ed25519', key, read.value.signature, read.value.base)
    if (!valid) return unverified('bad_signature')
    // Single use, checked last: a forged signature must not spend a real agent's nonce.
    const redeemed = await redeemAgentNonce(env, `${where.identity} ${read.value.keyid} ${read.value.nonce}`, read.value.expires * 1000)
    if (!redeemed.ok) return { kind: 'unverified', reason: 'nonce_unchecked', missing: 'agent_nonces' }
    if (redeemed.value === 'replayed') return unverified('replayed')
    const entry = policyFor(config, where.identity)
    return { kind: 'verified', identity: where.identity, name: entry?.name ?? null, policy: entry, counterKey: await agentCounterKey(where.identity) }
  } catch {
    // A key that will not import, a verify that throws: not verified, never a 5xx.
    return unverified('bad_signature')
  }
}

const unverified = (reason: string): AgentCheck => ({ kind: 'unverified', reason, missing: null })

async function publicKey(keys: Map<string, CryptoKey | string>, keyid: string): Promise<CryptoKey | null> {
  const held = keys.get(keyid)
  if (held === undefined) return null
  if (typeof held !== 'string') return held
  const imported = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: held }, { name: 'Ed25519' }, false, ['verify'])
  keys.set(keyid, imported) // imported once per cached directory
  return imported
}

/** The operator's entry for this agent (config `agents`, keyed by the agent's URL in any spelling of it). */
function policyFor(config: CompiledConfig, identity: string): AgentPolicy | null {
  let byIdentity = compiled.get(config)
  if (byIdentity === undefined) {
    // Once per loaded config, not per request.
    byIdentity = new Map()
    for (const [url, entry] of Object.entries(config.source.agents)) {
      const id = agentIdentity(url)
      if (id !== null) byIdentity.set(id, entry)
    }
    compiled.set(config, byIdentity)
  }
  return byIdentity.get(identity) ?? null
}
const compiled = new WeakMap<CompiledConfig, Map<string, AgentPolicy>>()

/** The agent's own counters key (its requests per minute), a digest: the URL is the client's to pad. */
async function agentCounterKey(identity: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(identity)))
  return `agent:${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}
