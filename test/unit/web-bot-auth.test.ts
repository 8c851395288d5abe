// The pure parts of Web Bot Auth: the Structured Field parser (RFC 8941), the RFC 9421 signature base
// and the checks on a signature's parameters, the JWK thumbprint (RFC 7638 / RFC 8037), the agent URL
// rules and the directory's cache life. Random garbage in the three headers never throws.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { directoryKeys, directoryTtlS, jwkThumbprint, locateAgent } from '../../src/signals/webBotAuth/keyDirectory'
import { readSignature, type AgentHeaders } from '../../src/signals/webBotAuth/readSignature'
import { parseDictionary, parseItemField, serializeMember } from '../../src/signals/webBotAuth/structuredFields'

const NOW_S = 1_800_000_000
const NOW = NOW_S * 1000
const request = { method: 'GET', url: new URL('https://shop.example:8443/products/1?q=a'), headers: new Headers({ 'signature-agent': '"https://agent.example"' }) }
const input = (params: string, components = '"@authority" "@method" "@path" "signature-agent"'): AgentHeaders => ({
  signature: 'sig1=:' + btoa('x'.repeat(64)) + ':',
  signatureInput: `sig1=(${components});${params}`,
  signatureAgent: '"https://agent.example"',
})
const GOOD = `created=${NOW_S - 10};expires=${NOW_S + 290};keyid="kid-1";alg="ed25519";nonce="n-1";tag="web-bot-auth"`

describe('parseDictionary', () => {
  it('reads a Signature-Input member: an inner list of strings with typed parameters', () => {
    const d = parseDictionary('sig1=("@authority" "signature-agent";key="a");created=1;keyid="k";flag;ratio=0.25, other=?0')
    expect(d).not.toBeNull()
    const sig1 = d!.get('sig1')!
    expect(sig1.kind).toBe('inner')
    expect(serializeMember(sig1)).toBe('("@authority" "signature-agent";key="a");created=1;keyid="k";flag;ratio=0.25')
    expect(serializeMember(d!.get('other')!)).toBe('?0')
  })

  it('reads byte sequences and escaped strings, and serialises them back the same', () => {
    const d = parseDictionary('s=:AAEC:, t="a\\"b\\\\c", tok=foo/bar:1')!
    expect([...(d.get('s') as { value: { value: Uint8Array } }).value.value]).toEqual([0, 1, 2])
    expect(serializeMember(d.get('t')!)).toBe('"a\\"b\\\\c"')
    expect(serializeMember(d.get('tok')!)).toBe('foo/bar:1')
  })

  it.each([
    ['a trailing comma', 'a=1,'],
    ['an upper-case key', 'A=1'],
    ['an unterminated string', 'a="x'],
    ['a bad escape', 'a="\\x"'],
    ['a 16-digit integer', 'a=1234567890123456'],
    ['an unclosed inner list', 'a=("x"'],
    ['a non-ASCII character', 'a="é"'],
    ['a bad byte sequence', 'a=:!!:'],
    ['a bad boolean', 'a=?2'],
    ['junk after a member', 'a=1 b'],
  ])('refuses %s', (_, text) => {
    expect(parseDictionary(text)).toBeNull()
  })

  it('reads an Item field: a string, with nothing after it', () => {
    expect(parseItemField(' "https://agent.example" ')?.value).toEqual({ type: 'string', value: 'https://agent.example' })
    expect(parseItemField('"a" "b"')).toBeNull()
  })
})

