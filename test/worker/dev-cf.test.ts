// wrangler dev's placeholder request.cf (no network, or npm start's fetch turned off) is not a
// fact about the client: in local dev (EDGEWARD_TRUST_TEST_HEADERS) it reads as missing, a test
// header still stands in for it, and outside local dev request.cf is used as it comes.
import { describe, expect, it } from 'vitest'
import { callWorker } from '../support/worker'

/** miniflare's fallbackCf (4.20260426 to 5.20261117), copied by value (not imported) so a drift in either shows. */
const PLACEHOLDER = {
  asOrganization: '', asn: 395747, colo: 'DFW', city: 'Austin', region: 'Texas', regionCode: 'TX', metroCode: '635',
  postalCode: '78701', country: 'US', continent: 'NA', timezone: 'America/Chicago', latitude: '30.27130', longitude: '-97.74260',
  clientTcpRtt: 0, httpProtocol: 'HTTP/1.1', requestPriority: 'weight=192;exclusive=0', tlsCipher: 'AEAD-AES128-GCM-SHA256',
  tlsVersion: 'TLSv1.3', edgeRequestKeepAliveStatus: 0, clientTrustScore: 99,
  botManagement: { corporateProxy: false, verifiedBot: false, ja3Hash: '25b4882c2bcb50cd6b469ff28c596742', staticResource: false, detectionIds: [], score: 99 },
}
const DEV = { env: { EDGEWARD_TRUST_TEST_HEADERS: 'true' } }
const withCf = (cf: object, headers: Record<string, string> = {}) => ({ cf, headers } as RequestInit)

describe("wrangler's placeholder request.cf", () => {
  it('reads as missing in local dev: no ASN, country, JA3, TLS version or bot score from it', async () => {
    const { logs } = await callWorker('/products/1', withCf(PLACEHOLDER), DEV)
    expect(logs[0]).toMatchObject({ asn: null, country: null, ja3: null })
    const features = logs[0]?.features as Record<string, unknown>
    expect(features.tls_version).toBeUndefined()
    expect(features.cf_bot_score).toBeUndefined()
  })

  it('is replaced by the values a test header supplies', async () => {
    const header = { 'x-edgeward-test-cf': JSON.stringify({ asn: 16509, country: 'NL', tlsVersion: 'TLSv1.2' }) }
    const { logs } = await callWorker('/products/1', withCf(PLACEHOLDER, header), DEV)
    expect(logs[0]).toMatchObject({ asn: 16509, country: 'NL', ja3: null })
    expect((logs[0]?.features as Record<string, unknown>).tls_version).toBeCloseTo(1.2)
  })

  it('is used as it comes outside local dev (a deployed Worker never sees it)', async () => {
    const { logs } = await callWorker('/products/1', withCf(PLACEHOLDER))
    expect(logs[0]).toMatchObject({ asn: 395747, country: 'US', ja3: '25b4882c2bcb50cd6b469ff28c596742' })
  })

  it('keeps a real-looking cf in local dev (only the placeholder is dropped)', async () => {
    const real = { ...PLACEHOLDER, colo: 'AMS', asn: 1136, country: 'NL', postalCode: '1012', botManagement: { ja3Hash: 'e7d705a3286e19ea42f587b344ee6865' } }
    const { logs } = await callWorker('/products/1', withCf(real), DEV)
    expect(logs[0]).toMatchObject({ asn: 1136, country: 'NL', ja3: 'e7d705a3286e19ea42f587b344ee6865' })
  })
})
