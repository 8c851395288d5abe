import { afterEach, describe, expect, it } from 'vitest'
import { renderToResponse } from '../support/render'
import { callWorker, clearConfig, writeConfig } from '../support/worker'

afterEach(clearConfig)

const HTML = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' }
const XSS = '/<script>alert(1)</script>"\'><img src=x onerror=alert(1)>?q=<svg/onload=alert(1)>'

describe('mitigation responses', () => {
  it('blocks a deny-listed IP with 403, edgeward headers and an HTML page for browsers', async () => {
    await writeConfig({ version: 't-1', deny: { ips: ['203.0.113.0/24'], asns: [] } })
    const { response, logs, seen } = await callWorker('/account', { headers: HTML })
    expect(seen).toHaveLength(0)
    expect(response.status).toBe(403)
    expect(response.headers.get('edgeward-mitigated')).toBe('block')
    expect(response.headers.get('edgeward-ref')).toBe(logs[0]?.ref)
    expect(response.headers.get('content-type')).toContain('text/html')
    expect(await response.text()).toContain(String(logs[0]?.ref))
  })

  it('blocks with JSON for non-browser clients', async () => {
    await writeConfig({ version: 't-2', deny: { ips: ['203.0.113.7'], asns: [] } })
    const { response } = await callWorker('/api/products', { headers: { accept: 'application/json' } })
    expect(response.status).toBe(403)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(await response.json()).toMatchObject({ error: 'blocked' })
  })

  it('challenges with a 403 HTML interstitial for browsers and JSON otherwise', async () => {
    await writeConfig({ version: 't-3', thresholds: { default: { challenge: 0, block: 1 } } })
    const html = await callWorker('/products/1', { headers: HTML })
    expect(html.response.status).toBe(403)
    expect(html.response.headers.get('edgeward-mitigated')).toBe('challenge')
    expect(html.response.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(await html.response.text()).toContain('/__edgeward/challenge?return=%2Fproducts%2F1')
    const json = await callWorker('/products/1', { headers: { accept: '*/*' } })
    expect(json.response.status).toBe(403)
    expect(await json.response.json()).toMatchObject({ error: 'challenge_required' })
  })

  it('answers rate_limit with 429 and Retry-After', async () => {
    const r = renderToResponse('rate_limit', 'text/html', 'ref123', '/x')
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBe('60')
    expect(r.headers.get('edgeward-mitigated')).toBe('rate_limit')
    expect(r.headers.get('edgeward-ref')).toBe('ref123')
  })

  it.each(['block', 'challenge', 'rate_limit'] as const)('never reflects hostile path or query input in a %s page', async (action) => {
    const r = renderToResponse(action, 'text/html', 'ref', XSS)
    const body = await r.text()
    expect(body).not.toContain('<script>alert')
    expect(body).not.toContain('onerror=')
    expect(body).not.toContain('<svg')
  })

  it('sends neither mitigation header nor a score to the client on allowed requests', async () => {
    const { response } = await callWorker('/')
    expect(response.headers.get('edgeward-mitigated')).toBeNull()
    expect(response.headers.get('edgeward-ref')).toBeNull()
    expect([...response.headers.keys()].some((k) => k.startsWith('x-edgeward'))).toBe(false)
  })

  it('shadow mode forwards what enforce would block and logs would_action', async () => {
    await writeConfig({ version: 't-4', mode: 'shadow', deny: { ips: ['203.0.113.7'], asns: [] } })
    const { response, logs, seen } = await callWorker('/account')
    expect(seen).toHaveLength(1)
    expect(response.status).toBe(200)
    expect(logs[0]).toMatchObject({ action: 'allow', would_action: 'block', mode: 'shadow' })
  })

  it('allow-listed IPs are forwarded even above the thresholds', async () => {
    await writeConfig({ version: 't-5', allow: { ips: ['203.0.113.0/24'], asns: [] }, thresholds: { default: { challenge: 0, block: 0 } } })
    const { response, logs } = await callWorker('/products/1')
    expect(response.status).toBe(200)
    expect(logs[0]).toMatchObject({ action: 'allow', source: 'allow_list' })
  })
})
