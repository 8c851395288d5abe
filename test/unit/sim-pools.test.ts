// Attackers from their own world: the simulator never reads the detector's hosting list; its own
// ASN pools overlap that list only in part (attackers on networks the list misses, people on
// networks it names); each run draws the attack families' parameters from wide ranges.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLOUD_DESKTOP, CORPORATE_PROXY, DATACENTER, PRIVACY_EGRESS, PROXY_MOBILE, PROXY_RESIDENTIAL, VPN_EXITS } from '../../src/cli/simulate/asnPools'
import { automatedBrowserStealth, triesPerBrowser } from '../../src/cli/simulate/families/automatedBrowser'
import { attackParams } from '../../src/cli/simulate/families/params'
import { carding } from '../../src/cli/simulate/families/carding'
import { cartHoarding } from '../../src/cli/simulate/families/cartHoarding'
import { signupSpam } from '../../src/cli/simulate/families/signupSpam'
import { MIN_ATTEMPTS } from '../../src/cli/simulate/families/spec'
import { wilson } from '../../src/util/wilson'
import { random } from '../../src/cli/simulate/random'
import { toolHeaders, toolIdentity } from '../../src/cli/simulate/tools'
import type { World } from '../../src/cli/simulate/world'
import { HOSTING_ASNS } from '../../src/signals/network'
import { readHeaderSignals } from '../../src/signals/headers'

const SIM = join(import.meta.dirname, '../../src/cli/simulate')
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]))
const listed = (pool: ReadonlyArray<{ asn: number }>): number => pool.filter((i) => HOSTING_ASNS.has(i.asn)).length / pool.length

describe('network pools', () => {
  it('no simulator file reads the detector\'s ASN list or its signal code', () => {
    for (const f of [...files(SIM), join(SIM, '../simulate.ts')]) {
      const text = readFileSync(f, 'utf8')
      // Imports only: a comment may name the list it keeps away from.
      expect(text, f).not.toMatch(/^import .*(hosting-asns|signals\/network)/m)
    }
  })

  it('overlaps the detector\'s list only in part', () => {
    // Datacenters and VPN exits: some on the list (the big clouds), many not (small and bulletproof hosts).
    for (const pool of [DATACENTER, VPN_EXITS]) {
      expect(listed(pool)).toBeGreaterThan(0.2)
      expect(listed(pool)).toBeLessThan(0.8)
    }
    // Residential and mobile proxies are home and phone networks: none on a hosting list.
    expect(listed(PROXY_RESIDENTIAL)).toBe(0)
    expect(listed(PROXY_MOBILE)).toBe(0)
    // People too sit on listed networks: cloud desktops and some privacy exits.
    expect(listed(CLOUD_DESKTOP)).toBeGreaterThan(0.5)
    expect(listed(PRIVACY_EGRESS)).toBeGreaterThan(0)
    expect(listed(CORPORATE_PROXY)).toBeLessThan(1)
  })
})

describe('per-run attack parameters', () => {
  const world = (seed: number) => ({ seed, variant: 'base' }) as unknown as World
  it('are fixed within a run and differ widely across runs', () => {
    // Two worlds of one seed (not one world twice, which only meets the cache): the seed fixes them.
    expect(attackParams(world(1), 'credential_stuffing')).toEqual(attackParams(world(1), 'credential_stuffing'))
    const runs = Array.from({ length: 40 }, (_, i) => attackParams(world(100 + i), 'credential_stuffing'))
    const paces = runs.map((p) => p.paceMs)
    expect(Math.max(...paces) / Math.min(...paces)).toBeGreaterThan(8)
    expect(new Set(runs.map((p) => p.tries)).size).toBeGreaterThan(20)
    expect(new Set(runs.flatMap((p) => p.networks.map(([n]) => n)))).toEqual(new Set(['hosting', 'vpn', 'residential_proxy', 'mobile_proxy']))
    const dist = Array.from({ length: 40 }, (_, i) => attackParams(world(200 + i), 'distributed_stuffing').addresses)
    expect(Math.min(...dist)).toBeGreaterThanOrEqual(150)
    expect(Math.max(...dist) - Math.min(...dist)).toBeGreaterThan(150)
  })
})

