// Plain http only to this machine: a cookie without Secure, a range API's or the WAF API's base.
import { describe, expect, it } from 'vitest'
import { isHttpsOrLoopback, isPlainHttpLoopback } from '../../src/util/loopback'

describe('loopback', () => {
  it('takes localhost, [::1] and 127.x.y.z over http, https anywhere', () => {
    for (const u of ['http://localhost:8787/', 'http://[::1]:8787/x', 'http://127.0.0.1/', 'http://127.12.3.4:9/']) expect(isPlainHttpLoopback(u), u).toBe(true)
    expect(isHttpsOrLoopback('https://api.cloudflare.com/client/v4')).toBe(true)
  })
  it('refuses a name that only starts like a loopback address, other hosts over http, and non-URLs', () => {
    for (const u of ['http://127.0.0.1.evil.example/', 'http://127.example/', 'http://api.cloudflare.com/', 'ftp://127.0.0.1/', 'not a url']) {
      expect(isPlainHttpLoopback(u), u).toBe(false)
      expect(isHttpsOrLoopback(u), u).toBe(false)
    }
  })
})
