// Network signals from request.cf in plain Node: versions, cipher strength, hosting ASNs (with an
// extra set), Bot Management fields, and garbage in every field.
import { describe, expect, it } from 'vitest'
import data from '../../src/signals/data/hosting-asns.json'
import { HOSTING_ASNS, readNetworkSignals, readTlsFingerprints } from '../../src/signals/network'

const JA3 = 'e7d705a3286e19ea42f587b344ee6865'
const JA4 = 't13d1516h2_8daaf6152771_02713d6af862'

describe('readNetworkSignals', () => {
  it('reads a Cloudflare request.cf', () => {
    const s = readNetworkSignals({
      httpProtocol: 'HTTP/3', tlsVersion: 'TLSv1.3', tlsCipher: 'AEAD-CHACHA20-POLY1305-SHA256', asn: 16509, country: 'DE',
      timezone: 'Europe/Berlin', clientTcpRtt: 23, botManagement: { score: 12, verifiedBot: false, ja3Hash: JA3, ja4: JA4 },
    })
    expect(s).toEqual({
      httpVersion: 3, tlsVersion: 1.3, tlsCipherWeak: false, asn: 16509, asnHosting: true, country: 'DE', cfTimezone: 'Europe/Berlin',
      clientTcpRttMs: 23, botScore: 12, verifiedBot: false, ja3Hash: JA3, ja4: JA4,
    })
  })

  it('says null for everything when there is no cf', () => {
    expect(Object.values(readNetworkSignals(undefined)).every((v) => v === null)).toBe(true)
  })

  it('flags weak ciphers and old TLS, reads plain HTTP as TLS 0', () => {
    expect(readNetworkSignals({ httpProtocol: 'HTTP/1.1', tlsVersion: 'TLSv1.2', tlsCipher: 'ECDHE-RSA-AES128-GCM-SHA256' }).tlsCipherWeak).toBe(false)
    expect(readNetworkSignals({ httpProtocol: 'HTTP/1.1', tlsVersion: 'TLSv1', tlsCipher: 'AES128-SHA' })).toMatchObject({ tlsVersion: 1.0, tlsCipherWeak: true })
    expect(readNetworkSignals({ httpProtocol: 'HTTP/1.1', tlsVersion: 'TLSv1.2', tlsCipher: 'ECDHE-RSA-AES128-SHA' }).tlsCipherWeak).toBe(true)
    expect(readNetworkSignals({ httpProtocol: 'HTTP/1.1', tlsVersion: '', tlsCipher: '' })).toMatchObject({ httpVersion: 1.1, tlsVersion: 0, tlsCipherWeak: null })
  })

  it('knows residential ASNs from hosting ones, and takes an extra set', () => {
    expect(readNetworkSignals({ asn: 7922 }).asnHosting).toBe(false)
    expect(readNetworkSignals({ asn: 7922 }, new Set([7922])).asnHosting).toBe(true)
    for (const asn of [16509, 14618, 396982, 15169, 8075, 14061, 16276, 24940, 63949, 20473, 9009, 60068]) expect(HOSTING_ASNS.has(asn)).toBe(true)
  })

  it('ignores wrongly typed or out-of-range fields', () => {
    const s = readNetworkSignals({ httpProtocol: 2, tlsVersion: ['TLSv1.3'], asn: '16509', country: { a: 1 }, clientTcpRtt: Number.NaN, botManagement: { score: 500, verifiedBot: 'yes' } })
    expect(Object.values(s).every((v) => v === null)).toBe(true)
  })

  it('reads an ASN that is not a 32-bit AS number as unknown, not as "not hosting"', () => {
    for (const asn of [0, -5, 1.5, 2 ** 32, 1e300, Number.NaN]) {
      expect(readNetworkSignals({ asn }), String(asn)).toMatchObject({ asn: null, asnHosting: null })
    }
    expect(readNetworkSignals({ asn: 2 ** 32 - 1 })).toMatchObject({ asn: 2 ** 32 - 1, asnHosting: false })
  })

  it('reads JA3 / JA4 only when shaped like one: a JA3 is MD5 hex (lower-cased), a JA4 letters, digits and _', () => {
    expect(readTlsFingerprints({ botManagement: { ja3Hash: JA3.toUpperCase(), ja4: JA4 } })).toEqual({ ja3Hash: JA3, ja4: JA4 })
    expect(readTlsFingerprints({ ja4: JA4 })).toEqual({ ja3Hash: null, ja4: JA4 })
    expect(readTlsFingerprints({ botManagement: { ja4: 'x y' }, ja4: JA4 }).ja4).toBe(JA4)
    for (const bad of ['', 'abc', `${JA3}0`, 'g'.repeat(32), 7, null, ['x']]) expect(readTlsFingerprints({ botManagement: { ja3Hash: bad } }).ja3Hash).toBeNull()
    for (const bad of ['', 'a b', 'a"b', '<script>', 'x'.repeat(65), 7, { a: 1 }]) expect(readTlsFingerprints({ ja4: bad, botManagement: { ja4: bad } }).ja4).toBeNull()
    expect(readTlsFingerprints(undefined)).toEqual({ ja3Hash: null, ja4: null })
  })

  it('the ASN data file names a citable source and its date and has no duplicates', () => {
    expect(data.source.name.length).toBeGreaterThan(5)
    expect(data.source.cite).toContain(data.date)
    for (const from of data.source.compiled_from) {
      expect(from.url).toMatch(/^https:\/\/[^ ]+\/$/)
      expect(from.per_asn).toMatch(/^https:\/\/[^ ]+\{asn\}$/)
    }
    expect(data.date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(new Set(data.asns.map((a) => a.asn)).size).toBe(data.asns.length)
  })
})