describe('readSignature', () => {
  it('builds the RFC 9421 signature base, line by line, ending with @signature-params', () => {
    const r = readSignature(input(GOOD), request, NOW)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(new TextDecoder().decode(r.value.base)).toBe(
      [
        '"@authority": shop.example:8443',
        '"@method": GET',
        '"@path": /products/1',
        '"signature-agent": "https://agent.example"',
        `"@signature-params": ("@authority" "@method" "@path" "signature-agent");${GOOD}`,
      ].join('\n'),
    )
    expect(r.value).toMatchObject({ agentUrl: 'https://agent.example', keyid: 'kid-1', nonce: 'n-1', created: NOW_S - 10, expires: NOW_S + 290 })
    expect(r.value.signature).toHaveLength(64)
  })

  it('reads the Dictionary form of Signature-Agent through the component\'s key', () => {
    const headers = new Headers({ 'signature-agent': 'other="https://x.example", sig1="https://agent.example"' })
    const h = { ...input(GOOD, '"@authority" "signature-agent";key="sig1"'), signatureAgent: headers.get('signature-agent')! }
    const r = readSignature(h, { ...request, headers }, NOW)
    expect(r.ok && r.value.agentUrl).toBe('https://agent.example')
    expect(r.ok && new TextDecoder().decode(r.value.base).split('\n')[1]).toBe('"signature-agent";key="sig1": "https://agent.example"')
  })

  it.each([
    ['wrong_tag', GOOD.replace('web-bot-auth', 'other')],
    ['no_keyid', GOOD.replace('keyid="kid-1";', '')],
    ['unsupported_alg', GOOD.replace('"ed25519"', '"rsa-pss-sha512"')],
    ['no_created', GOOD.replace(`created=${NOW_S - 10};`, '')],
    ['no_expires', GOOD.replace(`expires=${NOW_S + 290};`, '')],
    ['no_nonce', GOOD.replace('nonce="n-1";', '')],
    ['expired', `created=${NOW_S - 100};expires=${NOW_S};keyid="k";nonce="n";tag="web-bot-auth"`],
    ['created_in_future', `created=${NOW_S + 61};expires=${NOW_S + 300};keyid="k";nonce="n";tag="web-bot-auth"`],
    ['lifetime_too_long', `created=${NOW_S - 10};expires=${NOW_S + 86400};keyid="k";nonce="n";tag="web-bot-auth"`],
  ])('refuses with %s', (reason, params) => {
    const r = readSignature(input(params), request, NOW)
    expect(r.ok ? 'ok' : r.reason).toBe(reason)
  })

  it('accepts a created up to 60 s ahead (clock skew)', () => {
    const r = readSignature(input(`created=${NOW_S + 60};expires=${NOW_S + 300};keyid="k";nonce="n";tag="web-bot-auth"`), request, NOW)
    expect(r.ok).toBe(true)
  })

  it.each([
    ['missing_component', '"@method" "signature-agent"'],
    ['missing_component', '"@authority" "@method"'],
    ['missing_component', '"@authority" "signature-agent" "x-absent"'],
    ['unsupported_component', '"@authority" "signature-agent" "@query-param";name="q"'],
    ['unsupported_component', '"@authority" "signature-agent" "@status"'],
    ['bad_signature_input', '"@authority" "signature-agent" "@authority"'],
  ])('refuses covered components: %s (%s)', (reason, components) => {
    const r = readSignature(input(GOOD, components), request, NOW)
    expect(r.ok ? 'ok' : r.reason).toBe(reason)
  })

  it('refuses a Signature header without the label\'s byte sequence', () => {
    const r = readSignature({ ...input(GOOD), signature: 'sig2=:AAAA:' }, request, NOW)
    expect(r.ok ? 'ok' : r.reason).toBe('no_signature')
  })

  it('never throws on random garbage in the three headers', () => {
    const fragments = fc.constantFrom('sig1=', '(', ')', '"@authority"', '"signature-agent"', ';key="sig1"', ';created=', ';expires=', ';tag="web-bot-auth"', ';keyid="k"', ';nonce="n"', ':', '=', ',', ' ', '?1', '\\', '"', '1', '-', '.', '\u00e9', '\u0000')
    const header = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fragments, { maxLength: 40 }).map((p) => p.join('')))
    fc.assert(
      fc.property(header, header, header, fc.integer(), (signature, signatureInput, signatureAgent, skew) => {
        const r = readSignature({ signature, signatureInput, signatureAgent }, request, NOW + skew)
        // A result either way, never a throw; an `ok` still has to pass the key lookup and Ed25519.
        expect(typeof r.ok).toBe('boolean')
        parseDictionary(signatureInput)
        parseItemField(signatureAgent)
      }),
      { numRuns: 600 },
    )
  })
})

describe('key directory', () => {
  it('computes the RFC 8037 Appendix A.3 thumbprint of its Ed25519 example key', async () => {
    expect(await jwkThumbprint('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo')).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k')
  })

  it('keeps only well-formed Ed25519 keys, by thumbprint', async () => {
    const keys = await directoryKeys({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }, { kty: 'RSA', n: 'x', e: 'AQAB' }, { kty: 'OKP', crv: 'Ed25519', x: 'short' }, null, 7] })
    expect([...keys!.keys()]).toEqual(['kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k'])
    expect(await directoryKeys({ keys: 'no' })).toBeNull()
    expect(await directoryKeys(null)).toBeNull()
  })

  it.each([
    ['https://agent.example', false, { identity: 'https://agent.example', directoryUrl: 'https://agent.example/.well-known/http-message-signatures-directory' }],
    ['https://agent.example/', false, { identity: 'https://agent.example', directoryUrl: 'https://agent.example/.well-known/http-message-signatures-directory' }],
    ['https://agent.example/keys.json', false, { identity: 'https://agent.example/keys.json', directoryUrl: 'https://agent.example/keys.json' }],
    ['http://127.0.0.1:19600', true, { identity: 'http://127.0.0.1:19600', directoryUrl: 'http://127.0.0.1:19600/.well-known/http-message-signatures-directory' }],
    ['http://127.0.0.1:19600', false, null],
    ['http://agent.example', true, null],
    ['https://user:pw@agent.example', false, null],
    ['https://agent.example/?x=1', false, null],
    ['javascript:alert(1)', true, null],
    ['not a url', true, null],
    [`https://agent.example/${'a'.repeat(500)}`, false, null],
  ])('locates %s (loopback http allowed: %s)', (raw, dev, expected) => {
    expect(locateAgent(raw, dev)).toEqual(expected)
  })

  it('keeps a directory for its max-age, within 60 s – 1 h, 5 minutes without one', () => {
    const b = { min: 60, max: 3600, fallback: 300 }
    expect(directoryTtlS('public, max-age=600', b)).toBe(600)
    expect(directoryTtlS('max-age=5', b)).toBe(60)
    expect(directoryTtlS('max-age=999999', b)).toBe(3600)
    expect(directoryTtlS(null, b)).toBe(300)
    expect(directoryTtlS('no-store', b)).toBe(60)
    expect(directoryTtlS('s-maxage=10', b)).toBe(300)
  })
})
