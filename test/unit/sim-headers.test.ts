// The simulator's header sets, read by edgeward's own signal code: real browser sets look like
// real browsers (no hint mismatch, Sec-Fetch present, Accept and Accept-Language there), tools
// look like what they are, and a copied browser set is indistinguishable by headers alone.
import { describe, expect, it } from 'vitest'
import { BROWSER_KINDS, FETCH_KINDS, browserHeaders, browserProfile } from '../../src/cli/simulate/browsers'
import { random } from '../../src/cli/simulate/random'
import { TOOLS, toolHeaders, toolIdentity } from '../../src/cli/simulate/tools'
import { readHeaderSignals } from '../../src/signals/headers'

const URL_ = 'http://127.0.0.1:8787/login'
const ctx = { host: '127.0.0.1:8787', referer: 'http://127.0.0.1:8787/', contentLength: 42 }

describe('browser header sets', () => {
  it.each(BROWSER_KINDS.flatMap((k) => FETCH_KINDS.map((f) => [k, f] as const)))('%s %s reads as a consistent browser', (kind, fetchKind) => {
    for (let seed = 0; seed < 25; seed++) {
      const rng = random(seed, kind)
      const p = browserProfile(kind, rng.pick(['US', 'DE', 'GB', 'JP']), rng)
      const s = readHeaderSignals({ headers: browserHeaders(p, fetchKind, ctx), cf: undefined, url: URL_ })
      expect(s.userAgent.claimsBrowser, p.ua).toBe(true)
      expect(s.userAgent.isBot).toBe(false)
      expect(s.clientHintsMismatch, p.ua).toBeNull()
      expect(s.secFetchMissing, p.ua).toBe(false)
      expect(s.acceptMissing).toBe(false)
      expect(s.acceptLanguageMissing).toBe(false)
    }
  })

  it('sends each header once, Host first', () => {
    const p = browserProfile('chrome', 'US', random(1))
    for (const f of FETCH_KINDS) {
      const names = browserHeaders(p, f, { ...ctx, cookie: 'a=b' }).map(([n]) => n.toLowerCase())
      expect(names[0]).toBe('host')
      expect(new Set(names).size).toBe(names.length)
    }
  })
})

describe('tool header sets', () => {
  const signals = (tool: (typeof TOOLS)[number], seed = 1) => {
    const id = toolIdentity(tool, random(seed, tool))
    return readHeaderSignals({ headers: toolHeaders(id, 'form', ctx), cf: undefined, url: URL_ })
  }

  it.each(['python_requests', 'curl', 'go_http', 'axios', 'java', 'scrapy'] as const)('%s declares itself (not a browser)', (tool) => {
    const s = signals(tool)
    expect(s.userAgent.claimsBrowser).toBe(false)
  })

  it('a pasted browser UA lacks the hints and Sec-Fetch-* its browser would send', () => {
    const s = signals('spoof_ua')
    expect(s.userAgent.claimsBrowser).toBe(true)
    expect(s.clientHintsMismatch).toBe('hints_missing')
    expect(s.secFetchMissing).toBe(true)
  })

  it('a full copied browser set passes every header check', () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = signals('spoof_full', seed)
      expect(s.clientHintsMismatch).toBeNull()
      expect(s.secFetchMissing).toBe(false)
      expect(s.userAgent.claimsBrowser).toBe(true)
    }
  })
})
