// A challenge a client ignores sticks: a cookie-less client shown challenge after challenge on one
// address, passing none, has its next page read challenged even when its score alone would let it in
// (src/policy/ignoredChallenges.ts). Passing once — here the no-JavaScript wait — lets it through on
// the clearance. The record is the address's: a device cookie minted per page sheds none of it; another
// address, and a shared one (accounts signed in there), owe nothing.
import { describe, expect, it } from 'vitest'
import { IGNORED_CHALLENGES_MIN } from '../../src/policy/ignoredChallenges'
import { deviceCookie, peekCounters } from '../support/journey'
import { NoJsBrowser } from '../support/nojs'
import { useConfig } from '../support/useConfig'
import { BROWSER_HEADERS, callWorker } from '../support/worker'

/** The model challenges every page read (a low tier: the wait is offered); no rules. */
const CHALLENGING = { version: 'ignored-challenging', thresholds: { default: { challenge: 0, block: 1 } }, rules: [], counters: { budget_ms: 1000 }, challenge: { nojs_wait_s: 1, nojs_per_net_10m: 3 } }
/** …and a model that lets every page read in. */
const CALM = { ...CHALLENGING, version: 'ignored-calm', thresholds: { default: { challenge: 1, block: 1 } } }

/** A scraper's page read: a browser's header set, no cookie, never following the interstitial. */
const read = (path: string, ip: string) => callWorker(path, { headers: BROWSER_HEADERS, redirect: 'manual' }, { clientIp: ip })

describe('an address whose clients ignore their challenges', () => {
  it('stays challenged when its score falls back, until it passes one', async () => {
    const ip = '198.51.130.10'
    await useConfig(CHALLENGING)
    for (let i = 1; i <= IGNORED_CHALLENGES_MIN; i++) {
      const page = await read(`/products/${i}`, ip)
      expect(page.response.headers.get('edgeward-mitigated')).toBe('challenge')
      expect(page.logs[0]!.reasons).not.toContain('challenges_ignored')
    }
    await useConfig(CALM)
    // Its rate fell, its score with it: the model lets the page in, the address's record does not.
    const next = await read('/products/9', ip)
    expect(next.response.status).toBe(403)
    expect(next.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(next.logs[0]).toMatchObject({ action: 'challenge', source: 'model' })
    expect((next.logs[0]!.reasons as string[])[0]).toBe('challenges_ignored')

    // Another address owes nothing.
    const elsewhere = await read('/products/9', '198.51.131.10')
    expect(elsewhere.response.status).toBe(200)

    // A fresh device cookie sheds nothing: the record is the address's, and a cookie is one POST to mint.
    const { cookie } = await deviceCookie(ip)
    const withDevice = await callWorker('/products/9', { headers: { ...BROWSER_HEADERS, cookie }, redirect: 'manual' }, { clientIp: ip })
    expect(withDevice.response.status).toBe(403)
    expect(withDevice.logs[0]!.reasons).toContain('challenges_ignored')

    // A person without JavaScript behind it waits once (the challenge is a low tier: the wait is offered):
    // a pass from the address, counted on it, and its pages read on — on its clearance while the address
    // still owes (8 shown, 1 passed), without one once passes keep up.
    const person = new NoJsBrowser(ip)
    const passed = await person.waitThrough('/products/10')
    expect(passed.response.status).toBe(303)
    await expect.poll(async () => (await peekCounters('ip', ip)).counts.challenge_passes['10m'], { timeout: 10_000 }).toBe(1)
    const after = await person.get('/products/10')
    expect(after.response.status).toBe(200)
    expect(after.logs[0]).toMatchObject({ action: 'allow', reasons: expect.arrayContaining(['cleared', 'challenges_ignored']) })
  })

  it('counts a scraper that mints a device cookie for every page, and holds it the same', async () => {
    const ip = '198.51.134.10'
    await useConfig(CHALLENGING)
    for (let i = 1; i <= IGNORED_CHALLENGES_MIN; i++) {
      const { cookie } = await deviceCookie(ip)
      const page = await callWorker(`/products/${i}`, { headers: { ...BROWSER_HEADERS, cookie }, redirect: 'manual' }, { clientIp: ip })
      expect(page.response.headers.get('edgeward-mitigated')).toBe('challenge')
    }
    await useConfig(CALM)
    const { cookie } = await deviceCookie(ip)
    const next = await callWorker('/products/9', { headers: { ...BROWSER_HEADERS, cookie }, redirect: 'manual' }, { clientIp: ip })
    expect(next.response.status).toBe(403)
    expect(next.logs[0]!.reasons).toContain('challenges_ignored')
  })

  it('leaves a shared address alone: three accounts signed in there are people who solve their own', async () => {
    const ip = '198.51.135.10'
    await useConfig(CALM)
    for (let i = 1; i <= 3; i++) {
      const body = `username=office${i}%40example.com&password=right`
      const { logs } = await callWorker('/login', { method: 'POST', body, headers: { ...BROWSER_HEADERS, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' } }, { clientIp: ip, reply: () => new Response('', { status: 200 }) })
      expect(logs[0]!.action).toBe('allow')
    }
    await expect.poll(async () => (await peekCounters('ip', ip)).distinct.signed_in_users['1h'], { timeout: 10_000 }).toBe(3)
    await useConfig(CHALLENGING)
    for (let i = 1; i <= IGNORED_CHALLENGES_MIN; i++) {
      const { cookie } = await deviceCookie(ip)
      await callWorker(`/products/${i}`, { headers: { ...BROWSER_HEADERS, cookie }, redirect: 'manual' }, { clientIp: ip })
    }
    await expect.poll(async () => (await peekCounters('ip', ip)).counts.challenges_shown['10m'], { timeout: 10_000 }).toBeGreaterThanOrEqual(IGNORED_CHALLENGES_MIN)
    await useConfig(CALM)
    // A write reads the address afresh (a page read may decide on a snapshot from before the sign-ins).
    await callWorker('/cart', { method: 'POST', body: 'product_id=1&qty=1', headers: { ...BROWSER_HEADERS, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' } }, { clientIp: ip })
    const { cookie } = await deviceCookie(ip)
    const next = await callWorker('/products/9', { headers: { ...BROWSER_HEADERS, cookie }, redirect: 'manual' }, { clientIp: ip })
    expect(next.response.status).toBe(200)
    expect(next.logs[0]!.reasons).not.toContain('challenges_ignored')
  })

  it('is a page read only: a form post is judged on its own', async () => {
    const ip = '198.51.132.10'
    await useConfig(CHALLENGING)
    for (let i = 1; i <= IGNORED_CHALLENGES_MIN; i++) await read(`/products/${i}`, ip)
    await useConfig(CALM)
    expect((await read('/products/1', ip)).logs[0]!.reasons).toContain('challenges_ignored')
    const post = await callWorker('/cart', { method: 'POST', body: 'product_id=1&qty=1', headers: { ...BROWSER_HEADERS, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' } }, { clientIp: ip })
    expect(post.response.status).toBe(200)
    expect(post.logs[0]!.reasons).not.toContain('challenges_ignored')
  })

  it('is not a few challenges: a person who left one, or four, is let in', async () => {
    const ip = '198.51.133.10'
    await useConfig(CHALLENGING)
    for (let i = 1; i < IGNORED_CHALLENGES_MIN; i++) await read(`/products/${i}`, ip)
    await useConfig(CALM)
    const next = await read('/products/9', ip)
    expect(next.response.status).toBe(200)
  })
})
