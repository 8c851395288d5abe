// npm start's filter of wrangler's stderr: drops the offline request.cf warning and its stack
// trace (npm start says it once in words), keeps every other line, across chunk boundaries.
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { quietOfflineWarnings } from '../../src/cli/quietOutput'

async function filter(chunks: string[]): Promise<string> {
  let out = ''
  const stream = Readable.from(chunks).pipe(quietOfflineWarnings())
  for await (const c of stream) out += String(c)
  return out
}

const WARNING = [
  '[wrangler:warn] Unable to fetch the `Request.cf` object! Falling back to a default placeholder...',
  'Error: getaddrinfo ENOTFOUND workers.cloudflare.com',
  '    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)',
  '    at GetAddrInfoReqWrap.callbackTrampoline (node:internal/async_hooks:130:17)',
].join('\n')

describe('quietOfflineWarnings', () => {
  it('drops the cf warning and its stack trace and keeps the lines around it', async () => {
    const out = await filter([`before\n${WARNING}\n[wrangler:info] Ready on http://127.0.0.1:8787\n`])
    expect(out).toBe('before\n[wrangler:info] Ready on http://127.0.0.1:8787\n')
  })

  it('works when lines are split across chunks', async () => {
    const text = `${WARNING}\nafter\n`
    const out = await filter([text.slice(0, 37), text.slice(37, 120), text.slice(120)])
    expect(out).toBe('after\n')
  })

  it('keeps other errors and their stack traces', async () => {
    const other = 'Error: something else\n    at somewhere (x.js:1:1)\n'
    expect(await filter([other])).toBe(other)
  })

  it('keeps a last line without a newline', async () => {
    expect(await filter(['a\nb'])).toBe('a\nb')
  })
})
