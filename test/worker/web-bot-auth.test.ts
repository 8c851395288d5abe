// Web Bot Auth through the real Worker: a signed agent (a real Ed25519 key, its JWKS directory served
// from the outbound-fetch stand-in, RFC 9421 signatures) is verified on its first request and named on
// the line; every malformed, tampered, expired, replayed, unknown-key or unreadable-directory signature
// is not verified, says why on the line, and is judged like an unsigned request — never a 5xx.
// The operator's per-agent policy (allow, block, rate limit) holds.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { resetDirectoryCacheForTests } from '../../worker/agents/directoryCache'
import { DIRECTORY_PATH, makeAgent, tamperSignature, type TestAgent } from '../support/webBotAuth'
import { callWorker, clearConfig, echoReply, writeConfig, type Call, type EchoReply } from '../support/worker'

afterEach(async () => {
  resetDirectoryCacheForTests()
  await clearConfig()
})

const SITE = 'http://edge.test'
const BOT_UA = 'ExampleAgent/1.0 (+https://agent.example/bot)'
let agents = 0
const freshUrl = (): string => `https://agent${++agents}.test`
let nets = 0
const freshIp = (): string => `100.98.${++nets}.9`

/** The stand-in network: the agent's directory at its well-known path, the echo origin for the rest. */
function serving(agent: TestAgent, directory?: EchoReply): EchoReply {
  return (seen) => {
    if (seen.url === agent.url + DIRECTORY_PATH) {
      return directory === undefined ? Response.json(agent.directory, { headers: { 'cache-control': 'max-age=600' } }) : directory(seen)
    }
    return echoReply(seen)
  }
}

async function signedGet(agent: TestAgent, path: string, headers: Record<string, string>, reply?: EchoReply, ip = freshIp()): Promise<Call> {
  return callWorker(`${SITE}${path}`, { headers: { 'user-agent': BOT_UA, accept: '*/*', ...headers } }, { clientIp: ip, reply: reply ?? serving(agent) })
}

function expectUnverified(call: Call, reason: string): void {
  expect(call.response.status).toBeLessThan(500)
  expect(call.logs).toHaveLength(1)
  const line = call.logs[0]!
  expect(line.agent).toBeNull()
  expect(line.reasons).toContain(`agent_unverified:${reason}`)
}

