// A script that farms the challenge: it reads the page, hashes SHA-256 natively and posts what it
// likes. Lowering the difficulty in the query, dropping the ticket, editing the signed challenge,
// posting no browser report or a made-up one: each is refused. What still clears — a report that
// agrees with the headers the script sends — is the cost written in docs/challenge.md.
import { describe, expect, it } from 'vitest'
import { leadingZeroBits, powDigest } from '../../src/action/pow'
import { ACCEPT_LANGUAGE, browserReport, decodePayload, getChallengeRaw, postVerify, solve, ticketFor, UA, verifyDirect } from '../support/challenge'

/** A counter whose digest has at least `low` but fewer than `high` zero bits: work at the lowered difficulty only. */
async function solvedBelow(id: string, low: number, high: number): Promise<string> {
  for (let n = 0; ; n++) {
    const bits = leadingZeroBits(await powDigest(id, String(n)))
    if (bits >= low && bits < high) return String(n)
  }
}

describe('a native solver', () => {
  it('cannot lower the difficulty with ?d=: the page keeps the ticket’s, and work at the lower one is refused', async () => {
    const ticket = await ticketFor(16, '/login')
    const page = await getChallengeRaw(`return=%2Flogin&t=${encodeURIComponent(ticket)}&d=12`)
    expect(page.difficulty).toBe(16)
    expect(decodePayload(page.token)).toMatchObject({ d: 16 })
    const { response, outcome } = await verifyDirect({ challenge: page.token, solution: await solvedBelow(page.challengeId, 12, 16) })
    expect(response.status).toBe(403)
    expect(outcome?.detail).toBe('challenge:refused:pow_insufficient')
    expect(response.headers.getAll('set-cookie')).toEqual([])
  })

  it('gains nothing by dropping the ticket: the page asks the most work', async () => {
    const page = await getChallengeRaw('return=%2Flogin&d=12')
    expect(page.difficulty).toBe(20)
    const { outcome } = await verifyDirect({ challenge: page.token, solution: await solvedBelow(page.challengeId, 12, 20) })
    expect(outcome?.detail).toBe('challenge:refused:pow_insufficient')
  })

  it('is sent back to the same work by the "try again" link, never less', async () => {
    const page = await getChallengeRaw(`return=%2Flogin&t=${encodeURIComponent(await ticketFor(16, '/login'))}`)
    const refused = await postVerify({ challenge: page.token, solution: await solvedBelow(page.challengeId, 12, 16) })
    const retry = /href="([^"]*challenge\?[^"]*)"/.exec(await refused.response.text())?.[1]?.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))).replace(/&amp;/g, '&') ?? ''
    expect(retry).toContain('t=')
    expect(retry).not.toMatch(/[?&]d=/)
    const again = await getChallengeRaw(retry.slice(retry.indexOf('?') + 1))
    expect(again.difficulty).toBe(16)
  })

  it.each<[string, Record<string, string>, string]>([
    ['no browser report', { browser: '' }, 'browser_missing'],
    ['a report that is not JSON', { browser: 'navigator=ok' }, 'browser_malformed'],
    ['a report with made-up defaults (no languages)', { browser: JSON.stringify(browserReport({ languages: [] })) }, 'browser_languages'],
    ['a report for another browser than its User-Agent', { browser: JSON.stringify(browserReport({ ua: 'python-requests/2.32' })) }, 'browser_ua'],
    ['a report from a driven browser', { browser: JSON.stringify(browserReport({ webdriver: true })) }, 'browser_webdriver'],
    ['a report with Selenium’s globals', { browser: JSON.stringify(browserReport({ automation: ['__selenium_unwrapped'] })) }, 'browser_automation'],
    ['a Windows navigator behind a Linux User-Agent', { browser: JSON.stringify(browserReport({ platform: 'Win32' })) }, 'browser_platform'],
  ])('does not clear with %s, even with the proof of work solved', async (_name, report, reason) => {
    const page = await getChallengeRaw(`return=%2F&t=${encodeURIComponent(await ticketFor(12))}`)
    const { response, outcome } = await verifyDirect({ challenge: page.token, solution: await solve(page.challengeId, 12), ...report })
    expect(response.status).toBe(403)
    expect(outcome?.detail).toBe(`challenge:refused:${reason}`)
    expect(response.headers.getAll('set-cookie')).toEqual([])
  })

  it('does not clear when its client hints disagree with the report', async () => {
    const page = await getChallengeRaw(`return=%2F&t=${encodeURIComponent(await ticketFor(12))}`)
    const hints = { 'sec-ch-ua': '"Chromium";v="126", "Google Chrome";v="126", "Not.A/Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Linux"' }
    const fields = { challenge: page.token, solution: await solve(page.challengeId, 12) }
    const { outcome } = await verifyDirect({ ...fields, browser: JSON.stringify(browserReport()) }, { headers: hints })
    expect(outcome?.detail).toBe('challenge:refused:browser_hints')
  })

  it('does clear when it fakes a browser consistent with its own headers (what that costs: docs/challenge.md)', async () => {
    const page = await getChallengeRaw(`return=%2F&t=${encodeURIComponent(await ticketFor(12))}`)
    const hints = { 'sec-ch-ua': '"Chromium";v="126", "Google Chrome";v="126", "Not.A/Brand";v="24"', 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': '"Linux"', 'accept-language': ACCEPT_LANGUAGE }
    const uaData = { brands: [{ brand: 'Chromium', version: '126' }, { brand: 'Google Chrome', version: '126' }, { brand: 'Not.A/Brand', version: '24' }], mobile: false, platform: 'Linux' }
    const { response } = await verifyDirect({ challenge: page.token, solution: await solve(page.challengeId, 12), browser: JSON.stringify(browserReport({ uaData, ua: UA })) }, { headers: hints })
    expect(response.status).toBe(303)
  })
})