describe('automated browsers per run', () => {
  const world = (seed: number, variant = 'base') => ({ seed, variant, scale: 1, smoke: false, chromium: {} }) as unknown as World
  it('draw the tries a browser makes before it is replaced from 4…16, keeping ~96 attempts a run', () => {
    const tries = Array.from({ length: 60 }, (_, i) => triesPerBrowser(world(500 + i), 'automated_browser_stealth'))
    expect(Math.min(...tries)).toBeGreaterThanOrEqual(4)
    expect(Math.max(...tries)).toBeLessThanOrEqual(16)
    expect(new Set(tries).size).toBeGreaterThan(8)
    expect(triesPerBrowser(world(7), 'automated_browser_stealth')).toBe(triesPerBrowser(world(7), 'automated_browser_stealth'))
    for (let i = 0; i < 60; i++) {
      const w = world(500 + i)
      const attempts = automatedBrowserStealth.sessions(w) * triesPerBrowser(w, 'automated_browser_stealth')
      expect(attempts).toBeGreaterThanOrEqual(88)
      expect(attempts).toBeLessThanOrEqual(104)
    }
    // The shifted variant (training data) keeps its 6 browsers of 6.
    expect(automatedBrowserStealth.sessions(world(1, 'shifted')) * triesPerBrowser(world(1, 'shifted'), 'automated_browser_stealth')).toBe(36)
  })
})

describe('tool header sets from other sources', () => {
  const ctx = { host: '127.0.0.1:8787', contentLength: 30 }
  it('curl-impersonate and tls-client claim an (older) Chrome, with its hints', () => {
    for (const tool of ['curl_impersonate', 'tls_client'] as const) {
      const s = readHeaderSignals({ headers: toolHeaders(toolIdentity(tool, random(1)), 'form', ctx), cf: undefined, url: 'http://127.0.0.1:8787/login' })
      expect(s.userAgent.claimsBrowser, tool).toBe(true)
      expect(s.clientHintsMismatch, tool).toBeNull()
    }
  })
  it('httpx and Guzzle declare themselves', () => {
    for (const tool of ['httpx', 'guzzle'] as const) {
      const s = readHeaderSignals({ headers: toolHeaders(toolIdentity(tool, random(1)), 'form', ctx), cf: undefined, url: 'http://127.0.0.1:8787/login' })
      expect(s.userAgent.claimsBrowser, tool).toBe(false)
    }
  })
})

describe('one-source families per run', () => {
  const world = (seed: number, variant = 'base') => ({ seed, variant, scale: 1, smoke: false, chromium: {} }) as unknown as World
  it('make at least MIN_ATTEMPTS attempts at full scale whatever the tries per source, so three misses still meet 90 % on the bound', () => {
    expect(MIN_ATTEMPTS).toBe(96)
    for (const [spec, family, base] of [[signupSpam, 'signup_spam', 3], [carding, 'carding', 4], [cartHoarding, 'cart_hoarding', 3]] as const) {
      for (let seed = 1; seed <= 80; seed++) {
        const w = world(seed)
        const tries = attackParams(w, family).tries
        const n = spec.sessions(w) * tries
        expect(n, `${family} seed ${seed}`).toBeGreaterThanOrEqual(MIN_ATTEMPTS)
        expect(wilson(n - 3, n)![0]).toBeGreaterThanOrEqual(0.9)
        // Never fewer sources than before; more only when this run's tries are few.
        expect(spec.sessions(w)).toBeGreaterThanOrEqual(base)
        if (tries * base >= MIN_ATTEMPTS) expect(spec.sessions(w)).toBe(base)
      }
    }
    // The shifted variant (training data) keeps its fixed sources.
    expect(signupSpam.sessions(world(1, 'shifted'))).toBe(20)
  })
})
