// Network signals from request.cf in plain Node: versions, cipher strength, hosting ASNs (with an
// extra set), Bot Management fields, and garbage in every field.
import { describe, expect, it } from 'vitest'
import data from '../../src/signals/data/hosting-asns.json'
import { HOSTING_ASNS, readNetworkSignals } from '../../src/signals/network'

describe('readNetworkSignals', () => {
  it('reads a Cloudflare request.cf', () => {
    const s = readNetworkSignals({
      httpProtocol: 'HTTP/3', tlsVersion: 'TLSv1.3', tlsCipher: 'AEAD-CHACHA20-POLY1305-SHA256', asn: 16509, country: 'DE',
      timezone: 'Europe/Berlin', clientTcpRtt: 23, botManagement: { score: 12, verifiedBot: false, ja3Hash: 'abc', ja4: 't13d1516h2_8daaf6152771_02713d6af862' },
    })
    expect(s).toEqual({
      httpVersion: 3, tlsVersion: 1.3, tlsCipherWeak: false, asn: 16509, asnHosting: true, country: 'DE', cfTimezone: 'Europe/Berlin',
      clientTcpRttMs: 23, botScore: 12, verifiedBot: false, ja3Hash: 'abc', ja4: 't13d1516h2_8daaf6152771_02713d6af862',
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

  it('the ASN data file names its source and date and has no duplicates', () => {
    expect(data.source.length).toBeGreaterThan(20)
    expect(data.date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(new Set(data.asns.map((a) => a.asn)).size).toBe(data.asns.length)
  })
})
