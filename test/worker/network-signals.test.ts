// request.cf network signals through the Worker, set with the dev-only x-edgeward-test-cf
// header: the TLS fingerprints reach the decision log line and the rules, and
// `asn.hosting_extra` in the config turns an ASN into a hosting one for the features.
import { afterEach, describe, expect, it } from 'vitest'
import { callWorker, clearConfig, writeConfig } from '../support/worker'

afterEach(clearConfig)

const TRUST = { env: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } }
const JA3 = 'e7d705a3286e19ea42f587b344ee6865'
const JA4 = 't13d1516h2_8daaf6152771_02713d6af862'
/** An ASN from the documentation range (RFC 5398): on no hosting list unless the config says so. */
const DOC_ASN = 64500

const withCf = (cf: Record<string, unknown>) => ({ headers: { 'x-edgeward-test-cf': JSON.stringify(cf) } })

describe('TLS fingerprints in the decision log line', () => {
  it('logs ja3 and ja4 when request.cf has them', async () => {
    const { logs } = await callWorker('/products/1', withCf({ botManagement: { ja3Hash: JA3, ja4: JA4 } }), TRUST)
    expect(logs[0]).toMatchObject({ ja3: JA3, ja4: JA4 })
  })

  it('takes a top-level ja4 too (as the design names it for the test header)', async () => {
    const { logs } = await callWorker('/products/1', withCf({ ja4: JA4 }), TRUST)
    expect(logs[0]).toMatchObject({ ja3: null, ja4: JA4 })
  })

  it('logs null for both when request.cf has none', async () => {
    const { logs } = await callWorker('/products/1')
    expect(logs[0]).toHaveProperty('ja3', null)
    expect(logs[0]).toHaveProperty('ja4', null)
  })

  it('logs null for values not shaped like a fingerprint', async () => {
    const { logs } = await callWorker('/products/1', withCf({ botManagement: { ja3Hash: '<script>', ja4: 'a b"c' } }), TRUST)
    expect(logs[0]).toMatchObject({ ja3: null, ja4: null })
  })
})

describe('rules on TLS fingerprints', () => {
  const blockJa4 = { version: 'ja4-rule-1', rules: [{ name: 'known_bad_tls', when: `ja4 == "${JA4}" or ja3 in ["${JA3}"]`, action: 'block' }] }

  it('blocks a known-bad JA4 and names the rule', async () => {
    await writeConfig(blockJa4)
    const { response, logs, seen } = await callWorker('/products/1', withCf({ botManagement: { ja4: JA4 } }), TRUST)
    expect(response.status).toBe(403)
    expect(response.headers.get('edgeward-mitigated')).toBe('block')
    expect(logs[0]).toMatchObject({ action: 'block', source: 'rule', rules: ['known_bad_tls'], ja4: JA4 })
    expect(seen).toHaveLength(0)
  })

  it('blocks a known-bad JA3 too', async () => {
    await writeConfig(blockJa4)
    const { response } = await callWorker('/products/1', withCf({ botManagement: { ja3Hash: JA3 } }), TRUST)
    expect(response.status).toBe(403)
  })

  it('lets another fingerprint, and a request without one, through', async () => {
    await writeConfig(blockJa4)
    const other = await callWorker('/products/1', withCf({ ja4: 't13d1516h2_8daaf6152771_000000000000' }), TRUST)
    expect(other.response.status).toBe(200)
    expect(other.logs[0]?.rules).toEqual([])
    const none = await callWorker('/products/1')
    expect(none.response.status).toBe(200)
  })
})

describe('asn.hosting_extra', () => {
  const features = async (): Promise<Record<string, number>> => {
    const { logs } = await callWorker('/products/1', withCf({ asn: DOC_ASN }), TRUST)
    expect(logs[0]?.asn).toBe(DOC_ASN)
    return logs[0]?.features as Record<string, number>
  }

  it('an ASN on no list reads as not hosting', async () => {
    expect((await features()).asn_hosting).toBe(0)
  })

  it('the same ASN reads as hosting once the config lists it', async () => {
    await writeConfig({ version: 'hosting-extra-1', asn: { hosting_extra: [DOC_ASN] } })
    expect((await features()).asn_hosting).toBe(1)
  })

  it('a bundled hosting ASN reads as hosting without any config', async () => {
    const { logs } = await callWorker('/products/1', withCf({ asn: 16509 }), TRUST)
    expect((logs[0]?.features as Record<string, number>).asn_hosting).toBe(1)
  })
})
