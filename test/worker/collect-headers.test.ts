// Platform facts the header signals rely on, checked inside workerd: header order is not
// observable (Headers iterate sorted, lower-cased), and readHeaderSignals works on a real Request.
import { describe, expect, it } from 'vitest'
import { readHeaderSignals } from '../../src/signals/headers'

describe('workerd Headers', () => {
  it('iterates names sorted and lower-cased, whatever order the client sent', () => {
    const req = new Request('https://x.test/', { headers: [['User-Agent', 'a'], ['Accept', 'b'], ['Zeta', 'c'], ['accept-language', 'd']] })
    expect([...req.headers.keys()]).toEqual(['accept', 'accept-language', 'user-agent', 'zeta'])
  })
})

describe('readHeaderSignals on a workerd Request', () => {
  it('reads a real Chrome navigation as a consistent browser', () => {
    const req = new Request('https://x.test/login', {
      headers: {
        'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
        'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
        'sec-ch-ua-mobile': '?0',
        'sec-ch-ua-platform': '"Windows"',
        accept: 'text/html',
        'accept-language': 'en-US,en;q=0.9',
        'sec-fetch-site': 'none',
        'sec-fetch-mode': 'navigate',
        'cf-connecting-ip': '192.0.2.1',
        'x-edgeward-test-cf': '{}',
      },
    })
    const s = readHeaderSignals({ headers: req.headers, cf: { httpProtocol: 'HTTP/2', tlsVersion: 'TLSv1.3', tlsCipher: 'AEAD-AES128-GCM-SHA256', asn: 7922 }, url: req.url })
    expect(s).toMatchObject({ uaMissing: false, clientHintsMismatch: null, secFetchMissing: false, headerCount: 8, httpVersion: 2, tlsVersion: 1.3, tlsCipherWeak: false, asnHosting: false, headerOrderAnomaly: false })
    expect(s.userAgent).toMatchObject({ family: 'chrome', claimsBrowser: true, isBot: false })
  })
})