describe('a signed agent', () => {
  let agent: TestAgent
  beforeAll(async () => {
    agent = await makeAgent('https://listed.test')
  })

  it('listed with allow is verified and let in on its first request, and the line names it', async () => {
    await writeConfig({ version: 'wba-allow', agents: { 'https://listed.test': { name: 'Listed Agent', action: 'allow' } } })
    // A declared bot on a sensitive route: unsigned, the default rules block it.
    const unsigned = await callWorker(`${SITE}/login`, { headers: { 'user-agent': BOT_UA, accept: '*/*' } }, { clientIp: freshIp() })
    expect(unsigned.response.status).toBe(403)
    expect(unsigned.logs[0]!.agent).toBeNull()

    const call = await signedGet(agent, '/login', await agent.sign('GET', `${SITE}/login`))
    expect(call.response.status).toBe(200)
    const line = call.logs[0]!
    expect(line.agent).toBe('Listed Agent')
    expect(line.action).toBe('allow')
    expect(line.reasons).toEqual(['agent_allow'])
    // The directory was fetched once, from its well-known path, and the origin got the request.
    expect(call.seen.map((s) => s.url)).toEqual(['https://listed.test' + DIRECTORY_PATH, `http://origin.test/login`])
  })

  it('unlisted is verified and named by its URL, but trusted with nothing: its bot User-Agent still counts', async () => {
    // A key and a directory at any https path cost nothing: a stuffer signing with one of its own is
    // judged exactly as the same request unsigned, so signing switches no defence off.
    const unlisted = await makeAgent(freshUrl())
    const ip = freshIp()
    const unsigned = await callWorker(`${SITE}/login`, { headers: { 'user-agent': BOT_UA, accept: '*/*' } }, { clientIp: freshIp() })
    expect(unsigned.logs[0]!.rules).toContain('declared_bot_on_sensitive_route')
    const call = await signedGet(unlisted, '/login', await unlisted.sign('GET', `${SITE}/login`), undefined, ip)
    const line = call.logs[0]!
    expect(line.agent).toBe(unlisted.url)
    expect(line.rules).toContain('declared_bot_on_sensitive_route')
    expect(call.response.status).toBe(unsigned.response.status)
    expect((line.features as Record<string, number>).ua_is_bot).toBe(1)
  })

  it('listed without an action, its declared bot User-Agent is not held against it', async () => {
    const named = await makeAgent(freshUrl())
    await writeConfig({ version: 'wba-named', agents: { [named.url]: { name: 'Named Agent' } } })
    const call = await signedGet(named, '/login', await named.sign('GET', `${SITE}/login`))
    const line = call.logs[0]!
    expect(line.agent).toBe('Named Agent')
    expect(line.rules).not.toContain('declared_bot_on_sensitive_route')
    expect((line.features as Record<string, number>).ua_is_bot).toBe(0)
  })

  it('unlisted, with agents_unlisted "ignore", is neither fetched nor verified; a listed one still is', async () => {
    await writeConfig({ version: 'wba-listed-only', agents_unlisted: 'ignore', agents: { 'https://listed.test': { name: 'Listed Agent', action: 'allow' } } })
    const unlisted = await makeAgent(freshUrl())
    const call = await signedGet(unlisted, '/products', await unlisted.sign('GET', `${SITE}/products`))
    expectUnverified(call, 'unlisted')
    expect(call.seen.map((s) => s.url)).toEqual(['http://origin.test/products'])
    const listed = await signedGet(agent, '/login', await agent.sign('GET', `${SITE}/login`))
    expect(listed.logs[0]!.agent).toBe('Listed Agent')
    expect(listed.response.status).toBe(200)
  })

  it('in the later drafts\' form (Signature-Agent a Dictionary, the component keyed) is verified too', async () => {
    const dict = await makeAgent(freshUrl())
    const call = await signedGet(dict, '/products', await dict.sign('GET', `${SITE}/products`, { agentForm: 'dictionary' }))
    expect(call.logs[0]!.agent).toBe(dict.url)
  })

  it('reads its directory once while the directory\'s max-age lasts', async () => {
    const cached = await makeAgent(freshUrl())
    const first = await signedGet(cached, '/products', await cached.sign('GET', `${SITE}/products`))
    const second = await signedGet(cached, '/products', await cached.sign('GET', `${SITE}/products`))
    expect(first.logs[0]!.agent).toBe(cached.url)
    expect(second.logs[0]!.agent).toBe(cached.url)
    expect(second.seen.map((s) => s.url)).toEqual(['http://origin.test/products'])
  })
})

describe('a signature that does not verify', () => {
  const now = () => Math.floor(Date.now() / 1000)

  it.each([
    ['a tampered @authority', 'bad_signature', { authority: 'other.test' }],
    ['an expired signature', 'expired', { created: now() - 600, expires: now() - 60 }],
    ['a signature created in the future', 'created_in_future', { created: now() + 600, expires: now() + 900 }],
    ['a life longer than a day', 'lifetime_too_long', { created: now() - 10, expires: now() + 2 * 86400 }],
    ['an unknown key', 'unknown_key', { keyid: 'A'.repeat(43) }],
    ['no signature-agent component', 'missing_component', { components: ['@authority', '@method', '@path'] }],
    ['no @authority component', 'missing_component', { components: ['@method', '@path', 'signature-agent'] }],
    ['the wrong tag', 'wrong_tag', { tag: 'not-web-bot-auth' }],
  ] as const)('%s is not verified (%s)', async (_, reason, options) => {
    const agent = await makeAgent(freshUrl())
    const call = await signedGet(agent, '/products', await agent.sign('GET', `${SITE}/products`, options))
    expectUnverified(call, reason)
  })

  it('a tampered signature byte is not verified', async () => {
    const agent = await makeAgent(freshUrl())
    expectUnverified(await signedGet(agent, '/products', tamperSignature(await agent.sign('GET', `${SITE}/products`))), 'bad_signature')
  })

  it('a signature for another path is not verified', async () => {
    const agent = await makeAgent(freshUrl())
    expectUnverified(await signedGet(agent, '/products/2', await agent.sign('GET', `${SITE}/products/1`)), 'bad_signature')
  })

  it('a reused nonce is verified once, then refused as replayed', async () => {
    const agent = await makeAgent(freshUrl())
    const headers = await agent.sign('GET', `${SITE}/products`)
    const first = await signedGet(agent, '/products', headers)
    expect(first.logs[0]!.agent).toBe(agent.url)
    expectUnverified(await signedGet(agent, '/products', headers), 'replayed')
  })

  it.each([
    ['a directory that answers 404', 'directory_status', () => new Response('not found', { status: 404 })],
    ['a garbled directory', 'directory_garbled', () => new Response('{"keys": "nope"', { status: 200 })],
    ['a directory without an Ed25519 key', 'directory_garbled', () => Response.json({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] })],
  ] as const)('%s is not verified (%s)', async (_, reason, directory) => {
    const agent = await makeAgent(freshUrl())
    const call = await signedGet(agent, '/products', await agent.sign('GET', `${SITE}/products`), serving(agent, directory))
    expectUnverified(call, reason)
    expect(call.logs[0]!.missing).not.toContain('agent_directory:timeout')
  })

  it('a directory slower than its deadline fails open to unverified, and the line says what was missing', async () => {
    const agent = await makeAgent(freshUrl())
    const slow: EchoReply = async () => {
      await new Promise((r) => setTimeout(r, 1500))
      return Response.json(agent.directory)
    }
    const started = Date.now()
    const call = await signedGet(agent, '/products', await agent.sign('GET', `${SITE}/products`), serving(agent, slow))
    expectUnverified(call, 'directory_timeout')
    expect(call.logs[0]!.missing).toContain('agent_directory:timeout')
    expect(call.response.status).toBe(200)
    // The deadline (500 ms), not the directory's 1.5 s, bounded the wait.
    expect(Date.now() - started).toBeLessThan(1400)
  })

  it('a directory URL that is not https is never fetched', async () => {
    const agent = await makeAgent('http://agent-plain.test')
    const call = await signedGet(agent, '/products', await agent.sign('GET', `${SITE}/products`))
    expectUnverified(call, 'bad_agent_url')
    expect(call.seen.map((s) => s.url)).toEqual(['http://origin.test/products'])
  })

  it('a loopback http directory is accepted only where test input is trusted (npm start), never in production', async () => {
    const agent = await makeAgent('http://127.0.0.1:19600')
    const call = (flag: string) => async () =>
      callWorker(`${SITE}/products`, { headers: { 'user-agent': BOT_UA, accept: '*/*', ...(await agent.sign('GET', `${SITE}/products`)) } }, { clientIp: freshIp(), reply: serving(agent), env: { EDGEWARD_TRUST_TEST_HEADERS: flag } })
    const production = await call('false')()
    expectUnverified(production, 'bad_agent_url')
    expect(production.seen.map((s) => s.url)).toEqual(['http://origin.test/products'])
    const dev = await call('true')()
    expect(dev.logs[0]!.agent).toBe('http://127.0.0.1:19600')
  })

  it('garbage in the three headers is not verified and never a 5xx', async () => {
    const agent = await makeAgent(freshUrl())
    for (const headers of [
      { signature: 'x', 'signature-input': 'sig1=(', 'signature-agent': '"https://a.test"' },
      { signature: 'sig1=:!!:', 'signature-input': 'sig1=("@authority");tag="web-bot-auth"', 'signature-agent': '' },
      { signature: 'sig1=:AA==:', 'signature-input': 'sig1=' + '('.repeat(5000), 'signature-agent': '"https://a.test"' },
    ]) {
      const call = await signedGet(agent, '/products', headers)
      expect(call.response.status).toBeLessThan(500)
      expect(call.logs[0]!.agent).toBeNull()
      expect((call.logs[0]!.reasons as string[]).some((r) => r.startsWith('agent_unverified:'))).toBe(true)
    }
  })

  it('is judged like the same request unsigned', async () => {
    const agent = await makeAgent(freshUrl())
    const ip = freshIp()
    const unsigned = await callWorker(`${SITE}/login`, { headers: { 'user-agent': BOT_UA, accept: '*/*' } }, { clientIp: freshIp() })
    const forged = await signedGet(agent, '/login', tamperSignature(await agent.sign('GET', `${SITE}/login`)), undefined, ip)
    expect(forged.logs[0]!.action).toBe(unsigned.logs[0]!.action)
    expect(forged.logs[0]!.rules).toEqual(unsigned.logs[0]!.rules)
  })
})

describe('requests without all three headers', () => {
  it('do no verification work: no directory fetch, no reason, agent null', async () => {
    const agent = await makeAgent(freshUrl())
    const headers = await agent.sign('GET', `${SITE}/products`)
    const { signature: _, ...twoOfThree } = headers
    const call = await signedGet(agent, '/products', twoOfThree)
    expect(call.logs[0]!.agent).toBeNull()
    expect((call.logs[0]!.reasons as string[]).some((r) => r.startsWith('agent_'))).toBe(false)
    expect(call.seen.map((s) => s.url)).toEqual(['http://origin.test/products'])
  })
})

describe('per-agent policy', () => {
  it('blocks an agent listed with block (403, named on the line)', async () => {
    const agent = await makeAgent(freshUrl())
    await writeConfig({ version: 'wba-block', agents: { [agent.url]: { name: 'Blocked Agent', action: 'block' } } })
    const call = await signedGet(agent, '/products', await agent.sign('GET', `${SITE}/products`))
    expect(call.response.status).toBe(403)
    expect(call.response.headers.get('edgeward-mitigated')).toBe('block')
    expect(call.logs[0]!.agent).toBe('Blocked Agent')
    expect(call.logs[0]!.reasons).toEqual(['agent_block'])
  })

  it('names a listed agent without an action, and rules read agent and agent_verified', async () => {
    const agent = await makeAgent(freshUrl())
    await writeConfig({
      version: 'wba-rules',
      agents: { [agent.url]: { name: 'Named Agent' } },
      rules: [
        { name: 'named_agent_on_products', when: 'agent == "Named Agent" and path == "/products/7"', action: 'block' },
        { name: 'verified_agent_marked', when: 'agent_verified', weight: 0 },
      ],
    })
    const call = await signedGet(agent, '/products/7', await agent.sign('GET', `${SITE}/products/7`))
    expect(call.response.status).toBe(403)
    expect(call.logs[0]!.agent).toBe('Named Agent')
    expect(call.logs[0]!.rules).toEqual(expect.arrayContaining(['named_agent_on_products', 'verified_agent_marked']))
    // Unsigned, the same request matches neither.
    const unsigned = await callWorker(`${SITE}/products/7`, { headers: { 'user-agent': BOT_UA, accept: '*/*' } }, { clientIp: freshIp() })
    expect(unsigned.logs[0]!.rules).not.toContain('named_agent_on_products')
    expect(unsigned.logs[0]!.rules).not.toContain('verified_agent_marked')
  })

  it('rate-limits an agent listed with rate_limit past its rate, counted across its addresses', async () => {
    const agent = await makeAgent(freshUrl())
    await writeConfig({ version: 'wba-rate', counters: { budget_ms: 1000 }, agents: { [agent.url]: { name: 'Metered Agent', action: 'rate_limit', rate_per_min: 3 } } })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const call = await signedGet(agent, '/products', await agent.sign('GET', `${SITE}/products`))
      statuses.push(call.response.status)
      expect(call.logs[0]!.agent).toBe('Metered Agent')
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429])
  })
})
